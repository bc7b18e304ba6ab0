"""Messages in these tests are matched in English (the pages are asked for with
``Accept-Language: en``; service errors are read under ``translation.override``)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield
