import pytest

from tests.alliance import world as alliance_world


@pytest.fixture
def alliance(world, personas) -> alliance_world.AllianceWorld:
    return alliance_world.build(world, personas)
