"""The benchmark scripts of benchmarks/ as modules, for tests that use their model generators."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def bench_large() -> ModuleType:
    """benchmarks/bench_large.py, loaded once per process (its generators make the large models)."""
    if "bench_large" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_large", BENCHMARKS / "bench_large.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_large"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_large"]
