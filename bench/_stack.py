"""Helpers shared by the benchmarks that run the real stack (gunicorn + PostgreSQL) on
127.0.0.1: ``bench/deadline_rush.py`` and ``bench/pages.py``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"  # the only host these benchmarks ever talk to


def log(prefix: str, message: str) -> None:
    print(f"[{prefix} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def pg_admin(args, sql: str) -> None:
    """Run one statement on the server's ``postgres`` database (create/drop the bench's)."""
    import psycopg

    with psycopg.connect(host=args.pg_host, port=args.pg_port, user=args.pg_user,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def run_django(env: dict[str, str], *argv: str, what: str, prefix: str) -> None:
    """Run ``python *argv`` in ``env``; stop the benchmark with its output if it fails."""
    started = time.perf_counter()
    done = subprocess.run([str(PYTHON), *argv], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{what} failed")
    log(prefix, f"{what} in {time.perf_counter() - started:.1f}s")
