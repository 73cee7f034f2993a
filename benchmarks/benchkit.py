"""What the benchmark scripts share: their command line, a median of timed runs, a quiet fresh process,
and the environment that makes a child process import this checkout's nnviz.

The scripts run as ``python benchmarks/bench_x.py``, so this module, beside them, imports as ``benchkit``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def parser(doc: str | None, *, runs: int, flag: str = "--runs",
           runs_help: str = "timed runs per measurement (median)") -> argparse.ArgumentParser:
    """The script's parser: described by its docstring's first line, with the number of timed runs
    (``args.runs`` or ``args.repeat``, after ``flag``)."""
    ap = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    ap.add_argument(flag, type=int, default=runs, help=runs_help)
    return ap


def median_time(fn: Callable[[], Any], runs: int, *, warmup: bool = False) -> float:
    """The median wall-clock seconds of ``runs`` calls of ``fn`` (after one untimed call with ``warmup``)."""
    if warmup:
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_quiet(cmd: list[str], env: dict[str, str] | None = None) -> None:
    """Run a command in a fresh process, its output discarded; fails loudly if it fails."""
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def src_env(**extra: str) -> dict[str, str]:
    """This process's environment, with ``PYTHONPATH`` at this checkout's ``src`` (and ``extra``)."""
    return {**os.environ, "PYTHONPATH": str(SRC), **extra}
