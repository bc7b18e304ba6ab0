import pytest

from tests.selection.world import decided as make_decided


@pytest.fixture
def decided(world, personas, submitted):
    """A confirmed selection of partner A's track, announced an hour ago (tests/selection/
    world.py)."""
    return make_decided(world, personas, submitted)
