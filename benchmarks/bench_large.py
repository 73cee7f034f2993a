"""Large but honest inputs: generated models of 10,000 and 50,000 layers, per nnviz command.

Usage: python benchmarks/bench_large.py [--layers 10000 50000] [--model ...] [--command ...]
       python benchmarks/bench_large.py --forms [--layers 1000 10000] [--profile]
       python benchmarks/bench_large.py --png-text [--layers 2000 10000]

Generates, without TensorFlow, three models (a residual chain as an nnviz spec, a Keras 3
functional config with skip connections, a stack of 10-layer transformer blocks) and runs every
command (summary, the default collapsed drawing as SVG and PNG, every layer drawn with
``--collapse no`` as SVG and PNG, the HTML view) in a cold ``nnviz`` process. It prints, per
size, the CPU seconds (user + system: the machine may be shared, wall time is printed too), the
peak resident memory, and the growth exponent between the smallest and the largest size
(1.0 is linear; the target is at most 1.15).

``--png-text`` times a PNG of every layer with the blocks' text drawn by Pillow (as nnviz does
for large drawings) and by one matplotlib Text per line (as before).

``--forms`` instead times ``nnviz.load``, its two stages (read: the graph as the file states it;
infer: shapes and parameters), the summary table and ``to_dict()`` of every file form nnviz reads
(nnviz spec, Keras 3 functional, Keras 2 ``Model``, Sequential, the Keras 3 config in an ``.h5``) in
this process, in CPU seconds (a forked reader's included); ``--profile`` prints the top of a
cProfile of the slowest form.

The generators are used by tests/test_large.py too.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

__all__ = ["large_spec", "large_keras3_config", "large_keras2_config", "large_sequential_config",
           "write_large_h5", "FORMS"]

WIDTH = 16


def large_spec(n: int) -> dict:
    """An nnviz spec: Dense/Dropout blocks with a residual Add every tenth layer."""
    layers: list[dict] = []
    for i in range(n):
        if i % 10 == 9:
            layers.append({"type": "Add", "name": f"l{i}", "inputs": [f"l{i - 1}", f"l{i - 4}"]})
        elif i % 3 == 2:
            layers.append({"type": "Dropout", "name": f"l{i}", "rate": 0.1})
        else:
            layers.append({"type": "Dense", "name": f"l{i}", "units": WIDTH, "activation": "relu"})
    return {"name": f"large{n}", "input_shape": [WIDTH], "layers": layers}


def _tensor(name: str) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None, WIDTH], "dtype": "float32", "keras_history": [name, 0, 0]}}


def large_keras3_config(n: int) -> dict:
    """A Keras 3 functional config (``to_json()`` / ``config.json``) with skip connections."""
    layers = [{"module": "keras.layers", "class_name": "InputLayer", "name": "x", "inbound_nodes": [],
               "config": {"batch_shape": [None, WIDTH], "dtype": "float32", "name": "x"}}]
    prev = "x"
    for i in range(n):
        name = f"l{i}"
        if i % 10 == 9:
            entry = {"class_name": "Add", "config": {"name": name},
                     "inbound_nodes": [{"args": [[_tensor(prev), _tensor(f"l{i - 4}")]], "kwargs": {}}]}
        else:
            entry = {"class_name": "Dense", "config": {"name": name, "units": WIDTH, "activation": "relu"},
                     "build_config": {"input_shape": [None, WIDTH]},
                     "inbound_nodes": [{"args": [_tensor(prev)], "kwargs": {}}]}
        layers.append({"module": "keras.layers", "registered_name": None, "name": name, **entry})
        prev = name
    return {"module": "keras", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": f"large{n}", "trainable": True, "layers": layers,
                       "input_layers": [["x", 0, 0]], "output_layers": [[prev, 0, 0]]}}


def large_keras2_config(n: int) -> dict:
    """A Keras 2 ``Model`` config (list inbound nodes) of the same shape."""
    layers = [{"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
               "config": {"batch_input_shape": [None, WIDTH], "dtype": "float32", "name": "x"}}]
    prev = "x"
    for i in range(n):
        name = f"l{i}"
        if i % 10 == 9:
            entry = {"class_name": "Add", "config": {"name": name},
                     "inbound_nodes": [[[prev, 0, 0, {}], [f"l{i - 4}", 0, 0, {}]]]}
        else:
            entry = {"class_name": "Dense", "config": {"name": name, "units": WIDTH},
                     "inbound_nodes": [[[prev, 0, 0, {}]]]}
        layers.append({"name": name, **entry})
        prev = name
    return {"class_name": "Model", "keras_version": "2.4.0", "config": {
        "name": f"large{n}", "layers": layers, "input_layers": [["x", 0, 0]], "output_layers": [[prev, 0, 0]]}}


def large_sequential_config(n: int) -> dict:
    """A tf.keras Sequential config: an InputLayer, then Dense layers."""
    layers = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, WIDTH], "name": "x"}}]
    layers += [{"class_name": "Dense", "config": {"name": f"l{i}", "units": WIDTH}} for i in range(n)]
    return {"class_name": "Sequential", "config": {"name": f"large{n}", "layers": layers}}


def write_large_h5(path: Path, n: int) -> Path:
    """The Keras 3 config of :func:`large_keras3_config` as the ``model_config`` of an ``.h5``."""
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(large_keras3_config(n))
        f.attrs["keras_version"] = "3.5.0"
    return path


def large_transformer_spec(n: int) -> dict:
    """An nnviz spec: a stack of ``n // 10`` transformer encoder blocks of 10 layers each."""
    layers: list[dict] = []
    prev = "x"
    for b in range(n // 10):
        p = f"b{b}_"
        layers += [
            {"type": "MultiHeadAttention", "name": p + "mha", "num_heads": 2, "key_dim": 8, "inputs": [prev, prev]},
            {"type": "Dropout", "name": p + "drop1", "rate": 0.1},
            {"type": "Add", "name": p + "add1", "inputs": [prev, p + "drop1"]},
            {"type": "LayerNormalization", "name": p + "norm1"},
            {"type": "Dense", "name": p + "ffn1", "units": 2 * WIDTH, "activation": "relu"},
            {"type": "Dropout", "name": p + "drop2", "rate": 0.1},
            {"type": "Dense", "name": p + "ffn2", "units": WIDTH},
            {"type": "Dropout", "name": p + "drop3", "rate": 0.1},
            {"type": "Add", "name": p + "add2", "inputs": [p + "norm1", p + "drop3"]},
            {"type": "LayerNormalization", "name": p + "norm2"},
        ]
        prev = p + "norm2"
    return {"name": f"transformer{n}", "inputs": {"x": [8, WIDTH]}, "layers": layers}


def _json(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


FORMS: dict[str, Callable[[Path, int], Path]] = {
    "nnviz spec": lambda d, n: _json(d, "spec.json", large_spec(n)),
    "Keras 3 functional": lambda d, n: _json(d, "k3.json", large_keras3_config(n)),
    "Keras 2 Model": lambda d, n: _json(d, "k2.json", large_keras2_config(n)),
    "Sequential": lambda d, n: _json(d, "seq.json", large_sequential_config(n)),
    "Keras 3 config in .h5": lambda d, n: write_large_h5(d / "k3.h5", n),
}


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of ``fn()`` (user + system, of this process and of the children it waited for:
    the readers fork for HDF5), which a shared machine does not inflate as it does wall time."""
    import resource

    def now() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    t = now()
    out = fn()
    return now() - t, out


# -- per command, in cold processes ---------------------------------------------------------------

MODELS: dict[str, Callable[[Path, int], Path]] = {
    "residual chain": lambda d, n: _json(d, f"res{n}.json", large_spec(n)),
    "Keras 3 functional": lambda d, n: _json(d, f"k3_{n}.json", large_keras3_config(n)),
    "transformer blocks": lambda d, n: _json(d, f"tr{n}.json", large_transformer_spec(n)),
}

# command name -> (nnviz CLI arguments after the source, output suffix or None)
COMMANDS: dict[str, tuple[list[str], str | None]] = {
    "summary": (["summary"], None),
    "collapsed svg": (["draw"], ".svg"),
    "collapsed png": (["draw"], ".png"),
    "full svg": (["draw", "--collapse", "no"], ".svg"),
    "full png": (["draw", "--collapse", "no"], ".png"),
    "html": (["draw"], ".html"),
}

# The child: runs the CLI in this process, then prints its peak resident memory (kB on Linux).
_CHILD = ("import resource, runpy, sys\n"
          "sys.argv = ['nnviz'] + sys.argv[1:]\n"
          "try:\n    runpy.run_module('nnviz.cli', run_name='__main__')\n"
          "except SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
          "u = resource.getrusage(resource.RUSAGE_SELF)\n"
          "sys.stderr.write(f'\\nRUSAGE {u.ru_utime + u.ru_stime} {u.ru_maxrss}\\n')\n"
          "sys.exit(code)\n")


def run_command(source: Path, command: str, folder: Path, timeout: float) -> tuple[float, float, float, int]:
    """One cold ``nnviz`` process: (CPU s, wall s, peak MB, output bytes); seconds are inf on a timeout."""
    import os
    import subprocess

    args, suffix = COMMANDS[command]
    argv = [args[0], str(source), *args[1:]]
    out = folder / (source.stem + "-" + command.replace(" ", "-") + (suffix or ""))
    if suffix:
        argv += ["-o", str(out)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent / "src"))
    t = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return float("inf"), float("inf"), float("nan"), 0
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{command} on {source.name} failed:\n{proc.stderr[-2000:]}")
    usage = [line.split() for line in proc.stderr.splitlines() if line.startswith("RUSAGE ")][-1]
    size = out.stat().st_size if suffix else len(proc.stdout)
    return float(usage[1]), wall, int(usage[2]) / 1024, size


def _exponent(t_small: float, t_big: float, n_small: int, n_big: int) -> str:
    import math

    if not (math.isfinite(t_small) and math.isfinite(t_big)) or t_small <= 0:
        return "-"
    return f"{math.log(t_big / t_small) / math.log(n_big / n_small):.2f}"


def bench_commands(sizes: list[int], models: list[str], commands: list[str], timeout: float) -> None:
    """Print, per model and command, time and peak memory at each size and the growth exponent."""
    head = "".join(f"{f'{n:,} cpu s':>13}{'wall s':>8}{'MB':>7}" for n in sizes)
    print(f"{'model':<20} {'command':<14}{head}{'exp(cpu)':>9}{'exp(MB)':>8}  output at {sizes[-1]:,}",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for model in models:
            sources = {n: MODELS[model](folder, n) for n in sizes}
            for command in commands:
                rows = [run_command(sources[n], command, folder, timeout) for n in sizes]
                cells = "".join(f"{cpu:13.2f}{wall:8.1f}{mb:7.0f}" for cpu, wall, mb, _ in rows)
                exp_t = _exponent(rows[0][0], rows[-1][0], sizes[0], sizes[-1])
                exp_m = _exponent(rows[0][2], rows[-1][2], sizes[0], sizes[-1])
                print(f"{model:<20} {command:<14}{cells}{exp_t:>9}{exp_m:>8}  {rows[-1][3] / 1e6:.1f} MB",
                      flush=True)


# -- reading every form, in this process ------------------------------------------------------------

def _draw(graph: Any, folder: Path) -> float | None:
    if importlib.util.find_spec("nnviz.render.block") is None:
        return None
    import nnviz

    t, diagram = _cpu(lambda: nnviz.draw(graph, style="block", collapse=True))
    t2, _ = _cpu(lambda: diagram.save(folder / "large.svg"))
    return t + t2


def bench_forms(sizes: list[int], profile: bool, no_draw: bool) -> None:
    """Load (and its read and infer stages), summary and to_dict of every form nnviz reads, timed in
    this process (CPU seconds)."""
    import gc

    import nnviz
    from nnviz.loading import infer
    from nnviz.readers.sniff import read_source

    try:
        from nnviz.loading import gc_paused
    except ImportError:  # an nnviz before it (to time a change against)
        from contextlib import nullcontext as gc_paused

    nnviz.load({"input_shape": [1], "layers": [{"type": "Dense", "units": 1}]})  # imports, not timed
    slowest: tuple[float, str, Path] = (0.0, "", Path())
    print(f"{'form':<24} {'layers':>7} {'read':>8} {'infer':>8} {'load':>8} {'summary':>8} {'to_dict':>8} "
          f"{'draw':>8}   (CPU seconds)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            for form, make in FORMS.items():
                path = make(folder, n)
                with gc_paused():  # as nnviz.load runs them
                    t_read, raw = _cpu(lambda: read_source(path))
                    t_infer, _ = _cpu(lambda: infer(raw))
                del raw, _
                gc.collect()
                t_load, graph = _cpu(lambda: nnviz.load(path))
                t_sum, _ = _cpu(graph.summary)
                t_dict, _ = _cpu(graph.to_dict)
                t_draw = None if no_draw or form != "nnviz spec" else _draw(graph, folder)
                draw = "-" if t_draw is None else f"{t_draw:7.2f}s"
                print(f"{form:<24} {len(graph.layers):>7} {t_read:7.2f}s {t_infer:7.2f}s {t_load:7.2f}s "
                      f"{t_sum:7.2f}s {t_dict:7.2f}s {draw:>8}", flush=True)
                if n == max(sizes) and t_load > slowest[0]:
                    slowest = (t_load, form, path)
        if profile and slowest[1]:
            print(f"\ncProfile of nnviz.load, {slowest[1]}, {max(sizes)} layers:")
            prof = cProfile.Profile()
            prof.runcall(nnviz.load, slowest[2])
            pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(15)


def bench_png_text(sizes: list[int]) -> None:
    """A PNG of every layer (``collapse=False``) of the residual chain, its blocks' text drawn by
    Pillow (what nnviz does from ``PIL_TEXT_FROM`` blocks) and by one matplotlib Text per line
    (before), in this process: CPU seconds of ``to_bytes("png")``."""
    import nnviz
    from nnviz.render import block

    nnviz.draw(large_spec(5)).to_bytes("png")  # imports, not timed
    print(f"{'layers':>7} {'blocks':>7} {'PNG px':>13} {'Pillow text':>12} {'matplotlib text':>16} {'ratio':>6}")
    default = block.PIL_TEXT_FROM
    for n in sizes:
        diagram = nnviz.draw(large_spec(n), collapse=False)
        times = []
        for threshold in (default, 10**12):
            block.PIL_TEXT_FROM = threshold
            t = time.process_time()
            png = diagram.to_bytes("png")
            times.append(time.process_time() - t)
        block.PIL_TEXT_FROM = default
        import io

        from PIL import Image

        w, h = Image.open(io.BytesIO(png)).size
        print(f"{n:>7} {len(diagram.scene.boxes):>7} {f'{w}x{h}':>13} {times[0]:11.1f}s {times[1]:15.1f}s "
              f"{times[1] / times[0]:5.1f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="*", default=[10_000, 50_000])
    ap.add_argument("--model", nargs="*", choices=list(MODELS), default=list(MODELS))
    ap.add_argument("--command", nargs="*", choices=list(COMMANDS), default=list(COMMANDS))
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a command counts as failed")
    ap.add_argument("--forms", action="store_true", help="instead: load/summary/to_dict of every file form")
    ap.add_argument("--profile", action="store_true", help="with --forms: cProfile the slowest form")
    ap.add_argument("--no-draw", action="store_true", help="with --forms: skip the block diagram")
    ap.add_argument("--png-text", action="store_true",
                    help="instead: every layer as PNG, block text by Pillow and by matplotlib, in this process")
    args = ap.parse_args()
    if args.png_text:
        bench_png_text(args.layers)
    elif args.forms:
        bench_forms(args.layers, args.profile, args.no_draw)
    else:
        bench_commands(args.layers, args.model, args.command, args.timeout)


if __name__ == "__main__":
    main()
