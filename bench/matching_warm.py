"""Time the three ranking pages with and without the process-wide analyser and warm indexes.

    KBRIDGE_VAR_DIR=/tmp/kbvar-bench-warm PYTHONPATH=src python bench/matching_warm.py

Seeds the demo program in a fresh SQLite database (once), runs the worker so every vector
and explanation is cached, then for each page alternates blocks of 5 consecutive requests
through Django's test client in two modes within the same process:

* ``cold`` reproduces the old behaviour: before every request the process forgets its Kiwi
  model, its analyser and its warm indexes (the old code built all three per request);
* ``warm`` is the current code: the first block starts with no warm index (Kiwi stays loaded,
  as in any process that has served one page), later requests reuse it.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from kbridge.accounts.models import Membership, User  # noqa: E402
from kbridge.applications.models import Application  # noqa: E402
from kbridge.engine.matching import text  # noqa: E402
from kbridge.matching.selectors import INDEXES  # noqa: E402
from kbridge.portal import demo  # noqa: E402
from kbridge.programs.models import Track  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "2"))


def forget():
    INDEXES.clear()
    text._DEFAULT = None
    text._KIWI = None


def main() -> None:
    setup_test_environment()  # response.context, and e-mail kept in memory
    call_command("migrate", verbosity=0)
    if not demo.demo_exists():
        t = time.perf_counter()
        demo.seed()
        print(f"seeded in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    startup_user = (Membership.objects.filter(role__startswith="startup",
                                              organisation__profile__isnull=False)
                    .select_related("user").first().user)
    application = (Application.objects.filter(status="submitted")
                   .values("track_id").order_by().first())
    track_id = application["track_id"]
    track = Track.objects.select_related("partner").get(pk=track_id)
    partner = (Membership.objects.filter(organisation_id=track.partner.organisation_id)
               .select_related("user").first().user)
    pages = {
        "recommendations": (startup_user, "/startup/recommendations/"),
        "applicants by fit": (partner, f"/manage/tracks/{track_id}/applicants/"),
        "partner search": (partner, "/manage/discover/?q=저전력 AI 반도체"),
    }
    clients = {}
    for name, (user, url) in pages.items():
        clients[name] = Client()
        clients[name].force_login(User.objects.get(pk=user.pk))
        assert clients[name].get(url).status_code == 200, name
    call_command("worker", batch=True, startup_delay=False, interval=0, queue_name="*",
                 reload=False, verbosity=0)
    for name, (_user, url) in pages.items():  # explanations may ask for one more pass
        clients[name].get(url)
    call_command("worker", batch=True, startup_delay=False, interval=0, queue_name="*",
                 reload=False, verbosity=0)

    results: dict[tuple[str, str], list[float]] = {}
    for name, (_user, url) in pages.items():
        for _round in range(ROUNDS):
            for mode in ("cold", "warm"):
                if mode == "warm":
                    INDEXES.clear()
                for _ in range(5):
                    cache.clear()  # search throttle and warm-task de-duplication
                    if mode == "cold":
                        forget()
                    t = time.perf_counter()
                    response = clients[name].get(url)
                    elapsed = time.perf_counter() - t
                    assert response.status_code == 200
                    assert not response.context["ranked"].pending, (name, mode)
                    results.setdefault((name, mode), []).append(elapsed)
    print("| page | old: new analyser + index per request | warm (median) | warm, first request "
          "of a block |")
    print("| --- | --- | --- | --- |")
    for name in pages:
        cold, warm = results[(name, "cold")], results[(name, "warm")]
        firsts = warm[::5]
        print(f"| {name} | {statistics.median(cold) * 1000:.0f} ms | "
              f"{statistics.median(warm) * 1000:.0f} ms | "
              f"{statistics.median(firsts) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
