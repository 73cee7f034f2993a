"""Fuzzing, bounded for the normal suite: nnviz returns a consistent graph or raises ReadError, nothing else.

- A Hypothesis property over generated nnviz specs: valid chains and DAGs of Dense, Conv2D,
  pooling, Dropout, Flatten, Add and Concatenate with random sizes (whose parameter counts a
  small independent model of Keras predicts), and mutants of them (keys deleted, types swapped,
  values of the wrong type or size).
- The mutation fuzzer of ``tools/fuzz_files.py`` over real and generated model files, for a few
  hundred cases (``python tools/fuzz_files.py --cases 10000`` runs the long version).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnviz
from nnviz.errors import ReadError

pytestmark = pytest.mark.slow  # hypothesis runs: in the full command, not the quick tier

ROOT = Path(__file__).resolve().parent.parent

FUZZ_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- generated specs -------------------------------------------------------------------------

def _conv_out(size: int, kernel: int, stride: int, padding: str) -> int:
    return (size + stride - 1) // stride if padding == "same" else (size - kernel) // stride + 1


@st.composite
def valid_specs(draw: st.DrawFn) -> tuple[dict, int]:
    """A valid spec and its parameter count, from a small model of Keras written independently."""
    image = draw(st.booleans())
    shape: tuple[int, ...] = ((draw(st.integers(4, 24)), draw(st.integers(4, 24)), draw(st.integers(1, 4)))
                              if image else (draw(st.integers(1, 64)),))
    shapes = {"input": shape}
    layers: list[dict] = []
    total = 0
    for i in range(draw(st.integers(1, 10))):
        name = f"l{i}"
        src = draw(st.sampled_from(sorted(shapes)))
        s = shapes[src]
        same = sorted(n for n, t in shapes.items() if t == s)
        rank1 = len(s) == 1
        ops = ["Dropout", "Add", "Concatenate"] + (["Dense"] if rank1 else
                                                    ["Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten"])
        op = draw(st.sampled_from(ops))
        layer: dict[str, Any] = {"type": op, "name": name, "inputs": [src]}
        if op == "Dense":
            units = draw(st.integers(1, 64))
            layer.update(units=units, activation=draw(st.sampled_from(["relu", "sigmoid", None])))
            total += s[0] * units + units
            out = (units,)
        elif op == "Dropout":
            layer["rate"] = draw(st.floats(0, 0.9))
            out = s
        elif op == "Add":
            layer["inputs"] = [src, draw(st.sampled_from(same))]
            out = s
        elif op == "Concatenate":
            other = draw(st.sampled_from(sorted(n for n, t in shapes.items() if t[:-1] == s[:-1])))
            layer["inputs"] = [src, other]
            out = (*s[:-1], s[-1] + shapes[other][-1])
        elif op == "Conv2D":
            k = draw(st.integers(1, min(s[0], s[1], 5)))
            stride = draw(st.integers(1, 2))
            pad = draw(st.sampled_from(["valid", "same"]))
            filters = draw(st.integers(1, 8))
            layer.update(filters=filters, kernel_size=k, strides=stride, padding=pad)
            total += k * k * s[2] * filters + filters
            out = (_conv_out(s[0], k, stride, pad), _conv_out(s[1], k, stride, pad), filters)
        elif op in ("MaxPooling2D", "AveragePooling2D"):
            p = draw(st.integers(1, min(s[0], s[1], 3)))
            layer["pool_size"] = p
            out = (s[0] // p, s[1] // p, s[2])
        else:  # Flatten
            out = (s[0] * s[1] * s[2],)
        layers.append(layer)
        shapes[name] = out
    spec = {"name": "generated", "input_shape": list(shape), "layers": layers,
            "outputs": [layers[-1]["name"]]}
    return spec, total


_ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10), st.sampled_from([0, -1, 2**31, 10**12, 2**64]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), st.sampled_from(["same", "relu", "l0"]),
    st.lists(st.integers(-2, 40), max_size=4), st.just({}), st.just([]),
    st.sampled_from(["Dense", "Conv2D", "LSTM", "Sequential", "Reshape", "Nope", "InputLayer"]))


def _containers(tree: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(tree, dict):
        for k in sorted(tree):
            out.extend(_containers(tree[k], (*path, k)))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out.extend(_containers(v, (*path, i)))
    return out


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict:
    """A valid spec, then a few random key deletions, type swaps and wrong values."""
    spec = copy.deepcopy(draw(valid_specs())[0])
    for _ in range(draw(st.integers(1, 4))):
        paths = _containers(spec)[1:]
        path = draw(st.sampled_from(paths))
        parent = spec
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = draw(st.sampled_from(["delete", "value", "swap", "retype", "rename"]))
        if op == "delete":
            del parent[key]
        elif op == "value":
            parent[key] = draw(_ODD_VALUES)
        elif op == "swap":  # a value of another type that means the same to a person
            v = parent[key]
            parent[key] = (str(v) if not isinstance(v, str) else [v]) if not isinstance(v, list) else {"0": v}
        elif op == "retype" and isinstance(parent, dict) and "type" in parent:
            parent["type"] = draw(st.sampled_from(["Dense", "Conv2D", "Flatten", "Add", "Concatenate",
                                                   "MaxPooling2D", "Dropout", "Reshape", "LSTM", "Embedding"]))
        else:  # a name that clashes or points nowhere
            parent[key] = draw(st.sampled_from(["input", "l0", "l1", "nowhere", ""]))
        spec = json.loads(json.dumps(spec))  # only what JSON can hold
    return spec


def assert_consistent(graph: nnviz.LayerGraph) -> None:
    """Totals are sums of the layers' counts, nothing negative, nested models included.

    A count nnviz cannot know is None in all three fields, named in ``unknown_params``, and left
    out of the (then lower-bound) totals.
    """
    unknown = []
    for path, layer in graph.walk():
        if layer.params is None:
            assert layer.trainable_params is None and layer.non_trainable_params is None
            if layer.subgraph is None:
                unknown.append("/".join((*path, layer.name)))
            else:
                assert layer.subgraph.unknown_params
            continue
        assert layer.params >= 0 and layer.trainable_params >= 0 and layer.non_trainable_params >= 0
        assert layer.trainable_params + layer.non_trainable_params == layer.params
        if layer.subgraph is not None:
            assert layer.params == layer.subgraph.total_params
    assert graph.unknown_params == unknown and graph.total_params_is_lower_bound == bool(unknown)
    assert graph.total_params == sum(
        layer.subgraph.total_params if layer.params is None and layer.subgraph is not None else layer.params or 0
        for layer in graph.layers)
    assert graph.total_params == graph.trainable_params + graph.non_trainable_params
    json.dumps(graph.to_dict())
    graph.summary()


@FUZZ_SETTINGS
@given(valid_specs())
def test_valid_specs_read_with_keras_counts(case):
    spec, total = case
    graph = nnviz.load(spec)
    assert_consistent(graph)
    assert graph.total_params == total
    assert [l.name for l in graph.layers] == ["input", *(l["name"] for l in spec["layers"])]


@FUZZ_SETTINGS
@given(mutated_specs())
def test_mutated_specs_read_or_raise_read_error(spec):
    try:
        graph = nnviz.load(spec)
    except ReadError as err:
        assert "\n" not in str(err)
        return
    assert_consistent(graph)


# -- mutated model files ---------------------------------------------------------------------

def _fuzz_files():
    """tools/fuzz_files.py, imported once (tools/ is not a package)."""
    if "fuzz_files" not in sys.modules:
        spec = importlib.util.spec_from_file_location("fuzz_files", ROOT / "tools" / "fuzz_files.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["fuzz_files"] = module  # its dataclasses look their module up while being made
        spec.loader.exec_module(module)
    return sys.modules["fuzz_files"]


def test_mutated_files_read_or_raise_read_error(tmp_path):
    fuzz = _fuzz_files()
    report = fuzz.fuzz(300, seed=2024, out=tmp_path / "bugs", time_limit=6.0)
    assert report.cases == 300
    found = "\n".join(f"case {b.case} from {b.seed}: {b.error} (saved as {b.saved})" for b in report.bugs)
    assert not report.bugs, f"{len(report.bugs)} inputs made nnviz fail badly:\n{found}"


def test_the_fuzzer_catches_what_it_must(tmp_path, monkeypatch):
    # a reader that raises something other than an NnvizError is reported, with the input saved
    fuzz = _fuzz_files()
    import nnviz.readers.sniff as sniff

    def broken(path):
        raise KeyError("a bug")

    monkeypatch.setattr(sniff, "_from_path", broken)
    report = fuzz.fuzz(3, seed=1, out=tmp_path / "bugs", real=False)
    assert len(report.bugs) == 3 and "KeyError" in report.bugs[0].signature
    assert report.bugs[0].saved.exists()
    assert "replay" in report.bugs[0].saved.with_suffix(".txt").read_text()


@pytest.mark.parametrize("seed_name", ["gen_k3.keras", "gen_seq.h5", "gen_k2.json", "gen_savedmodel"])
def test_the_generated_seeds_read(tmp_path, seed_name):
    # the fuzzer starts from files nnviz reads: mutants then probe near real structure
    fuzz = _fuzz_files()
    seed = next(s for s in fuzz.generated_seeds() if s.name == seed_name)
    if seed.files:
        path = tmp_path / seed.name
        path.mkdir()
        for name, data in seed.files.items():
            (path / name).write_bytes(data)
    else:
        path = tmp_path / seed.name
        path.write_bytes(seed.data)
    fuzz.check_file(path)
