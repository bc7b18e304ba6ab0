"""gunicorn settings for K-Bridge: ``gunicorn -c python:kbridge.gunicorn_conf kbridge.wsgi``.

Every worker builds its matching indexes (Korean analyser, BM25 indexes, vectors) before it
accepts its first request, so no user waits for a cold index (issue 12: ranking pages p95 <=
200 ms). The other options stay on gunicorn's command line and environment.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("kbridge.matching")


def post_worker_init(worker) -> None:  # gunicorn server hook
    from kbridge.matching.selectors import warm_up

    started = time.monotonic()
    try:
        built = warm_up()
    except Exception:  # a worker that cannot warm up still serves (pages build on demand)
        logger.exception("matching warm-up failed")
        return
    worker.log.info("matching indexes warm in %.1f s: %s", time.monotonic() - started,
                    ", ".join(f"{k}={v}" for k, v in built.items()) or "nothing to index")
