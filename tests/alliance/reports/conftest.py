import pytest

from tests.alliance.reports.world import accepted


@pytest.fixture
def agreement_a(world, personas):
    """Startup A's accepted agreement in partner A's track, its reports scheduled."""
    return accepted(world, personas)
