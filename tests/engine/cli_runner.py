"""Run an engine command-line tool as an operator's shell would, inside the test's process.

A fresh interpreter per call (``subprocess``) cost about 0.6 s of imports each, some 60 s of
CI over the CLI tests; what those tests check is the tool's behaviour on its inputs (exit
code, messages, files written in the working directory), which the tool's ``main`` gives the
same in-process. One test per tool still starts it as ``python -m`` (``run_module``).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_main(main: Callable[[Sequence[str]], int], *args: str,
             cwd: Path) -> subprocess.CompletedProcess[str]:
    """``main(args)`` in ``cwd`` with stdout and stderr captured; an ``argparse`` refusal
    (``SystemExit``) gives its exit code as the shell would."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def run_module(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` in a fresh interpreter, as an operator types it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, timeout=120)
