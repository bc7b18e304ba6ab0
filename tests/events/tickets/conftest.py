import pytest

from tests.events.tickets import world as tickets_world


@pytest.fixture
def ticket_a(event_world):
    """Startup A's ticket (its registration is chosen in the events world)."""
    return tickets_world.issue(event_world.registration_a)
