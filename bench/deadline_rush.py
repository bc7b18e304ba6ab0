"""Deadline rush: many applicants autosaving, uploading PDFs and submitting in the final minutes.

Why: submission portals fail at deadlines (QUALITY.md, "Deadline rush"). This replays the rush
against the real stack on this machine (gunicorn + PostgreSQL, production settings) with an
asyncio client, then reconciles every receipt the client received against the stored rows
and the stored file bytes. The bar: 5,000 applicants, 30 % submitting in the last 10 minutes,
autosaves every 30 s, 20 MB PDFs; >= 1,000 submissions a minute on 2 cores, none lost
(pretix tops out near 300-400 orders a minute per event).

What one run does (all on 127.0.0.1, bounded in requests and time, cleaned up at the end):

1. creates a fresh PostgreSQL database (``--db-name``, dropped afterwards unless ``--keep``),
   migrates, collects static files, and seeds N applicants through ``bench/_rush_django.py``:
   each has a complete draft except the answer the rush types, two small PDFs attached and a
   session (created directly: logging 5,000 people in would spend minutes in argon2);
2. starts gunicorn (sync workers) and the task worker that sends receipt e-mails;
3. per repeat, measures a **baseline** in the same run (closed-loop ``/healthz``: the cost of
   one Django request with one database round trip on this machine right now), then the
   **rush** (open loop: submitters arrive with a density rising to the deadline, the last
   10 minutes compressed into ``--window`` seconds; every online applicant autosaves every
   ``--autosave-every`` seconds of wall time, i.e. at the real rate; a fraction uploads a
   fresh ``--pdf-mb`` MB deck shortly before submitting; other applicants keep editing
   without submitting), then the **submit capacity** (closed loop: the same applicants
   change an answer and submit again, ``--capacity-concurrency`` at a time, nothing else
   running), each submission followed by the receipt page as a browser would;
4. reconciles every receipt (both phases, all repeats): a ``Submission`` row with that
   number, its answers hash recomputed from the stored answers, the answer the client typed
   last, and every file hash equal to the hash of the stored bytes and of the bytes the
   client sent; plus rows the client never got a receipt for and orphan files.

Quick run: ``.venv/bin/python bench/deadline_rush.py --applicants 500 --window 20 --repeats 1``.
Full bar:  ``.venv/bin/python bench/deadline_rush.py --pdf-mb 20``.
Needs aiohttp in the venv (``.venv/bin/pip install aiohttp``; not a project dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import contextlib
import hashlib
import io
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import GUNICORN, HOST, PYTHON, ROOT, free_port, pg_admin  # noqa: E402
from _stack import log as _log  # noqa: E402
from _stack import run_django as _run_django  # noqa: E402


def log(message: str) -> None:
    _log("rush", message)


def run_django(env: dict[str, str], *argv: str, what: str) -> None:
    _run_django(env, *argv, what=what, prefix="rush")


MARKER_LEN = 32
SUCCESS, ERROR = 25, 40  # django.contrib.messages levels

RECEIPT_RE = re.compile(r"/applications/(\d+)/receipts/(\d+)/")
RECEIPT_NUMBER_RE = re.compile(r"data-receipt-number>([^<]+)<")
HASH_RE = re.compile(r'<code class="hash">([0-9a-f]{64})</code>')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')


# --- Set-up -----------------------------------------------------------------------------------


def session_cpu_seconds(session_id: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of one session: the
    gunicorn master and its workers. Less sensitive to the other jobs on a shared machine
    than wall time, so it is what tells a cheaper code path from a quieter minute."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session_id:
                total += int(fields[11]) + int(fields[12])
    return total / ticks


def make_pdf(size: int, title: str) -> tuple[bytes, int]:
    """A valid 12-page PDF of exactly ``size`` bytes (for sizes above a few kB).

    The padding is an uncompressed content-stream comment of letters and digits: no ``/``,
    so it cannot look like an active-content name to the upload check, and incompressible
    enough to stand for scanned pages. A ``MARKER_LEN`` placeholder at a returned offset is
    replaced per upload, so every upload has its own bytes and hash without a new PDF.
    """
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    alphabet = (string.ascii_lowercase + string.digits).encode()
    rng = random.Random(size)

    def build(pad: int) -> bytes:
        writer = PdfWriter()
        for _ in range(12):
            writer.add_blank_page(width=842, height=595)
        stream = StreamObject()
        filler = bytes(alphabet[b % 36] for b in rng.randbytes(max(pad, 0)))
        stream.set_data(b"q Q\n%" + b"0" * MARKER_LEN + filler + b"\n")
        writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
        writer.add_metadata({"/Title": title})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    overhead = len(build(0))
    data = build(size - overhead)
    # The stream's /Length grows by a digit or so: trim the padding by the difference.
    data = build(size - overhead - (len(data) - size))
    return data, data.index(b"%" + b"0" * MARKER_LEN) + 1


def with_marker(template: bytes, offset: int, marker: str) -> bytes:
    raw = marker.encode("ascii").ljust(MARKER_LEN, b"x")[:MARKER_LEN]
    return template[:offset] + raw + template[offset + MARKER_LEN:]


class Stack:
    """Database, gunicorn and the task worker, torn down in reverse order."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="kbridge-rush-"))
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.db_created = False
        url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kbridge.settings",
            "DATABASE_URL": url,
            "KBRIDGE_ENV": "production",
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",  # plain http on loopback; TLS is the proxy's job
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": self.base,
            "MEDIA_ROOT": str(self.tmp / "media"),
            "KBRIDGE_VAR_DIR": str(self.tmp / "var"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "KBRIDGE_UPLOAD_MAX_BYTES": str(args.upload_limit_mb * 1024 * 1024),
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "LOG_LEVEL": "WARNING",
            # --src runs another copy of the code (e.g. a patched one) on the same harness.
            "PYTHONPATH": str(args.src.resolve()),
        }
        self.env.pop("EMAIL_HOST", None)
        self.env.pop("REDIS_URL", None)  # one cache per worker, as a plain deployment

    def setup(self) -> dict[str, Any]:
        args = self.args
        for sub in ("media", "var", "static"):
            (self.tmp / sub).mkdir()
        pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}"')
        pg_admin(args, f'CREATE DATABASE "{args.db_name}"')
        self.db_created = True
        run_django(self.env, "-m", "kbridge", "migrate", "--noinput", what="migrate")
        run_django(self.env, "-m", "kbridge", "collectstatic", "--noinput",
                   what="collectstatic")
        seed_path = self.tmp / "seed.json"
        run_django(self.env, str(ROOT / "bench" / "_rush_django.py"), "seed",
                   "--applicants", str(args.applicants), "--out", str(seed_path),
                   what=f"seed {args.applicants} applicants")
        return json.loads(seed_path.read_text())

    def start(self) -> None:
        args = self.args
        cmd = [str(GUNICORN), "kbridge.wsgi", "-w", str(args.workers), "--bind",
               f"{HOST}:{self.port}", "--backlog", "2048", "--timeout", "120",
               "--error-logfile", str(self.tmp / "gunicorn.log")]
        if args.threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(args.threads)]
        self._spawn(cmd, "gunicorn.out")
        if args.task_worker:
            # Only the e-mail queue: the receipts. (Matching embeddings queued by the seed's
            # tracks are not part of a rush.)
            self._spawn([str(PYTHON), "-m", "kbridge", "worker", "--queue-name", "email",
                         "--interval", "1", "--no-reload"], "worker.out")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import urllib.request

                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        log(f"gunicorn ({args.workers} workers) up on {self.base}")
                        return
            if any(p.poll() is not None for p in self.procs):
                break
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not become healthy; see {self.tmp / 'gunicorn.log'}")

    def _spawn(self, cmd: list[str], logname: str) -> None:
        with open(self.tmp / logname, "wb") as out:
            self.procs.append(subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=out,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def reconcile(self, client: dict[str, Any]) -> dict[str, Any]:
        client_path, out = self.tmp / "client.json", self.tmp / "reconcile.json"
        client_path.write_text(json.dumps(client))
        run_django(self.env, str(ROOT / "bench" / "_rush_django.py"), "reconcile",
                   "--client", str(client_path), "--out", str(out), what="reconcile")
        return json.loads(out.read_text())

    def stop(self) -> None:
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
        self.procs.clear()

    def teardown(self) -> None:
        self.stop()
        if self.args.keep:
            log(f"kept database {self.args.db_name} and {self.tmp}")
            return
        if self.db_created:
            with contextlib.suppress(Exception):
                pg_admin(self.args, f'DROP DATABASE IF EXISTS "{self.args.db_name}" '
                                    "WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- Client -----------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # healthz, autosave, upload, submit, receipt
    phase: str  # baseline, rush, capacity
    repeat: int
    scheduled: float
    started: float
    ended: float
    status: int  # 0 for a transport error
    ok: bool
    error: str = ""

    @property
    def latency(self) -> float:
        return self.ended - self.started


@dataclass
class Applicant:
    application: int
    session: str
    csrf: str
    answers: dict[str, Any]
    files: dict[str, str]  # question id -> SHA-256 of the current file, as the client knows
    version: int
    editor: str
    typed: str = ""


@dataclass
class Run:
    base: str
    seed: dict[str, Any]
    template: bytes
    offset: int
    samples: list[Sample] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[tuple[Applicant, str, str]] = field(default_factory=list)  # to hash later
    sentences: int = 0
    unknown_uploads: int = 0


def flash_levels(response: aiohttp.ClientResponse) -> list[int]:
    """Levels of the messages Django put in the ``messages`` cookie (signed, not secret)."""
    levels: list[int] = []
    for header in response.headers.getall("Set-Cookie", []):
        cookie = SimpleCookie()
        with contextlib.suppress(Exception):
            cookie.load(header)
        if "messages" not in cookie or not cookie["messages"].value:
            continue
        payload = cookie["messages"].value.rsplit(":", 1)[0]
        compressed = payload.startswith(".")
        raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload) % 4))
        with contextlib.suppress(Exception):
            data = json.loads(zlib.decompress(raw) if compressed else raw)
            levels += [m[2] for m in data if isinstance(m, list) and len(m) > 2]
    return levels


class Client:
    def __init__(self, run: Run, session: aiohttp.ClientSession):
        self.run = run
        self.http = session

    def _headers(self, a: Applicant, htmx: bool = False) -> dict[str, str]:
        headers = {
            "Cookie": f"sessionid={a.session}; csrftoken={a.csrf}",
            "X-CSRFToken": a.csrf,
            "Origin": self.run.base,
            "Referer": f"{self.run.base}/applications/{a.application}/",
        }
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    def _form(self, a: Applicant) -> dict[str, str]:
        typed_q = str(self.run.seed["typed_question"])
        form = {f"q_{k}": str(v) for k, v in a.answers.items()}
        form[f"q_{typed_q}"] = a.typed
        form.update(version=str(a.version), editor=a.editor, declarations_present="1",
                    declares_government_support="no", declares_no_tax_arrears="on",
                    government_support_detail="")
        return form

    def _type(self, a: Applicant) -> None:
        """The applicant types one more sentence (kept under the question's limit)."""
        self.run.sentences += 1
        sentence = f"협업 계획 {self.run.sentences}: PoC를 3개월 안에 마칩니다. "
        limit = self.run.seed["typed_max_length"] or 2000
        a.typed = (a.typed + sentence)[-limit:]

    async def _send(self, kind: str, phase: str, repeat: int, scheduled: float, method: str,
                    url: str, **kwargs) -> tuple[Sample, aiohttp.ClientResponse | None, str]:
        started = time.monotonic()
        try:
            async with self.http.request(method, self.run.base + url, allow_redirects=False,
                                         **kwargs) as response:
                body = await response.text() if kind != "healthz" else ""
                sample = Sample(kind, phase, repeat, scheduled, started, time.monotonic(),
                                response.status, False)
                return sample, response, body
        except (TimeoutError, aiohttp.ClientError) as exc:
            sample = Sample(kind, phase, repeat, scheduled, started, time.monotonic(), 0,
                            False, type(exc).__name__)
            return sample, None, ""

    async def healthz(self, repeat: int) -> Sample:
        now = time.monotonic()
        sample, response, _ = await self._send("healthz", "baseline", repeat, now, "GET",
                                               "/healthz")
        sample.ok = sample.status == 200
        self.run.samples.append(sample)
        return sample

    async def autosave(self, a: Applicant, phase: str, repeat: int, scheduled: float) -> None:
        self._type(a)
        sample, response, body = await self._send(
            "autosave", phase, repeat, scheduled, "POST", f"/applications/{a.application}/autosave/",
            data=self._form(a), headers=self._headers(a, htmx=True))
        match = VERSION_RE.search(body)
        sample.ok = sample.status == 200 and "save-status-error" not in body and bool(match)
        if match:
            a.version = int(match.group(1))
        elif sample.status == 200 and not sample.error:
            sample.error = "conflict" if "save-status-error" in body else "no version"
        self.run.samples.append(sample)

    async def upload(self, a: Applicant, phase: str, repeat: int, scheduled: float,
                     question: int) -> None:
        marker = f"{phase[:3]}{repeat}-{a.application}-{question}-{secrets.token_hex(4)}"
        data = with_marker(self.run.template, self.run.offset, marker)
        form = aiohttp.FormData()
        form.add_field("file", data, filename="pitch-deck.pdf", content_type="application/pdf")
        sample, response, _ = await self._send(
            "upload", phase, repeat, scheduled, "POST",
            f"/applications/{a.application}/files/{question}/",
            data=form, headers=self._headers(a))
        levels = flash_levels(response) if response is not None else []
        sample.ok = sample.status == 302 and SUCCESS in levels and ERROR not in levels
        if sample.ok:
            # Hashed after the load (20 MB x hundreds would steal the server's CPU now).
            self.run.uploads.append((a, str(question), marker))
            a.files[str(question)] = f"pending:{marker}"
            a.version += 1
        elif sample.status == 0 or sample.status >= 500:
            self.run.unknown_uploads += 1
        if sample.status == 302 and not sample.ok:
            sample.error = "rejected"
        self.run.samples.append(sample)

    async def submit(self, a: Applicant, phase: str, repeat: int, scheduled: float) -> None:
        self._type(a)
        typed, expected = a.typed, dict(a.files)
        sample, response, _ = await self._send(
            "submit", phase, repeat, scheduled, "POST", f"/applications/{a.application}/submit/",
            data=self._form(a), headers=self._headers(a))
        location = response.headers.get("Location", "") if response is not None else ""
        match = RECEIPT_RE.search(location) if sample.status == 302 else None
        sample.ok = match is not None
        if sample.status == 302 and not match:
            sample.error = "redirected back (" + ",".join(map(str, flash_levels(response))) + ")"
        self.run.samples.append(sample)
        if not match:
            return
        receipt = {"application": int(match.group(1)), "number": int(match.group(2)),
                   "typed": typed, "expected_files": expected, "phase": phase,
                   "repeat": repeat, "receipt": None, "answers_sha256": None, "files": None}
        self.run.receipts.append(receipt)
        page, _, body = await self._send("receipt", phase, repeat, time.monotonic(), "GET",
                                         match.group(0), headers=self._headers(a))
        page.ok = page.status == 200
        self.run.samples.append(page)
        if page.ok:
            number = RECEIPT_NUMBER_RE.search(body)
            hashes = HASH_RE.findall(body)
            receipt["receipt"] = number.group(1).strip() if number else None
            if hashes:
                receipt["answers_sha256"], receipt["files"] = hashes[0], hashes[1:]


async def sleep_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def baseline(client: Client, repeat: int, seconds: float, concurrency: int) -> None:
    stop = time.monotonic() + seconds

    async def loop() -> None:
        while time.monotonic() < stop:
            await client.healthz(repeat)

    await asyncio.gather(*(loop() for _ in range(concurrency)))


def arrival(rng: random.Random, window: float) -> float:
    """Submission time in [0, window): density rising linearly to the deadline (x2 at the end,
    so the last fifth of the window carries 36 % of the submissions)."""
    return window * math.sqrt(rng.random())


async def rush(client: Client, args, repeat: int, submitters: list[Applicant],
               editors: list[Applicant]) -> dict[str, float]:
    window, every = args.window, args.autosave_every
    file_q = client.run.seed["file_questions"][0]  # the pitch deck
    t0 = time.monotonic() + 1.0
    offered = []

    async def submitter(a: Applicant) -> None:
        rng = random.Random(repeat * 1_000_003 + a.application)
        due = arrival(rng, window)
        upload_at = max(0.0, due - rng.uniform(2, 10)) if rng.random() < args.upload_fraction \
            else None
        offered.append(due)
        t = rng.uniform(0, every)
        while t < due - 1 and (upload_at is None or t < upload_at):
            await sleep_until(t0 + t)
            await client.autosave(a, "rush", repeat, t0 + t)
            t += every * rng.uniform(0.9, 1.1)
        if upload_at is not None:
            await sleep_until(t0 + upload_at)
            await client.upload(a, "rush", repeat, t0 + upload_at, file_q)
        await sleep_until(t0 + due)
        await client.submit(a, "rush", repeat, t0 + due)

    async def editor(a: Applicant) -> None:
        rng = random.Random(repeat * 1_000_003 + a.application)
        t = rng.uniform(0, every)
        while t < window:
            await sleep_until(t0 + t)
            await client.autosave(a, "rush", repeat, t0 + t)
            t += every * rng.uniform(0.9, 1.1)

    await asyncio.gather(*(submitter(a) for a in submitters), *(editor(a) for a in editors))
    return {"t0": t0, "offered_peak_per_min": peak_per_minute(sorted(offered), window)}


async def capacity(client: Client, repeat: int, applicants: list[Applicant],
                   concurrency: int) -> None:
    queue = list(reversed(applicants))

    async def loop() -> None:
        while queue:
            a = queue.pop()
            await client.submit(a, "capacity", repeat, time.monotonic())

    await asyncio.gather(*(loop() for _ in range(concurrency)))


def peak_per_minute(times: list[float], span: float) -> float:
    """The most events in any 60 s window (scaled up when the whole span is shorter)."""
    if not times:
        return 0.0
    width = min(60.0, max(span, 1e-9))
    best = max(bisect.bisect_right(times, t + width) - i for i, t in enumerate(times))
    return best * 60.0 / width


# --- Report -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summarise(samples: list[Sample], phase: str, repeat: int, extra: dict[str, Any]
              ) -> dict[str, Any]:
    mine = [s for s in samples if s.phase == phase and s.repeat == repeat]
    row: dict[str, Any] = {"phase": phase, "repeat": repeat, **extra}
    for kind in ("healthz", "autosave", "upload", "submit", "receipt"):
        group = [s for s in mine if s.kind == kind]
        if not group:
            continue
        ok = [s for s in group if s.ok]
        lat = [s.latency * 1000 for s in group if s.status]
        row[kind] = {"n": len(group), "ok": len(ok), "p50": pct(lat, .5), "p95": pct(lat, .95),
                     "p99": pct(lat, .99),
                     "errors": dict(Counter(s.error or str(s.status) for s in group
                                            if not s.ok))}
    if mine:
        span = max(s.ended for s in mine) - min(s.started for s in mine)
        row["span_s"] = span
        row["requests_per_s"] = len(mine) / span if span else 0.0
        row["server_cpu_ms_per_request"] = extra.get("server_cpu_s", 0.0) * 1000 / len(mine)
        n_submits = sum(1 for s in mine if s.kind == "submit")
        if n_submits:
            row["server_cpu_ms_per_submit"] = (extra.get("server_cpu_s", 0.0) * 1000
                                               / n_submits)
    submits = sorted(s.ended for s in mine if s.kind == "submit" and s.ok)
    if submits:
        if phase == "capacity":
            first = min(s.started for s in mine)
            row["submissions_per_min"] = len(submits) * 60 / (submits[-1] - first)
        else:
            row["submissions_per_min"] = peak_per_minute(submits, submits[-1] - submits[0])
            late = [s.started - s.scheduled for s in mine if s.kind == "submit"]
            row["submit_start_lag_p95_ms"] = pct(late, .95) * 1000
    return row


def fmt(value: float) -> str:
    if value != value:
        return "—"
    return f"{value:,.1f}" if abs(value) < 100 and not value.is_integer() else f"{value:,.0f}"


def print_table(rows: list[dict[str, Any]], args) -> list[str]:
    lines = [
        "| phase | measure | " + " | ".join(f"repeat {r + 1}" for r in range(args.repeats))
        + " | median |",
        "|---|---|" + "---|" * (args.repeats + 1),
    ]

    def add(phase: str, label: str, get) -> None:
        values = []
        for r in range(args.repeats):
            row = next((x for x in rows if x["phase"] == phase and x["repeat"] == r), None)
            try:
                values.append(float(get(row)))
            except (TypeError, KeyError):
                values.append(float("nan"))
        real = [v for v in values if v == v]
        median = statistics.median(real) if real else float("nan")
        lines.append(f"| {phase} | {label} | " + " | ".join(fmt(v) for v in values)
                     + f" | {fmt(median)} |")

    add("baseline", "healthz requests/s", lambda r: r["requests_per_s"])
    add("baseline", "healthz p50 ms", lambda r: r["healthz"]["p50"])
    add("baseline", "healthz p99 ms", lambda r: r["healthz"]["p99"])
    add("baseline", "gunicorn CPU ms per request", lambda r: r["server_cpu_ms_per_request"])
    add("rush", "offered peak submissions/min", lambda r: r["offered_peak_per_min"])
    add("rush", "achieved peak submissions/min", lambda r: r["submissions_per_min"])
    add("rush", "all requests/s", lambda r: r["requests_per_s"])
    add("rush", "gunicorn CPU ms per request", lambda r: r["server_cpu_ms_per_request"])
    for kind in ("autosave", "upload", "submit", "receipt"):
        for q in ("p50", "p95", "p99"):
            add("rush", f"{kind} {q} ms", lambda r, k=kind, q=q: r[k][q])
        add("rush", f"{kind} requests", lambda r, k=kind: r[k]["n"])
        add("rush", f"{kind} errors", lambda r, k=kind: r[k]["n"] - r[k]["ok"])
    add("capacity", "submissions/min (closed loop)", lambda r: r["submissions_per_min"])
    add("capacity", "gunicorn CPU ms per submit + receipt",
        lambda r: r["server_cpu_ms_per_submit"])
    for q in ("p50", "p95", "p99"):
        add("capacity", f"submit {q} ms", lambda r, q=q: r["submit"][q])
    add("capacity", "submit errors", lambda r: r["submit"]["n"] - r["submit"]["ok"])
    print("\n".join(lines))
    return lines


# --- Main -------------------------------------------------------------------------------------


async def measured(stack: Stack, coro) -> float:
    """Run ``coro``; return the CPU seconds gunicorn's workers spent meanwhile."""
    before = session_cpu_seconds(stack.procs[0].pid)
    await coro
    return session_cpu_seconds(stack.procs[0].pid) - before


async def load(stack: Stack, seed: dict[str, Any], args) -> tuple[Run, list[dict[str, Any]]]:
    size = int(args.pdf_mb * 1_000_000)
    started = time.perf_counter()
    template, offset = make_pdf(size, "Pitch deck (deadline rush)")
    log(f"{len(template):,}-byte PDF template in {time.perf_counter() - started:.1f}s")
    run = Run(stack.base, seed, template, offset)
    people = [Applicant(p["application"], p["session"], p["csrf"], p["answers"],
                        dict(p["files"]), p["version"], f"tab{p['application']}")
              for p in seed["applicants"]]
    n = len(people)
    per_repeat = max(1, round(n * args.submit_fraction))
    n_editors = round(n * args.editing_fraction)
    rows = []
    timeout = aiohttp.ClientTimeout(total=args.request_timeout)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector,
                                     cookie_jar=aiohttp.DummyCookieJar()) as http:
        client = Client(run, http)
        for repeat in range(args.repeats):
            start = (repeat * per_repeat) % n
            order = people[start:] + people[:start]
            submitters, editors = order[:per_repeat], order[per_repeat:per_repeat + n_editors]
            log(f"repeat {repeat + 1}: baseline ({args.baseline_seconds:.0f}s healthz)")
            cpu = await measured(stack, baseline(client, repeat, args.baseline_seconds,
                                                 args.capacity_concurrency))
            rows.append(summarise(run.samples, "baseline", repeat, {"server_cpu_s": cpu}))
            log(f"repeat {repeat + 1}: rush ({len(submitters)} submitting, {len(editors)} "
                f"editing, {args.window:.0f}s)")
            info: dict[str, float] = {}

            async def rush_phase(info=info, submitters=submitters, editors=editors,
                                 repeat=repeat) -> None:
                info.update(await rush(client, args, repeat, submitters, editors))

            cpu = await measured(stack, rush_phase())
            rows.append(summarise(run.samples, "rush", repeat,
                                  {"offered_peak_per_min": info["offered_peak_per_min"],
                                   "server_cpu_s": cpu}))
            log(f"repeat {repeat + 1}: capacity ({len(submitters)} resubmissions, "
                f"{args.capacity_concurrency} at a time)")
            cpu = await measured(stack, capacity(client, repeat, submitters,
                                                 args.capacity_concurrency))
            rows.append(summarise(run.samples, "capacity", repeat, {"server_cpu_s": cpu}))
            log(f"repeat {repeat + 1}: " + json.dumps(
                {r["phase"]: r.get("submissions_per_min") for r in rows[-3:]}))
    return run, rows


def finish_hashes(run: Run) -> None:
    """Turn each ``pending:<marker>`` into the SHA-256 of the bytes that were sent."""
    digests = {}
    for _a, _q, marker in run.uploads:
        digests[marker] = hashlib.sha256(with_marker(run.template, run.offset,
                                                     marker)).hexdigest()
    for receipt in run.receipts:
        receipt["expected_files"] = {
            q: digests[v.split(":", 1)[1]] if v.startswith("pending:") else v
            for q, v in receipt["expected_files"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--submit-fraction", type=float, default=0.3,
                        help="share of applicants submitting in the rush (per repeat)")
    parser.add_argument("--editing-fraction", type=float, default=0.0,
                        help="share of applicants online, autosaving, not submitting")
    parser.add_argument("--window", type=float, default=120.0,
                        help="wall seconds standing for the last 10 minutes")
    parser.add_argument("--autosave-every", type=float, default=30.0,
                        help="seconds between autosaves of one applicant (wall time)")
    parser.add_argument("--upload-fraction", type=float, default=0.2,
                        help="share of submitters uploading a new deck just before submitting")
    parser.add_argument("--pdf-mb", type=float, default=5.0, help="uploaded PDF size (MB)")
    parser.add_argument("--upload-limit-mb", type=int, default=20,
                        help="KBRIDGE_UPLOAD_MAX_BYTES in MiB (production default 20)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help=">1 uses gthread workers")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument("--capacity-concurrency", type=int, default=16)
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--task-worker", action=argparse.BooleanOptionalAction, default=True,
                        help="run the receipt e-mail worker during the load")
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="source tree to serve (default: this checkout's src/)")
    parser.add_argument("--db-name", default="kbridge_rush")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--json-out", type=Path, help="write every number measured here")
    args = parser.parse_args()
    if not re.fullmatch(r"kbridge_rush\w*", args.db_name):
        parser.error("--db-name must start with kbridge_rush (it is dropped and recreated)")
    if args.pg_host not in {"127.0.0.1", "localhost"}:
        parser.error("the benchmark only runs against a local PostgreSQL")
    if args.pdf_mb * 1_000_000 > args.upload_limit_mb * 1024 * 1024:
        parser.error("--pdf-mb is above the upload limit")

    stack = Stack(args)
    try:
        seed = stack.setup()
        stack.start()
        wall, cpu, load_before = time.perf_counter(), time.process_time(), os.getloadavg()[0]
        run, rows = asyncio.run(load(stack, seed, args))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        load_after = os.getloadavg()[0]
        finish_hashes(run)
        time.sleep(2)  # let the task worker drain what it can; only reported
        rec = stack.reconcile({"receipts": run.receipts, "seeded_at": seed["seeded_at"],
                               "typed_question": seed["typed_question"]})
        server_errors = (stack.tmp / "gunicorn.log").read_text(errors="replace")
    finally:
        stack.teardown()

    print()
    print(f"Deadline rush: {args.applicants} applicants, {args.submit_fraction:.0%} submitting "
          f"per repeat within {args.window:.0f}s (the last 10 min x{600 / args.window:.1f}), "
          f"{args.editing_fraction:.0%} more editing, autosave every {args.autosave_every:.0f}s, "
          f"{args.upload_fraction:.0%} of submitters uploading a {args.pdf_mb:g} MB PDF; "
          f"gunicorn {args.workers} sync workers"
          + (f" x {args.threads} threads" if args.threads > 1 else "")
          + f", {os.cpu_count()} CPUs; load phase {wall:.0f}s wall, of which the client "
          f"itself used {cpu:.0f} CPU-seconds; 1-min load average {load_before:.1f} before, "
          f"{load_after:.1f} after (the machine is shared)")
    lines = print_table(rows, args)
    recon = [
        f"receipts received by the client: {rec['receipts']}",
        f"matched (row, answers hash recomputed, typed answer, file hashes on disk): "
        f"{rec['matched']}",
        f"mismatched: {rec['mismatched']}",
        f"lost (302 to a receipt, no stored row): {rec['lost']}",
        f"stored submissions: {rec['stored_submissions']}; stored without a client receipt: "
        f"{rec['stored_without_client_receipt']}",
        f"files hashed on disk: {rec['files_hashed_on_disk']}; orphan files: "
        f"{rec['orphan_files_on_disk']}; rows without a file: {rec['rows_without_file']}",
        f"receipt e-mail tasks: {rec['receipt_tasks']}",
        f"PostgreSQL: {rec['pg']}",
        f"uploads with unknown outcome (transport error or 5xx): {run.unknown_uploads}",
        f"gunicorn error log lines mentioning Error/Traceback: "
        f"{sum(1 for x in server_errors.splitlines() if 'Error' in x or 'Traceback' in x)}",
    ]
    errors = Counter(f"{s.phase} {s.kind} {s.error or s.status}" for s in run.samples
                     if not s.ok)
    recon.append("errors (phase, kind, status or reason): "
                 + (", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"))
    print("\nReconciliation")
    print("\n".join(f"- {x}" for x in recon))
    for problem in rec["problems"][:5]:
        print("  problem:", json.dumps(problem, ensure_ascii=False)[:300])
    if args.json_out:
        args.json_out.write_text(json.dumps({"args": vars(args) | {"json_out": None},
                                             "rows": rows, "reconcile": rec, "table": lines},
                                            indent=1, default=str, ensure_ascii=False))
    ok = rec["receipts"] > 0 and rec["lost"] == 0 and rec["mismatched"] == 0 and rec["matched"] == rec["receipts"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
