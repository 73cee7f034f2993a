"""What counting costs adds to `nnviz summary resnet50.h5`: the summary with and without the cost stage.

Usage: python benchmarks/bench_costs.py [--repeat 5]

Generates resnet50.h5 once with TensorFlow (weights=None) in a temporary folder, then, in one process
that has read the file once: times reading (nnviz.load), the summary text without costs (the cost stage
replaced by a stub that returns zeros) and with them, and the cost stage alone; medians, and the share of
a cold `nnviz summary resnet50.h5` (the command, timed in fresh processes) that counting takes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from benchkit import SRC, median_time, parser, run_quiet, src_env


def main() -> None:
    args = parser(__doc__, runs=5, flag="--repeat").parse_args()
    src = str(SRC)
    env = src_env()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet50.h5"
        subprocess.run([sys.executable, "-c", "import keras; keras.applications.ResNet50(weights=None)"
                        f".save({str(path)!r})"], check=True, env=env, capture_output=True)
        sys.path.insert(0, src)
        import nnviz
        import nnviz.costs.engine as engine
        import nnviz.summary as summary_mod
        from nnviz.costs import layer_costs

        cold = median_time(lambda: run_quiet([sys.executable, "-m", "nnviz.cli", "summary", str(path)], env),
                           args.repeat)
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


if __name__ == "__main__":
    main()
