import pytest

from tests.events import world as events_world


@pytest.fixture
def event_world(world, personas) -> events_world.EventWorld:
    return events_world.build(world, personas)
