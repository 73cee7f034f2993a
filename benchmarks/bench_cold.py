"""Cold `nnviz draw resnet50.h5 -o r.svg` beside its floor: a cold process that imports matplotlib and saves one label.

Usage: python benchmarks/bench_cold.py [--repeat 7] [--cache DIR] [--model FILE.h5]

The issue's budget (issue 11): the draw, base install (no TensorFlow imported), at most 0.85x the floor.
ResNet50 (``keras.applications.ResNet50(weights=None)``, ~98 MB) is saved once with Keras into the
cache folder (default: ``nnviz-bench`` in the system's temporary folder) and reused. Each run is
a fresh process of this Python; the two commands alternate, after one untimed run of each (so
the disk cache, matplotlib's font cache and both packages' bytecode are there, as after an
install), and each run's wall time and CPU time (user + sys of the child and its children, from
``os.wait4``) are recorded. Prints the medians, the ratios, the load average (the wall-time
ratio is the budget's; the CPU-time ratio holds on a shared machine too) and whether the draw
imported matplotlib or TensorFlow (it must import neither).
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

FLOOR = ("import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
         "f = plt.figure(); f.text(.5, .5, 'x'); f.savefig('x.svg')")
BUDGET = 0.85


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_utime + usage.ru_stime


def make_resnet50(path: Path, env: dict[str, str]) -> None:
    """ResNet50 saved by Keras as legacy HDF5, once (the one step that needs TensorFlow)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part.h5")
    subprocess.run([sys.executable, "-c", "import keras; keras.applications.ResNet50(weights=None).save(%r)"
                    % str(tmp)], check=True, env=env, stderr=subprocess.DEVNULL)
    tmp.replace(path)


def heavy_imports(model: Path, out: Path, env: dict[str, str]) -> list[str]:
    """Which of matplotlib and TensorFlow/Keras the draw's process imported (it should be none)."""
    code = ("import sys, runpy; sys.argv = ['nnviz', 'draw', %r, '-o', %r]\n"
            "try:\n    runpy.run_module('nnviz.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(','.join(m for m in ('matplotlib', 'tensorflow', 'keras', 'tf_keras') if m in sys.modules), "
            "file=sys.stderr)") % (str(model), str(out))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return [m for m in proc.stderr.strip().splitlines()[-1].split(",") if m] if proc.stderr.strip() else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed runs of each command (default 7)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "nnviz-bench",
                    help="where resnet50.h5 is made once and kept")
    ap.add_argument("--model", type=Path, default=None, help="draw this .h5 instead of ResNet50")
    args = ap.parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    # as installed: pip compiles a package's bytecode (matplotlib's is there); without this a checkout's
    # nnviz would be compiled from source in every run (1.3 s of CPU), matplotlib not
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    model = args.model or args.cache / "resnet50.h5"
    if args.model is None:
        make_resnet50(model, env)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        draw = [sys.executable, "-m", "nnviz.cli", "draw", str(model.resolve()), "-o", "r.svg"]
        floor = [sys.executable, "-c", FLOOR]
        run(draw, work, env), run(floor, work, env)  # untimed: warm disk and font caches
        times: dict[str, list[tuple[float, float]]] = {"draw": [], "floor": []}
        for _ in range(args.repeat):
            times["draw"].append(run(draw, work, env))
            times["floor"].append(run(floor, work, env))
        heavy = heavy_imports(model.resolve(), work / "check.svg", env)
        svg = (work / "r.svg").stat().st_size
    load = os.getloadavg()
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    print(f"{model.name} ({model.stat().st_size / 2**20:.0f} MB) -> r.svg ({svg / 1e3:.0f} kB), "
          f"median of {args.repeat} cold processes each, alternating; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    print(f"  {'':<58} {'wall':>8} {'CPU':>8}")
    print(f"  {'floor: import matplotlib, save one label (SVG)':<58} {med['floor'][0]:7.2f}s {med['floor'][1]:7.2f}s")
    print(f"  {'nnviz draw ' + model.name + ' -o r.svg':<58} {med['draw'][0]:7.2f}s {med['draw'][1]:7.2f}s")
    wall, cpu = med["draw"][0] / med["floor"][0], med["draw"][1] / med["floor"][1]
    print(f"  {'ratio (budget ' + str(BUDGET) + 'x)':<58} {wall:7.2f}x {cpu:7.2f}x")
    print(f"  the draw imported: {', '.join(heavy) if heavy else 'neither matplotlib nor TensorFlow'}")


if __name__ == "__main__":
    main()
