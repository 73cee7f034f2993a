"""Block diagrams: nnviz against ``keras.utils.plot_model`` and the floor, and how drawing scales.

Run from the repository (TensorFlow is needed to write the ResNet50 file and for
``plot_model``; nnviz itself reads the file without it)::

    python benchmarks/bench_block.py            # 5 runs each (plot_model: 2)
    python benchmarks/bench_block.py --runs 3 --skip-plot-model

It prints, side by side and measured in this one run:

* ``nnviz draw resnet50.h5 -o r.svg`` in a cold process;
* a cold process that loads the same file with Keras and calls ``plot_model``
  (needs pydot and Graphviz's ``dot``; when it cannot run, the output says why);
* the floor: a bare process that imports matplotlib and saves one label to SVG;
* drawing generated 200- and 2,000-layer models (ResNet-like: Dense, BN, Dense,
  Add with a skip) with each engine, every layer drawn, in a warm process.

Times are medians of the runs, in seconds, wall clock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", PYTHONWARNINGS="ignore")

MAKE_RESNET = """
import keras
keras.applications.ResNet50(weights=None).save({path!r})
"""

PLOT_MODEL = """
import keras
model = keras.models.load_model({path!r}, compile=False)
keras.utils.plot_model(model, to_file={out!r}, show_shapes=True)
"""

FLOOR = """
from matplotlib.figure import Figure
fig = Figure(figsize=(1, 1))
fig.text(0.5, 0.5, "label")
fig.savefig({out!r})
"""


def run(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    """Wall-clock seconds of one command, and its result."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def median_time(cmd: list[str], cwd: Path, runs: int) -> tuple[float | None, str]:
    """Median seconds over ``runs`` runs, or ``None`` and why it failed."""
    times = []
    for _ in range(runs):
        seconds, proc = run(cmd, cwd)
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            return None, lines[-1] if lines else f"exit status {proc.returncode}"
        times.append(seconds)
    return statistics.median(times), ""


def nnviz_command() -> list[str]:
    exe = shutil.which("nnviz")
    return [exe] if exe else [sys.executable, "-c", "from nnviz.cli import main; main()"]


def plot_model_problem() -> str | None:
    """Why plot_model cannot run here, or ``None``."""
    import importlib.util

    for module, hint in (("tensorflow", "pip install tensorflow"), ("pydot", "pip install pydot")):
        if importlib.util.find_spec(module) is None:  # not imported: TensorFlow would log at us
            return f"{module} is not installed ({hint})"
    if shutil.which("dot") is None:
        return "Graphviz's dot program is not on PATH (apt-get install graphviz)"
    return None


def resnet_like(layers: int) -> dict:
    """An nnviz spec of about ``layers`` layers: blocks of Dense, BN, Dense, Add (with a skip)."""
    out, prev, i = [], "input", 0
    while len(out) < layers - 1:
        width = 16 + i % 7  # blocks differ, so nothing folds away
        out += [{"type": "Dense", "name": f"b{i}_d1", "units": width, "activation": "relu", "inputs": [prev]},
                {"type": "BatchNormalization", "name": f"b{i}_bn"},
                {"type": "Dense", "name": f"b{i}_d2", "units": 16},
                {"type": "Add", "name": f"b{i}_add", "inputs": [prev, f"b{i}_d2"]}]
        prev, i = f"b{i}_add", i + 1
    return {"name": f"resnet_like_{layers}", "input_shape": [16], "layers": out[:layers - 1]}


def scaling(folder: Path, runs: int) -> list[tuple[str, int, float]]:
    """(engine, layers, seconds) for drawing every layer of generated models, warm."""
    import nnviz
    from nnviz.api import draw_blocks

    engines = ["matplotlib"] + (["graphviz"] if shutil.which("dot") else [])
    warm = nnviz.load(resnet_like(20))
    for engine in engines:  # imports and font caches before timing
        draw_blocks(warm, collapse=False, engine=engine).save(folder / "warm.svg")
    rows = []
    for layers in (200, 2000):
        graph = nnviz.load(resnet_like(layers))
        for engine in engines:
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                draw_blocks(graph, collapse=False, engine=engine).save(folder / f"g{layers}-{engine}.svg")
                times.append(time.perf_counter() - start)
            rows.append((engine, layers, statistics.median(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--plot-model-runs", type=int, default=2, help="runs of plot_model (slow)")
    parser.add_argument("--skip-plot-model", action="store_true", help="do not run plot_model")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as tmp:
        folder = Path(tmp)
        h5 = folder / "resnet50.h5"
        print("writing resnet50.h5 with Keras ...", flush=True)
        _, made = run([sys.executable, "-c", MAKE_RESNET.format(path=str(h5))], folder)
        rows: list[tuple[str, float | None, str]] = []
        if made.returncode != 0:
            print(f"cannot write resnet50.h5 (TensorFlow needed): {made.stderr.strip().splitlines()[-1:]}")
        else:
            cold, why = median_time(nnviz_command() + ["draw", str(h5), "-o", "r.svg"], folder, args.runs)
            rows.append(("nnviz draw resnet50.h5 -o r.svg (cold)", cold, why))
            problem = "skipped (--skip-plot-model)" if args.skip_plot_model else plot_model_problem()
            if problem:
                rows.append(("keras load_model + plot_model to PNG (cold)", None, problem))
            else:
                # plot_model writes PNG (pydot cannot embed SVG here); the drawing is the same work
                script = PLOT_MODEL.format(path=str(h5), out=str(folder / "plot_model.png"))
                pm, why = median_time([sys.executable, "-c", script], folder, args.plot_model_runs)
                rows.append(("keras load_model + plot_model to PNG (cold)", pm, why))
        floor, why = median_time([sys.executable, "-c", FLOOR.format(out=str(folder / "floor.svg"))], folder,
                                 args.runs)
        rows.append(("floor: import matplotlib, save one label (cold)", floor, why))

        print()
        print(f"{'ResNet50 from a .h5 file to SVG':52s} {'seconds':>8s}   ratio")
        base = rows[0][1] if rows and rows[0][1] else None
        for name, seconds, why in rows:
            if seconds is None:
                print(f"  {name:50s} {'n/a':>8s}   {why}")
                continue
            ratio = f"{seconds / base:6.2f}x nnviz" if base and name != rows[0][0] else ""
            print(f"  {name:50s} {seconds:8.2f}   {ratio}")
        if base and floor:
            print(f"  nnviz is {base / floor:.2f}x the floor (target: within 2.5x)")
        pm = next((s for n, s, _ in rows if n.startswith("keras") and s), None)
        if base and pm:
            print(f"  nnviz is {pm / base:.1f}x faster than plot_model (target: at least 4x)")

        print()
        print("Generated models, every layer drawn (warm process, draw + save SVG)")
        results = scaling(folder, max(1, args.runs // 2))
        by = {(e, n): s for e, n, s in results}
        for engine in dict.fromkeys(e for e, _, _ in results):
            small, big = by[(engine, 200)], by[(engine, 2000)]
            print(f"  {engine:11s} 200 layers {small:6.2f} s   2,000 layers {big:6.2f} s   "
                  f"ratio {big / small:5.1f}x (near-linear: about 10x)")
        if not shutil.which("dot"):
            print("  graphviz   skipped: Graphviz's dot program is not on PATH (apt-get install graphviz)")
    print()
    print(textwrap.fill(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; times are medians, "
                        "wall clock, and depend on the machine's load.", 100))


if __name__ == "__main__":
    main()
