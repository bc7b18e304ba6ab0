import pytest

from tests.events.qna import world as qna_world


@pytest.fixture
def qna(event_world, personas) -> qna_world.QnaWorld:
    return qna_world.build(event_world, personas)
