import pytest

from tests.events.qna import world as qna_world


@pytest.fixture
def qna(event_world, personas) -> qna_world.QnaWorld:
    return qna_world.build(event_world, personas)


@pytest.fixture(autouse=True)
def _fresh_live_caches():
    """Each test starts with no shared live list and no reused state stamp."""
    from kbridge.events import live_qna, selectors_qna

    live_qna.clear_caches()
    reuse, selectors_qna.STAMP_REUSE_SECONDS = selectors_qna.STAMP_REUSE_SECONDS, 0.0
    yield
    selectors_qna.STAMP_REUSE_SECONDS = reuse
    live_qna.clear_caches()
