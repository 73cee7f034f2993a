"""Large but honest inputs: generated models of 10,000 layers, summarised (and drawn collapsed).

Usage: python benchmarks/bench_large.py [--layers 10000] [--profile]

Generates, without TensorFlow, a model of N layers in each form nnviz reads (an nnviz spec, a
Keras 3 functional config with keras tensors and skip connections, a Keras 2 ``Model`` config
with list nodes, a Sequential, and the Keras 3 config inside an ``.h5``), then times
``nnviz.load``, the summary table and ``to_dict()`` of each, and, where the block renderer
exists, a collapsed block diagram. Nothing in reading or inference may be quadratic: doubling
N should double the times. ``--profile`` prints the top of a cProfile of the slowest form.

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


def _draw(graph: Any, folder: Path) -> float | None:
    if importlib.util.find_spec("nnviz.render.block") is None:
        return None
    import nnviz

    t, diagram = _time(lambda: nnviz.draw(graph, style="block", collapse=True))
    t2, _ = _time(lambda: diagram.save(folder / "large.svg"))
    return t + t2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="*", default=[1000, 10_000])
    ap.add_argument("--profile", action="store_true", help="cProfile the slowest form at the largest size")
    ap.add_argument("--no-draw", action="store_true", help="skip the block diagram")
    args = ap.parse_args()
    import nnviz

    nnviz.load({"input_shape": [1], "layers": [{"type": "Dense", "units": 1}]})  # imports, not timed
    slowest: tuple[float, str, Path] = (0.0, "", Path())
    print(f"{'form':<24} {'layers':>7} {'load':>8} {'summary':>8} {'to_dict':>8} {'draw':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in args.layers:
            for form, make in FORMS.items():
                path = make(folder, n)
                t_load, graph = _time(lambda: nnviz.load(path))
                t_sum, _ = _time(graph.summary)
                t_dict, _ = _time(graph.to_dict)
                t_draw = None if args.no_draw or form != "nnviz spec" else _draw(graph, folder)
                draw = "-" if t_draw is None else f"{t_draw:7.2f}s"
                print(f"{form:<24} {len(graph.layers):>7} {t_load:7.2f}s {t_sum:7.2f}s {t_dict:7.2f}s {draw:>8}")
                if n == max(args.layers) and t_load > slowest[0]:
                    slowest = (t_load, form, path)
        if args.profile and slowest[1]:
            print(f"\ncProfile of nnviz.load, {slowest[1]}, {max(args.layers)} layers:")
            prof = cProfile.Profile()
            prof.runcall(nnviz.load, slowest[2])
            pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
