"""Time and peak memory of ``--build`` on a Gemma-2B-shaped KerasHub preset (issue 12 item 5).

Usage: python benchmarks/bench_build.py [--layers 18] [--plain]

Writes a preset folder shaped like Gemma 2B (vocabulary 256,000, 18 layers, 8 query heads, 1
key-value head, hidden 2048, intermediate 32,768, head dim 256: 2.51 B parameters, 10 GB in
float32) with ``config.json`` and ``metadata.json`` only, and measures, each in a fresh process:

- ``nnviz summary --build`` and ``nnviz draw --build --expand decoder_block_0``: wall time, peak RSS of
  the nnviz process and of its children (the build child), from getrusage;
- the stages inside one process: ``import keras_hub``, building the backbone in
  ``keras.StatelessScope(initialize_variables=False)`` (what the build child does), and nnviz
  walking and tracing it;
- with ``--plain``: building it the ordinary way, which creates the 10 GB of variables (about
  11 GB and a minute; off by default).

Figures depend on the machine's load (CPU seconds are printed beside the wall-clock ones):
importing TensorFlow and KerasHub dominates the time, then nnviz tracing the decoder blocks (identical
blocks share one trace: readers/trace.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import ROOT, src_env

sys.path.insert(0, str(ROOT / "tests"))

_CLI = """
import resource, sys
from nnviz.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
print("RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code, file=sys.stderr)
"""

_STAGES = """
import json, resource, sys, time
c = time.process_time(); t = time.perf_counter(); import keras, keras_hub
t_import, c_import = time.perf_counter() - t, time.process_time() - c
config = json.load(open(sys.argv[1]))
c = time.process_time(); t = time.perf_counter()
if sys.argv[2] == "plain":
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
else:
    with keras.StatelessScope(initialize_variables=False):
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
t_build, c_build = time.perf_counter() - t, time.process_time() - c
import nnviz
from nnviz.readers.live import read_live
c = time.process_time(); t = time.perf_counter()
if sys.argv[2] == "plain":
    graph = read_live(model)
else:
    with keras.StatelessScope(initialize_variables=False):
        graph = read_live(model)
t_walk, c_walk = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"import": t_import, "build": t_build, "walk": t_walk, "params": graph.total_params,
                  "cpu": [c_import, c_build, c_walk],
                  "keras_params": model.count_params(),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _env() -> dict[str, str]:
    return src_env(TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def run_cli(*args: str) -> tuple[float, float, float, int]:
    """(seconds, peak MB of the nnviz process, peak MB of its children, exit status)."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True, env=_env())
    took = time.perf_counter() - t
    line = next((l for l in proc.stderr.splitlines() if l.startswith("RSS ")), None)
    if line is None:
        raise SystemExit(proc.stderr[-2000:])
    _, own, kids, code = line.split()
    if code not in ("None", "0"):
        raise SystemExit(f"nnviz {' '.join(args)} exited {code}: {proc.stderr[-1500:]}")
    return took, int(own) / 1024, int(kids) / 1024, 0


def stages(config: Path, how: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _STAGES, str(config), how], capture_output=True, text=True,
                          env=_env())
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    import hub_zoo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=18, help="decoder blocks (Gemma 2B has 18)")
    parser.add_argument("--plain", action="store_true", help="also build it the ordinary way (about 11 GB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        preset = Path(tmp) / "gemma_2b"
        hub_zoo.write_gemma_2b_preset(preset)
        (preset / "model.weights.h5").unlink()  # the config alone: what --build needs
        config = json.loads((preset / "config.json").read_text())
        config["config"]["num_layers"] = args.layers
        (preset / "config.json").write_text(json.dumps(config))
        print(f"Gemma-2B-shaped preset, {args.layers} decoder blocks, config.json + metadata.json only\n")
        print(f"{'what':58} {'seconds':>8} {'nnviz MB':>9} {'child MB':>9}")
        took, own, kids, _ = run_cli("summary", str(preset), "--build")
        print(f"{'nnviz summary --build':58} {took:8.1f} {own:9.0f} {kids:9.0f}")
        took, own, kids, _ = run_cli("draw", str(preset), "--build", "--expand", "decoder_block_0",
                                     "-o", str(Path(tmp) / "g.png"))
        print(f"{'nnviz draw --build --expand decoder_block_0 -o g.png':58} {took:8.1f} {own:9.0f} {kids:9.0f}")
        print(f"\n{'in one process':36} {'import':>8} {'build':>8} {'walk':>8} {'peak MB':>8} {'params':>15}")
        for how in ("stateless", *(["plain"] if args.plain else [])):
            s = stages(preset / "config.json", how)
            assert s["params"] == s["keras_params"], s
            label = "StatelessScope (what --build does)" if how == "stateless" else "plain construction"
            print(f"{label:36} {s['import']:8.1f} {s['build']:8.1f} {s['walk']:8.1f} {s['rss_mb']:8.0f} "
                  f"{s['params']:15,}")
            print(f"{'  the same, CPU seconds of the process':36} {s['cpu'][0]:8.1f} {s['cpu'][1]:8.1f} "
                  f"{s['cpu'][2]:8.1f}")


if __name__ == "__main__":
    main()
