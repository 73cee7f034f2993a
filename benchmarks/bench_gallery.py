"""Building the gallery: from scratch with --jobs 1 vs --jobs 2, and a rebuild with nothing changed.

Usage: python benchmarks/bench_gallery.py [--src examples] [--repeat 1] [--jobs 1,2]

Each build runs `nnviz gallery SRC -o OUT --jobs N` in a fresh process (so imports count, as
they do for a user), into a new temporary folder; the no-change rebuild runs the same command
again on the folder the last build made. Prints the medians side by side (wall time, and the CPU
time of the command and its workers), the speed-up of each job count over one job, the CPU
count (the ceiling on the speed-up) and the load average before the run (other work on the
machine takes cores from the workers).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def gallery(src: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its workers) of one `nnviz gallery`; fails loudly."""
    cmd = [sys.executable, "-m", "nnviz.cli", "gallery", str(src), "-o", str(out), "--jobs", str(jobs),
           "--no-progress"]
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3"})
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return elapsed, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run of median wall time."""
    return sorted(runs)[len(runs) // 2]


def from_scratch(src: Path, jobs: int, repeat: int, keep: Path) -> tuple[float, float]:
    """The median of ``repeat`` builds into empty folders; the last one is left in ``keep``."""
    runs = []
    for i in range(repeat):
        out = keep if i == repeat - 1 else Path(tempfile.mkdtemp(dir=keep.parent))
        runs.append(gallery(src, out, jobs))
    return median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT / "examples")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--jobs", default="1,2", help="comma-separated job counts to compare")
    args = ap.parse_args()
    counts = [int(j) for j in args.jobs.split(",")]
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())  # other work on the machine skews the figures
    sources = len([p for p in args.src.rglob("*") if p.suffix in (".json", ".keras", ".h5", ".hdf5")])
    with tempfile.TemporaryDirectory() as tmp:
        scratch = {j: from_scratch(args.src, j, args.repeat, Path(tmp) / f"jobs{j}") for j in counts}
        last = Path(tmp) / f"jobs{counts[-1]}"
        rebuild = median([gallery(args.src, last, counts[-1]) for _ in range(max(3, args.repeat))])
        files = len(list(last.iterdir()))
    print(f"nnviz gallery {args.src.name}/ ({sources} sources, {files} files), {os.cpu_count()} CPUs "
          f"(load average before: {load}), median of {args.repeat} fresh process(es)")
    print(f"  {'':<34} {'wall':>9} {'CPU':>9}  speed-up")
    base = scratch[counts[0]][0]
    for j in counts:
        wall, cpu = scratch[j]
        print(f"  {'from scratch, --jobs ' + str(j):<34} {wall:7.2f} s {cpu:7.2f} s  x{base / wall:.2f}")
    wall, cpu = rebuild
    print(f"  {'no-change rebuild, --jobs ' + str(counts[-1]):<34} {wall:7.2f} s {cpu:7.2f} s")


if __name__ == "__main__":
    main()
