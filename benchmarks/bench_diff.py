"""``nnviz diff`` against ``nnviz draw``: the cost of comparing, and how it grows.

Run from the repository (TensorFlow is needed once, to write the two ResNet50-size files)::

    python benchmarks/bench_diff.py              # 3 runs each
    python benchmarks/bench_diff.py --runs 5

It prints, measured in this one run, side by side:

* cold ``nnviz diff a.h5 b.h5 -o d.svg`` of ResNet50 against ResNet50 with a new head, and cold
  ``nnviz draw b.h5 -o b.svg`` of the second file (the target: diff within 1.5x of draw);
* in a warm process, ``nnviz.diff`` (matching and comparing only) on generated residual chains of
  1,000 / 5,000 / 10,000 layers with one layer inserted in the middle, and the growth exponent
  between the sizes (1.0 is linear).

Times are medians, in seconds, wall clock.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import median_time, parser, run_quiet

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", PYTHONWARNINGS="ignore")

MAKE_FILES = """
import keras
base = keras.applications.ResNet50(weights=None)
base.save({a!r})
x = base.layers[-2].output
x = keras.layers.Dense(256, activation="relu", name="new_fc")(x)
out = keras.layers.Dense(10, activation="softmax", name="new_head")(x)
keras.Model(base.input, out, name="resnet50_tuned").save({b!r})
"""


def _cold(cmd: list[str], runs: int) -> float:
    return median_time(lambda: run_quiet(cmd, ENV), runs)


def residual_chain(blocks: int, insert_at: int | None = None) -> dict:
    """A spec of ``blocks`` residual blocks (Dense, BN, Dense, Add): 4 layers each."""
    layers = []
    prev = "input"
    for i in range(blocks):
        if insert_at is not None and i == insert_at:
            layers.append({"type": "Dropout", "name": "inserted", "rate": 0.1, "inputs": [prev]})
            prev = "inserted"
        layers += [{"type": "Dense", "name": f"d{i}a", "units": 16, "inputs": [prev]},
                   {"type": "BatchNormalization", "name": f"bn{i}"},
                   {"type": "Dense", "name": f"d{i}b", "units": 16},
                   {"type": "Add", "name": f"add{i}", "inputs": [f"d{i}b", prev]}]
        prev = f"add{i}"
    return {"name": "chain", "inputs": {"input": [16]}, "layers": layers}


def main() -> None:
    args = parser(__doc__, runs=3).parse_args()

    import nnviz

    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.h5", Path(tmp) / "b.h5"
        subprocess.run([sys.executable, "-c", MAKE_FILES.format(a=str(a), b=str(b))], check=True, env=ENV,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nn = [sys.executable, "-m", "nnviz.cli"]
        t_draw = _cold(nn + ["draw", str(b), "-o", str(Path(tmp) / "b.svg")], args.runs)
        t_diff = _cold(nn + ["diff", str(a), str(b), "-o", str(Path(tmp) / "d.svg")], args.runs)
        print("ResNet50 files (.h5), cold processes, median of", args.runs)
        print(f"  nnviz draw b.h5 -o b.svg      {t_draw:7.2f} s")
        print(f"  nnviz diff a.h5 b.h5 -o d.svg {t_diff:7.2f} s   ({t_diff / t_draw:.2f}x draw; target <= 1.5x)")

    print("\nnnviz.diff on residual chains, one layer inserted in the middle (warm, graphs loaded)")
    sizes, times = [], []
    for blocks in (250, 1250, 2500):
        ga = nnviz.load(residual_chain(blocks))
        gb = nnviz.load(residual_chain(blocks, insert_at=blocks // 2))
        from nnviz.modeldiff import compare

        runs = []
        for _ in range(args.runs):
            t = time.perf_counter()
            d = compare(ga, gb)
            runs.append(time.perf_counter() - t)
        assert d.added == ["inserted"] and not d.removed and not d.changed, d
        sizes.append(len(gb.layers))
        times.append(statistics.median(runs))
        print(f"  {sizes[-1]:6,} layers  {times[-1]:7.3f} s")
    k = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])
    print(f"  growth exponent {sizes[0]:,} -> {sizes[-1]:,} layers: {k:.2f} (1.0 is linear)")


if __name__ == "__main__":
    main()
