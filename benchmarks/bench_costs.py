"""What counting costs adds to `nnviz summary resnet50.h5`: the summary with and without the cost stage.

Usage: python benchmarks/bench_costs.py [--repeat 5]

Generates resnet50.h5 once with TensorFlow (weights=None) in a temporary folder, then, in one process
that has read the file once: times reading (nnviz.load), the summary text without costs (the cost stage
replaced by a stub that returns zeros) and with them, and the cost stage alone; medians, and the share of
a cold `nnviz summary resnet50.h5` (the command, timed in fresh processes) that counting takes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet50.h5"
        subprocess.run([sys.executable, "-c", "import keras; keras.applications.ResNet50(weights=None)"
                        f".save({str(path)!r})"], check=True, env=env, capture_output=True)
        sys.path.insert(0, src)
        import nnviz
        import nnviz.costs.engine as engine
        import nnviz.summary as summary_mod
        from nnviz.costs import layer_costs

        cold = statistics.median(
            _cold([sys.executable, "-m", "nnviz.cli", "summary", str(path)], env) for _ in range(args.repeat))
        graph = nnviz.load(str(path))
        load = median_time(lambda: nnviz.load(str(path)), args.repeat)
        with_costs = median_time(graph.summary, args.repeat)
        count = median_time(lambda: layer_costs(graph), args.repeat)
        real = engine.layer_costs
        stub = engine.CostTable({l.name: engine.Cost(0, 0, 0, 0) for l in graph.layers})
        import nnviz.costs as costs_pkg
        costs_pkg.layer_costs = lambda g, **k: stub
        try:
            without = median_time(graph.summary, args.repeat)
        finally:
            costs_pkg.layer_costs = real
        del summary_mod
    print(f"ResNet50 ({len(graph.layers)} layers), median of {args.repeat}:")
    print(f"  {'cold `nnviz summary resnet50.h5`':<40} {cold * 1000:8.1f} ms")
    print(f"  {'nnviz.load (read + infer)':<40} {load * 1000:8.1f} ms")
    print(f"  {'summary text, costs stubbed':<40} {without * 1000:8.1f} ms")
    print(f"  {'summary text, with costs':<40} {with_costs * 1000:8.1f} ms")
    print(f"  {'layer_costs alone':<40} {count * 1000:8.1f} ms")
    print(f"  counting is {100 * count / cold:.1f} % of the cold command (limit: 10 %)")


def _cold(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
