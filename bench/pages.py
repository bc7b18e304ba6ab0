"""Pages at 10,000 applications: latency and query counts of every list, detail and export page.

Why: QUALITY.md asks list and detail pages for p95 <= 150 ms with 10,000 applications, exports
streamed with the first byte within 1 s, and a constant number of queries per page. An outside
test found the operator's list at p95 ~2.1 s (a <select> of all applicants) and exports at
4.6-6.1 s (issue 10, item 7). This measures the real stack on this machine.

One run (all on 127.0.0.1, bounded, cleaned up at the end):

1. creates a fresh PostgreSQL database (``--db-name``; dropped afterwards unless ``--keep``),
   migrates, collects static files and seeds one call with N submitted applications through
   ``bench/_pages_django.py`` (bulk inserts), with signed-in sessions of the operator and of a
   partner admin;
2. starts gunicorn (production settings, ``--workers`` sync workers);
3. measures the **baseline** in the same run — ``/healthz``, one Django request with one
   database round trip — then every page ``--requests`` times one after another (sequential:
   latency, not throughput): p50 and p95 of the whole response, and for exports also the time
   to the first byte; the page size;
4. counts each page's SQL queries with Django's test client in a separate process against the
   same database (the count does not depend on gunicorn).

Quick run: ``.venv/bin/python bench/pages.py --applications 500 --requests 10``.
Full bar:  ``.venv/bin/python bench/pages.py`` (10,000 applications, 30 requests a page).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

# name, who (operator/partner), url template (filled from the seed), kind

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import GUNICORN, HOST, ROOT, free_port, pg_admin  # noqa: E402
from _stack import log as _log  # noqa: E402
from _stack import run_django as _run_django  # noqa: E402


def log(message: str) -> None:
    _log("pages", message)


def run_django(env: dict[str, str], *argv: str, what: str) -> None:
    _run_django(env, *argv, what=what, prefix="pages")


PAGES = [
    ("healthz (baseline)", "operator", "/healthz", "page"),
    ("public call list", "operator", "/", "page"),
    ("program list", "operator", "/manage/programs/", "page"),
    ("program detail", "operator", "/manage/programs/{program}/", "page"),
    ("call console", "operator", "/manage/programs/calls/{call}/", "page"),
    ("application list", "operator", "/manage/calls/{call}/applications/", "page"),
    ("application list, page 50", "operator", "/manage/calls/{call}/applications/?page=50",
     "page"),
    ("application list, BRN search", "operator",
     "/manage/calls/{call}/applications/?q={brn_digits}", "page"),
    ("application detail", "operator", "/manage/applications/{application}/", "page"),
    ("audit log", "operator", "/audit/", "page"),
    ("e-mail deliveries", "operator", "/manage/deliveries/?show=all", "page"),
    ("export CSV", "operator", "/manage/calls/{call}/applications/?export=csv", "export"),
    ("export XLSX", "operator", "/manage/calls/{call}/applications/?export=xlsx", "export"),
    ("partner console", "partner", "/manage/programs/partner/", "page"),
]
# Issue 12: the ranking pages, warm (vectors cached), with ``--profiles`` discoverable startups
# and ``applications / 5`` applicants in the measured track.
MATCHING_PAGES = [
    ("recommended tracks", "startup", "/startup/recommendations/", "page"),
    ("applicants by fit", "partner", "/manage/tracks/{track}/applicants/", "page"),
    ("find startups", "partner", "/manage/discover/?q={discover_query}", "page"),
]














class Stack:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="kbridge-pages-"))
        self.port = free_port()
        self.procs: list[subprocess.Popen] = []
        url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "kbridge.settings", "DATABASE_URL": url,
            "KBRIDGE_ENV": "production", "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": HOST,
            "SITE_URL": f"http://{HOST}:{self.port}", "MEDIA_ROOT": str(self.tmp / "media"),
            "KBRIDGE_VAR_DIR": str(self.tmp / "var"), "STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(args.src.resolve()),
        }
        self.env.pop("REDIS_URL", None)

    def setup(self) -> dict:
        for sub in ("media", "var", "static"):
            (self.tmp / sub).mkdir()
        pg_admin(self.args, f'DROP DATABASE IF EXISTS "{self.args.db_name}"')
        pg_admin(self.args, f'CREATE DATABASE "{self.args.db_name}"')
        run_django(self.env, "-m", "kbridge", "migrate", "--noinput", what="migrate")
        run_django(self.env, "-m", "kbridge", "collectstatic", "--noinput",
                   what="collectstatic")
        out = self.tmp / "seed.json"
        run_django(self.env, str(ROOT / "bench" / "_pages_django.py"), "seed",
                   "--applications", str(self.args.applications), "--out", str(out),
                   "--profiles", str(self.args.profiles),
                   what=f"seed {self.args.applications} applications")
        return json.loads(out.read_text())

    def start(self) -> None:
        cmd = [str(GUNICORN), "-c", "python:kbridge.gunicorn_conf", "kbridge.wsgi",
               "-w", str(self.args.workers), "--bind",
               f"{HOST}:{self.port}", "--timeout", "120",
               "--error-logfile", str(self.tmp / "gunicorn.log")]
        with open(self.tmp / "gunicorn.out", "wb") as out:
            self.procs.append(subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=out,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                status, *_rest = self.get("/healthz", None)
                if status == 200:
                    return
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not start; see {self.tmp / 'gunicorn.log'}")

    def get(self, path: str, session: str | None) -> tuple[int, float, float, int]:
        """(status, seconds to the first byte, seconds in all, bytes)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = {"Cookie": f"sessionid={session}"} if session else {}
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - started
        size = len(first) + len(response.read())
        total = time.perf_counter() - started
        conn.close()
        return response.status, ttfb, total, size

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        if not self.args.keep:
            with contextlib.suppress(Exception):
                pg_admin(self.args, f'DROP DATABASE IF EXISTS "{self.args.db_name}" '
                                    "WITH (FORCE)")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--profiles", type=int, default=20_000,
                        help="discoverable startup profiles (0: skip the ranking pages)")
    parser.add_argument("--only-matching", action="store_true",
                        help="measure /healthz and the ranking pages only")
    parser.add_argument("--requests", type=int, default=30, help="requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--db-name", default="kbridge_bench_pages")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the code to serve (e.g. another checkout's src, side by side)")
    args = parser.parse_args()

    stack = Stack(args)
    try:
        seeded = stack.setup()
        specs = PAGES[:1] if args.only_matching else PAGES
        if args.profiles:
            specs = [*specs, *MATCHING_PAGES]
        pages = [{"name": name, "who": who,
                  "url": url.format(**{k: quote(str(v)) for k, v in seeded.items()}),
                  "kind": kind} for name, who, url, kind in specs]
        pages_path = stack.tmp / "pages.json"
        pages_path.write_text(json.dumps(pages))
        counts_path = stack.tmp / "counts.json"
        run_django(stack.env, str(ROOT / "bench" / "_pages_django.py"), "count",
                   "--seed", str(stack.tmp / "seed.json"), "--pages", str(pages_path),
                   "--out", str(counts_path), what="query counts")
        counts = json.loads(counts_path.read_text())
        stack.start()
        rows = []
        for page in pages:
            session = seeded[f"{page['who']}_session"]
            for _ in range(2):  # warm the worker's caches and connections
                stack.get(page["url"], session)
            samples = [stack.get(page["url"], session) for _ in range(args.requests)]
            statuses = sorted({s[0] for s in samples})
            totals = [s[2] * 1000 for s in samples]
            firsts = [s[1] * 1000 for s in samples]
            rows.append((page, statuses, statistics.median(totals), pct(totals, 0.95),
                         pct(firsts, 0.95), statistics.median(s[3] for s in samples)))
        baseline = rows[0][2]
        print(f"\n{args.applications:,} submitted applications in one call"
              + (f" ({args.applications // 5:,} in the ranked track), {max(args.profiles, args.applications):,} "
                 "discoverable startup profiles" if args.profiles else "") + "; gunicorn "
              f"{args.workers} sync workers, PostgreSQL, production settings; "
              f"{args.requests} sequential requests a page\n")
        print("| page | status | p50 ms | p95 ms | p95 first byte ms | p50 / healthz | "
              "size KB | queries |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for page, statuses, p50, p95, first95, size in rows:
            print(f"| {page['name']} | {','.join(map(str, statuses))} | {p50:.1f} | {p95:.1f} "
                  f"| {first95:.1f} | {p50 / baseline:.1f}× | {size / 1024:.0f} | "
                  f"{counts[page['name']]['queries']} |")
        server_errors = (stack.tmp / "gunicorn.log").read_text(errors="replace")
        print(f"\ngunicorn error log lines mentioning Error/Traceback: "
              f"{sum('Error' in line or 'Traceback' in line for line in server_errors.splitlines())}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
