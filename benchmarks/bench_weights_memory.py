"""Peak memory of `nnviz draw --style node --weights` on a small file that declares a huge kernel.

Usage: python benchmarks/bench_weights_memory.py [--units 19500] [--compare OLD_SRC]

Writes a legacy .h5 model (Input(units) -> Dense(units)) whose kernel is a chunked dataset of
units x units float32 that stores no chunk: a file of a few KB that reads as about 1.5 GB of
zeros. Then draws it in a fresh process and prints that process's peak RSS (the parent, which
draws) and the peak RSS of its children (the isolated HDF5 reads), from getrusage. With
``--compare OLD_SRC`` (another checkout's ``src`` folder) the same is measured for those
sources, side by side. Since issue 17 item 10 the kernel is cut down to the drawn neurons inside
the child, which reads only the drawn rows, so only that part crosses to the parent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

_RUN = """
import resource, sys
from nnviz.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("RSS", self_kb, kids_kb, code, file=sys.stderr)
"""


def write_model(path: Path, units: int) -> None:
    config = {"class_name": "Sequential", "config": {"name": "huge", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, units], "name": "in"}},
        {"class_name": "Dense", "config": {"name": "d", "units": units, "activation": "linear"}}]}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.4.0"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"d"]
        d = g.create_group("d")
        d.attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        d.create_dataset("d/kernel:0", shape=(units, units), dtype="f4", chunks=(1024, 1024),
                         compression="gzip")
        d["d/bias:0"] = np.zeros(units, "f4")


def measure(src: Path, model: Path, out: Path) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RUN, "draw", str(model), "--style", "node", "--weights",
                           "-o", str(out)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    line = next(x for x in proc.stderr.splitlines() if x.startswith("RSS "))
    _, self_kb, kids_kb, code = line.split()
    if code not in ("0", "None") or not out.exists():
        sys.exit(f"the drawing failed ({code}): {proc.stderr.strip()[-500:]}")
    return int(self_kb) / 1024, int(kids_kb) / 1024, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=19500)
    ap.add_argument("--compare", type=Path, help="another checkout's src folder")
    args = ap.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "huge.h5"
        write_model(model, args.units)
        declared = args.units * args.units * 4 / 2**20
        print(f"file {model.stat().st_size / 1024:,.0f} KB declaring a {args.units}x{args.units} float32 "
              f"kernel ({declared:,.0f} MB)")
        print(f"{'sources':<40} {'parent peak RSS':>16} {'child peak RSS':>15} {'wall':>7}")
        for label, src in [("this checkout", here), *([("--compare " + str(args.compare), args.compare)]
                                                         if args.compare else [])]:
            parent, child, wall = measure(src, model, Path(tmp) / f"out{len(label)}.svg")
            print(f"{label:<40} {parent:>13,.0f} MB {child:>12,.0f} MB {wall:>6.1f}s")


if __name__ == "__main__":
    main()
