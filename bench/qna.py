"""Live Q&A under load: N attendees posting, voting and watching the live list for a few
minutes against the real stack (gunicorn + PostgreSQL), then every acknowledged vote checked
against the database (issue 15).

    python bench/qna.py                      # 500 attendees, 300 s (the issue's run)
    python bench/qna.py --duration 30        # a quick check

Each simulated attendee is a signed-in user of a startup whose registration was chosen
(bulk-seeded by ``bench/_qna_django.py``). What each one does, independently (think times
drawn from exponential distributions, so arrivals are Poisson like a real audience):

* polls the live list fragment every ``--poll`` seconds (10 s, what the page does) at the
  address the page gives it (with its signed poll token, so no session is read), sending
  the ETag it last got (``If-None-Match``), as the browser does (``--poll-with-session``: the
  bare address with the session cookie, the way before the token, for comparison);
* votes for a question it has not voted for yet (not its own) after a think time of mean
  ``--vote-every`` seconds (30 s: reading the new questions between two votes, so about ten
  votes per attendee in five minutes and 17 votes a second from 500 of them);
* posts a question with probability ``--ask-fraction`` (0.2) at a uniformly random moment.

The baseline, measured in the same run under the same load: ``GET /healthz`` at the votes'
own rate and schedule (one per vote, sent at the same moments by separate coroutines), so
"vote p95 minus healthz p95" is what a vote costs beyond the stack's bare round trip.
Afterwards ``_qna_django.py reconcile`` checks that every vote answered 2xx is stored exactly
once and that no vote is stored that the client was not told about.
Needs the ``bench`` extra (aiohttp) and a PostgreSQL server (``--pg-*``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import HOST, ROOT, free_port, pg_admin  # noqa: E402
from _stack import log as _log  # noqa: E402
from _stack import run_django as _run_django  # noqa: E402

# The venv this script runs in (the worktree may have none of its own).
BIN = Path(sys.executable).parent
QUESTION_RE = re.compile(r'data-question="(\d+)"')


def log(message: str) -> None:
    _log("qna", message)


def run_django(env: dict[str, str], *argv: str, what: str) -> None:
    env = {**env}
    _run_django(env, *argv, what=what, prefix="qna")


class Stack:
    """Database and gunicorn, torn down in reverse order."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="kbridge-qna-"))
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.db_created = False
        url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "kbridge.settings", "DATABASE_URL": url,
            "KBRIDGE_ENV": "production", "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": HOST,
            "SITE_URL": self.base, "MEDIA_ROOT": str(self.tmp / "media"),
            "KBRIDGE_VAR_DIR": str(self.tmp / "var"), "STATIC_ROOT": str(self.tmp / "static"),
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(args.src.resolve()),
        }
        self.env.pop("REDIS_URL", None)

    def _python(self, *argv: str, what: str) -> None:
        started = time.perf_counter()
        done = subprocess.run([str(BIN / "python"), *argv], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise SystemExit(f"{what} failed")
        log(f"{what} in {time.perf_counter() - started:.1f}s")

    def setup(self) -> dict:
        args = self.args
        for sub in ("media", "var", "static"):
            (self.tmp / sub).mkdir()
        pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}"')
        pg_admin(args, f'CREATE DATABASE "{args.db_name}"')
        self.db_created = True
        self._python("-m", "kbridge", "migrate", "--noinput", what="migrate")
        self._python("-m", "kbridge", "collectstatic", "--noinput", what="collectstatic")
        out = self.tmp / "seed.json"
        self._python(str(ROOT / "bench" / "_qna_django.py"), "seed", "--attendees",
                     str(args.attendees), "--out", str(out), what=f"seed {args.attendees}")
        return json.loads(out.read_text())

    def start(self) -> None:
        cmd = [str(BIN / "gunicorn"), "kbridge.wsgi", "-w", str(self.args.workers), "--bind",
               f"{HOST}:{self.port}", "--backlog", "2048", "--timeout", "120",
               "--error-logfile", str(self.tmp / "gunicorn.log")]
        with open(self.tmp / "gunicorn.out", "wb") as out:
            self.procs.append(subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=out,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(  # noqa: S310
                    f"{self.base}/healthz", timeout=2) as r:
                if r.status == 200:
                    log(f"gunicorn ({self.args.workers} workers) up on {self.base}")
                    return
            if any(p.poll() is not None for p in self.procs):
                break
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not become healthy; see {self.tmp / 'gunicorn.log'}")

    def reconcile(self, client: dict) -> dict:
        client_path, out = self.tmp / "client.json", self.tmp / "reconcile.json"
        client_path.write_text(json.dumps(client))
        self._python(str(ROOT / "bench" / "_qna_django.py"), "reconcile", "--client",
                     str(client_path), "--out", str(out), what="reconcile")
        return json.loads(out.read_text())

    def teardown(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.args.keep:
            log(f"kept database {self.args.db_name} and {self.tmp}")
            return
        if self.db_created:
            with contextlib.suppress(Exception):
                pg_admin(self.args, f'DROP DATABASE IF EXISTS "{self.args.db_name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class Run:
    base: str
    event: int
    end: float
    questions: dict[int, int]  # question id -> author id, as the clients learn them
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    acked: list[tuple[int, int]] = field(default_factory=list)
    refused: list[tuple[int, int]] = field(default_factory=list)
    unknown: list[tuple[int, int]] = field(default_factory=list)
    not_modified: int = 0
    idle: dict[str, float] = field(default_factory=dict)

    def note(self, kind: str, latency: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(latency)
        counts = self.statuses.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1


async def request(http, run: Run, kind: str, method: str, url: str, **kwargs):
    started = time.monotonic()
    try:
        async with http.request(method, run.base + url, allow_redirects=False,
                                **kwargs) as response:
            body = await response.text()
            run.note(kind, time.monotonic() - started, response.status)
            return response.status, response.headers, body
    except (TimeoutError, aiohttp.ClientError):
        run.note(kind, time.monotonic() - started, 0)
        return 0, {}, ""


async def attendee(http, run: Run, person: dict, args, rng: random.Random) -> None:
    headers = {"Cookie": f"sessionid={person['session']}; csrftoken={person['csrf']}",
               "X-CSRFToken": person["csrf"], "Origin": run.base,
               "Referer": f"{run.base}/events/{run.event}/qna/"}
    me = person["user"]
    voted: set[int] = set()
    etag = ""
    known: list[int] = list(run.questions)
    await asyncio.sleep(rng.uniform(0, args.poll))  # people do not arrive in lockstep
    next_poll = time.monotonic()
    next_vote = time.monotonic() + rng.expovariate(1 / args.vote_every)
    ask_at = time.monotonic() + rng.uniform(0, args.duration) if rng.random() < args.ask_fraction else None
    while time.monotonic() < run.end:
        now = time.monotonic()
        if now >= next_poll:
            next_poll = now + args.poll
            poll_headers = {**headers, "HX-Request": "true"}
            if etag:
                poll_headers["If-None-Match"] = etag
            # The address the live page polls: with its poll token (no session needed), or
            # the bare one with the session (--poll-with-session: the older way).
            status, got, body = await request(
                http, run, "poll", "GET",
                f"/events/{run.event}/qna/live/" if args.poll_with_session else person["poll"],
                headers=poll_headers)
            if status == 304:
                run.not_modified += 1
            elif status == 200:
                etag = got.get("ETag", "")
                known = [int(x) for x in QUESTION_RE.findall(body)]
        if ask_at is not None and now >= ask_at:
            ask_at = None
            await request(http, run, "ask", "POST", f"/events/{run.event}/qna/ask/",
                          data={"text": f"질문 {me}: 한국 스타트업을 위한 지원이 더 있나요? #{rng.randint(1, 10**6)}",
                                "anonymous": "on" if rng.random() < 0.3 else ""},
                          headers=headers)
        if now >= next_vote:
            next_vote = now + rng.expovariate(1 / args.vote_every)
            choices = [q for q in known if q not in voted and run.questions.get(q) != me]
            if choices:
                # Popular questions draw more votes: prefer the top of the list.
                q = choices[min(int(rng.expovariate(1 / 4)), len(choices) - 1)]
                voted.add(q)
                asyncio.create_task(baseline(http, run))
                status, _, _ = await request(
                    http, run, "vote", "POST", f"/events/{run.event}/qna/{q}/vote/",
                    data={"on": "1"}, headers={**headers, "HX-Request": "true"})
                if 200 <= status < 300:
                    run.acked.append((me, q))
                elif status == 0:
                    run.unknown.append((me, q))
                else:
                    run.refused.append((me, q))
        await asyncio.sleep(max(0.0, min(next_poll, next_vote) - time.monotonic()))


async def baseline(http, run: Run) -> None:
    await request(http, run, "healthz", "GET", "/healthz")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


async def probe(http, base: str, event: int, person: dict) -> dict[str, float]:
    """Median latency of 20 sequential requests of each kind, before the load: the stack's
    service time with nothing else going on (in this benchmark)."""
    headers = {"Cookie": f"sessionid={person['session']}; csrftoken={person['csrf']}",
               "HX-Request": "true"}
    out = {}
    for kind, url in (("healthz", "/healthz"), ("poll", person["poll"]),
                      ("poll with session", f"/events/{event}/qna/live/")):
        times = []
        for _ in range(20):
            started = time.monotonic()
            async with http.get(base + url, headers=headers) as response:
                await response.read()
            times.append(time.monotonic() - started)
        out[kind] = statistics.median(times) * 1000
    return out


async def main_async(args, stack: Stack, seed: dict) -> Run:
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=args.request_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        idle = await probe(http, stack.base, seed["event"], seed["attendees"][-1])
        log("unloaded medians: " + ", ".join(f"{k} {v:.1f} ms" for k, v in idle.items()))
        run = Run(stack.base, seed["event"], time.monotonic() + args.duration,
                  {q["id"]: q["author"] for q in seed["questions"]})
        run.idle = idle
        rng = random.Random(15)
        await asyncio.gather(*(attendee(http, run, p, args, random.Random(rng.random()))
                               for p in seed["attendees"]))
        await asyncio.sleep(1)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attendees", type=int, default=500)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--poll", type=float, default=10.0, help="seconds between polls")
    parser.add_argument("--poll-with-session", action="store_true",
                        help="poll the bare address with the session cookie, as before the "
                             "poll token (for comparison)")
    parser.add_argument("--vote-every", type=float, default=30.0,
                        help="mean seconds between one attendee's votes")
    parser.add_argument("--ask-fraction", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn (sync) workers")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--db-name", default="kbridge_qna_bench")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    stack = Stack(args)
    try:
        seed = stack.setup()
        stack.start()
        load_before = os.getloadavg()
        log(f"{args.attendees} attendees for {args.duration:.0f}s (load average before: "
            f"{load_before[0]:.2f})")
        started = time.monotonic()
        run = asyncio.run(main_async(args, stack, seed))
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()
        check = stack.reconcile({"event": run.event, "acked": run.acked,
                                 "refused": run.refused, "unknown": run.unknown})
    finally:
        stack.teardown()
    print(f"\n{args.attendees} attendees, {elapsed:.0f} s, {args.workers} sync gunicorn workers, "
          f"{os.cpu_count()} cores; 1-min load average before {load_before[0]:.2f}, after "
          f"{load_after[0]:.2f}\n")
    print("| request | count | per s | p50 ms | p95 ms | p99 ms | max ms | statuses |")
    print("|---|---|---|---|---|---|---|---|")
    summary = {}
    for kind in ("vote", "healthz", "poll", "ask"):
        lat = run.latencies.get(kind, [])
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.get(kind, {}).items()))
        row = {"count": len(lat), "p50": pct(lat, 50), "p95": pct(lat, 95),
               "p99": pct(lat, 99), "max": max(lat) * 1000 if lat else float("nan")}
        summary[kind] = row
        label = {"vote": "vote (POST, htmx)", "healthz": "baseline: GET /healthz",
                 "poll": "live list poll (GET, ETag)", "ask": "post a question"}[kind]
        print(f"| {label} | {row['count']} | {row['count'] / elapsed:.1f} | {row['p50']:.0f} | "
              f"{row['p95']:.0f} | {row['p99']:.0f} | {row['max']:.0f} | {statuses} |")
    print("\nunloaded (20 sequential requests before the load), median: "
          + ", ".join(f"{k} {v:.1f} ms" for k, v in run.idle.items()))
    polls = len(run.latencies.get("poll", []))
    print(f"\npolls answered 304 Not Modified: {run.not_modified} of {polls}")
    print(f"votes: {check['acknowledged']} acknowledged, {check['stored']} stored, "
          f"{check['acknowledged_and_stored_once']} acknowledged and stored exactly once, "
          f"{check['lost_count']} lost, {check['duplicates']} duplicated, "
          f"{check['unacknowledged_stored']} stored without acknowledgement, "
          f"{check['unknown_outcome']} of unknown outcome (transport errors); "
          f"{check['questions']} questions")
    ok = (check["lost_count"] == 0 and check["duplicates"] == 0
          and check["unacknowledged_stored"] == 0
          and check["acknowledged_and_stored_once"] == check["acknowledged"])
    print("reconciliation:", "every acknowledged vote counted exactly once" if ok else "FAILED")
    if args.json_out:
        args.json_out.write_text(json.dumps({"summary": summary, "check": check,
                                             "elapsed": elapsed}))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
