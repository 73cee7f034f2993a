"""A mutation fuzzer for nnviz's readers: every exception outside ``NnvizError`` is a bug.

It starts from real model files (``../shared/real-models/`` when present, ``examples/``) and
small generated ones (``.h5``, ``.keras``, ``to_json()`` configs of every era, nnviz specs, a
SavedModel directory), mutates them (bit flips, truncation, zip member swaps, JSON and HDF5
structure mutations, absurd sizes, and HDF5 objects replaced by reads outside the file: external
storage, external and soft links, virtual datasets, in ``.h5`` files and in a ``.keras`` zip's
weights) and reads each mutant with :func:`nnviz.load`, then summarises it and loads its weights
the way the CLI would. A mutant may fail only with an :class:`~nnviz.errors.NnvizError`, within a
time limit; one that reads outside itself must fail so, and a weight holding bytes of the files
it points at is a bug too. Anything else is saved with its traceback under the output folder to
reproduce it.

Usage::

    python tools/fuzz_files.py --cases 10000            # the release check: must find nothing
    python tools/fuzz_files.py --cases 200 --seed 7 --jobs 2 --out /tmp/fuzz
    python tools/fuzz_files.py --replay /tmp/fuzz/bug-0001.h5
    python tools/fuzz_files.py --names --cases 300 --draw graphviz,png,node   # hostile names, every output

Case ``i`` of seed ``s`` is the same mutant on every run (``--first i --cases 1`` repeats it).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from nnviz.readers.savedmodel import varint_bytes

ROOT = Path(__file__).resolve().parent.parent
REAL_MODELS = ROOT.parent / "shared" / "real-models"
EXAMPLES = ROOT / "examples"

__all__ = ["Bug", "Report", "fuzz", "make_seeds", "check_file", "main"]


# -- seeds ------------------------------------------------------------------------------------

@dataclass
class Seed:
    """One starting input: a file's bytes, or a directory's files (a SavedModel)."""

    name: str
    suffix: str               # ".h5", ".keras", ".json", "" (a directory)
    data: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.files:
            return "dir"
        if self.data.startswith(b"\x89HDF"):
            return "h5"
        if self.data.startswith(b"PK"):
            return "zip"
        return "json"


def _kt(name: str, shape: list, node: int = 0, tensor: int = 0) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [name, node, tensor]}}


def _k3_layer(cls: str, name: str, cfg: dict, args: list, **extra: Any) -> dict:
    entry = {"module": "keras.layers", "class_name": cls, "config": {"name": name, **cfg},
             "registered_name": None, "name": name,
             "inbound_nodes": [{"args": args, "kwargs": {}}] if args else []}
    entry.update(extra)
    return entry


def k3_config() -> dict:
    """A Keras 3 functional config: branches, merges, a nested Sequential, a Lambda, a custom layer."""
    inner = {"module": "keras", "class_name": "Sequential", "config": {"name": "block", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 8], "name": "block_in"}},
        {"class_name": "Dense", "config": {"name": "bd", "units": 8, "activation": "relu"}},
        {"class_name": "BatchNormalization", "config": {"name": "bn"}}]},
        "name": "block", "inbound_nodes": [{"args": [_kt("d1", [None, 8])], "kwargs": {}}]}
    layers = [
        _k3_layer("InputLayer", "img", {"batch_shape": [None, 8, 8, 1]}, []),
        _k3_layer("InputLayer", "vec", {"batch_shape": [None, 4]}, []),
        _k3_layer("Conv2D", "c1", {"filters": 4, "kernel_size": [3, 3], "padding": "same"}, [_kt("img", [None, 8, 8, 1])]),
        _k3_layer("MaxPooling2D", "p1", {"pool_size": [2, 2]}, [_kt("c1", [None, 8, 8, 4])]),
        _k3_layer("Flatten", "f1", {}, [_kt("p1", [None, 4, 4, 4])]),
        _k3_layer("Dense", "d1", {"units": 8}, [_kt("f1", [None, 64])]),
        inner,
        _k3_layer("Dense", "d2", {"units": 8}, [_kt("vec", [None, 4])]),
        _k3_layer("Lambda", "lam", {"function": {"class_name": "__lambda__", "config": {"code": "4wEAAAA=",
                                                                                        "defaults": None}}},
                  [_kt("d2", [None, 8])]),
        {"module": None, "class_name": "MyScale", "config": {"name": "scale"}, "registered_name": "My>MyScale",
         "build_config": {"input_shape": [None, 8]}, "name": "scale",
         "inbound_nodes": [{"args": [_kt("lam", [None, 8])], "kwargs": {}}]},
        _k3_layer("Add", "add", {}, [[_kt("block", [None, 8]), _kt("scale", [None, 8])]]),
        _k3_layer("Concatenate", "cat", {"axis": -1}, [[_kt("add", [None, 8]), _kt("d1", [None, 8])]]),
        _k3_layer("Dropout", "drop", {"rate": 0.5}, [_kt("cat", [None, 16])]),
        _k3_layer("Dense", "out", {"units": 3, "activation": "softmax"}, [_kt("drop", [None, 16])]),
    ]
    return {"module": "keras", "class_name": "Functional", "config": {
        "name": "k3net", "trainable": True, "layers": layers,
        "input_layers": [["img", 0, 0], ["vec", 0, 0]], "output_layers": [["out", 0, 0]]},
        "registered_name": "Functional"}


def k2_config() -> dict:
    """A Keras 2 ``Model`` config: list inbound nodes, a shared layer called twice, an RNN."""
    def layer(cls: str, name: str, cfg: dict, nodes: list) -> dict:
        return {"class_name": cls, "name": name, "config": {"name": name, **cfg}, "inbound_nodes": nodes}

    layers = [
        layer("InputLayer", "a", {"batch_input_shape": [None, 10, 6]}, []),
        layer("InputLayer", "b", {"batch_input_shape": [None, 10, 6]}, []),
        layer("LSTM", "shared", {"units": 5, "return_sequences": False},
              [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]),
        layer("Subtract", "sub", {}, [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]),
        layer("Dense", "out", {"units": 1, "activation": "sigmoid"}, [[["sub", 0, 0, {}]]]),
    ]
    return {"class_name": "Model", "keras_version": "2.4.0", "backend": "tensorflow", "config": {
        "name": "siamese", "layers": layers, "input_layers": [["a", 0, 0], ["b", 0, 0]],
        "output_layers": [["out", 0, 0]]}}


def k1_config() -> list:
    """A Keras 1 Sequential: a bare list with Keras 1 argument names."""
    return [
        {"class_name": "Convolution2D", "config": {"name": "conv", "nb_filter": 4, "nb_row": 3, "nb_col": 3,
                                                   "border_mode": "valid", "dim_ordering": "tf",
                                                   "batch_input_shape": [None, 10, 10, 3]}},
        {"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [2, 2], "dim_ordering": "tf"}},
        {"class_name": "Flatten", "config": {"name": "flat"}},
        {"class_name": "Dense", "config": {"name": "dense", "output_dim": 3, "activation": "softmax"}},
    ]


def spec_config() -> dict:
    """An nnviz spec with two inputs, a shared layer, a nested model and explicit outputs."""
    return {"name": "specnet", "inputs": {"left": [12], "right": [12]}, "layers": [
        {"type": "Dense", "units": 6, "name": "enc", "inputs": ["left"]},
        {"reuse": "enc", "inputs": ["right"]},
        {"type": "Concatenate", "inputs": ["enc", "enc:1"], "name": "cat"},
        {"type": "Sequential", "name": "head", "layers": [{"type": "Dense", "units": 4}, {"type": "Dropout",
                                                                                          "rate": 0.1}]},
        {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "out"}],
        "outputs": ["out"]}


def _h5_bytes(config: Any, weights: dict[str, dict[str, tuple]], version: str = "2.4.0") -> bytes:
    import h5py
    import numpy as np

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = version
        f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n in weights])
        for lname, ws in weights.items():
            lg = g.create_group(lname)
            lg.attrs["weight_names"] = np.array([w.encode() for w in ws])
            for wname, shape in ws.items():
                lg.create_dataset(wname, data=np.full(shape, 0.5, "float32"))
    return buf.getvalue()


def _keras_zip_bytes(config: Any) -> bytes:
    import h5py
    import numpy as np

    wbuf = io.BytesIO()
    with h5py.File(wbuf, "w") as f:
        for group, shapes in {"layers/conv2d": [(3, 3, 1, 4), (4,)], "layers/dense": [(64, 8), (8,)],
                              "layers/dense_1": [(4, 8), (8,)], "layers/my_scale": [(8,)],
                              "layers/dense_2": [(16, 3), (3,)],
                              "layers/sequential/layers/dense": [(8, 8), (8,)]}.items():
            vars_ = f.create_group(f"{group}/vars")
            for i, shape in enumerate(shapes):
                vars_.create_dataset(str(i), data=np.ones(shape, "float32"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0", "date_saved": "2024-01-01"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", wbuf.getvalue())
    return buf.getvalue()




def _pb_field(number: int, payload: bytes) -> bytes:
    return varint_bytes(number << 3 | 2) + varint_bytes(len(payload)) + payload


def saved_metadata(meta: dict) -> bytes:
    """A ``keras_metadata.pb`` whose root node carries ``meta`` as JSON."""
    node = varint_bytes(2 << 3) + varint_bytes(0) + _pb_field(3, b"root") + _pb_field(4, b"_tf_keras_model")
    node += _pb_field(5, json.dumps(meta).encode())
    child = _pb_field(3, b"root.layer-0") + _pb_field(5, b'{"class_name": "Dense"}')
    return _pb_field(1, node) + _pb_field(1, child)


def generated_seeds() -> list[Seed]:
    """Small model files of every kind, written without TensorFlow."""
    seq_h5 = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "name": "x"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "relu"}},
        {"class_name": "MyCustom", "config": {"name": "custom"}},
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 1}}]}}
    h5 = _h5_bytes(seq_h5, {"dense": {"dense/kernel:0": (3, 2), "dense/bias:0": (2,)},
                            "custom": {"custom/w:0": (2, 2)},
                            "dense_1": {"dense_1/kernel:0": (2, 1), "dense_1/bias:0": (1,)}})
    k2_h5 = _h5_bytes(k2_config(), {"shared": {"shared/kernel:0": (6, 20), "shared/recurrent_kernel:0": (5, 20),
                                               "shared/bias:0": (20,)},
                                    "out": {"out/kernel:0": (5, 1), "out/bias:0": (1,)}})
    sm_meta = {"class_name": "Sequential", "keras_version": "2.15.0", "config": {"name": "sm", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": {"class_name": "TensorShape",
                                                                       "items": [None, 5]}, "name": "x"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}
    return [
        Seed("gen_seq.h5", ".h5", h5),
        Seed("gen_k2.h5", ".h5", k2_h5),
        Seed("gen_k3.keras", ".keras", _keras_zip_bytes(k3_config())),
        Seed("gen_k3.json", ".json", json.dumps(k3_config()).encode()),
        Seed("gen_k2.json", ".json", json.dumps(k2_config()).encode()),
        Seed("gen_k1.json", ".json", json.dumps(k1_config()).encode()),
        Seed("gen_spec.json", ".json", json.dumps(spec_config()).encode()),
        Seed("gen_savedmodel", "", files={"saved_model.pb": b"\x08\x01",
                                          "keras_metadata.pb": saved_metadata(sm_meta)}),
    ]


def file_seeds(folders: list[Path], max_bytes: int = 4 * 2**20) -> list[Seed]:
    """The model files in ``folders`` (real files of every era), small enough to mutate often."""
    out = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            if p.is_file() and p.suffix.lower() in (".h5", ".hdf5", ".keras", ".json") \
                    and p.stat().st_size <= max_bytes:
                out.append(Seed(p.name, p.suffix.lower(), p.read_bytes()))
    return out


def make_seeds(real: bool = True) -> list[Seed]:
    """Every seed: generated ones, plus real and example files when ``real``."""
    seeds = generated_seeds()
    if real:
        seeds += file_seeds([REAL_MODELS, EXAMPLES / "keras"])
        seeds += file_seeds([EXAMPLES])[:6]  # a few hand-written specs
    return seeds


# -- mutations --------------------------------------------------------------------------------

_INTERESTING_INTS = [0, -1, 1, 2, 3, 7, 255, 2**31 - 1, 2**31, 2**32 + 1, 10**12, -(10**12), 2**63, 10**30]
_CLASSES = ["Dense", "Conv2D", "Conv1D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D", "LSTM", "GRU",
            "SimpleRNN", "Bidirectional", "TimeDistributed", "Embedding", "BatchNormalization",
            "LayerNormalization", "MultiHeadAttention", "Attention", "Add", "Concatenate", "Dot", "Multiply",
            "Reshape", "Flatten", "Permute", "RepeatVector", "Lambda", "InputLayer", "Sequential", "Functional",
            "Model", "Merge", "MaxPooling2D", "GlobalAveragePooling2D", "UpSampling2D", "ZeroPadding2D",
            "Cropping2D", "Dropout", "Activation", "Conv3D", "ConvLSTM2D", "Normalization", "TextVectorization",
            "Rescaling", "Resizing", "Masking", "Softmax", "PReLU", "Wrapper", "StackedRNNCells", "RNN",
            "__keras_tensor__", "TensorShape", "system", "Evil>Thing", ""]
_KEYS = ["units", "filters", "kernel_size", "strides", "padding", "pool_size", "rate", "axis", "target_shape",
         "dims", "n", "layer", "layers", "cell", "return_sequences", "input_dim", "output_dim", "batch_shape",
         "batch_input_shape", "input_shape", "data_format", "activation", "dilation_rate", "use_bias",
         "num_heads", "key_dim", "merge_mode", "mode", "inbound_nodes", "input_layers", "output_layers",
         "name", "class_name", "config", "keras_history", "shape", "build_config", "forward_layer", "size",
         "cropping", "depth_multiplier", "groups", "output_padding", "trainable", "dtype", "axes", "module",
         "registered_name", "function", "shared_object_id"]


def _random_value(rng: random.Random, tree: Any) -> Any:
    choice = rng.randrange(16)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice in (2, 3):
        return rng.choice(_INTERESTING_INTS)
    if choice == 4:
        return rng.choice([0.5, -1.5, 1e308, float("nan"), float("inf"), 3.0])
    if choice == 5:
        return rng.choice(["", "x", "same", "valid", "channels_first", "relu", "\x00", "é" * 3, "a" * 5000,
                           "../../etc/passwd", "keras.src.layers", "os", "__import__"])
    if choice == 6:
        return rng.choice([[], {}, [None], [0], [-1, -1], [None, None, None], {"": None}])
    if choice == 7:
        return [rng.choice(_INTERESTING_INTS + [None]) for _ in range(rng.randrange(1, 6))]
    if choice == 8:
        depth = rng.choice([50, 300])  # deeper nesting is made as text (see _mutate_json_bytes)
        v: Any = 1
        for _ in range(depth):
            v = [v]
        return v
    if choice == 9:
        return {"class_name": rng.choice(_CLASSES), "config": {"name": rng.choice(["x", "dense", "a"])}}
    if choice == 10:
        return rng.choice(_CLASSES)
    if choice == 11:
        return _kt(rng.choice(["x", "img", "d1", "out", "nope", "a", "dense"]), [None, rng.choice([1, 8, -3])],
                   rng.choice([0, 1, -1, 5]), rng.choice([0, 1, -1, 99]))
    if choice == 12:
        return [rng.choice(["x", "a", "dense", "d1"]), rng.choice([0, 1, -1, 10**9]), rng.choice([0, -2, 3]), {}]
    # a copy of another part of the same config (duplicated layers, self-reference-like loops)
    nodes = list(_nodes(tree, limit=2000))
    _, sub = rng.choice(nodes) if nodes else ((), None)
    return copy.deepcopy(sub)


def _nodes(tree: Any, limit: int) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of the containers and leaves of a JSON tree, breadth first, at most ``limit``."""
    queue: list[tuple[tuple, Any]] = [((), tree)]
    count = 0
    while queue and count < limit:
        path, v = queue.pop(0)
        count += 1
        yield path, v
        if isinstance(v, dict):
            queue.extend(((*path, k), x) for k, x in v.items())
        elif isinstance(v, list):
            queue.extend(((*path, i), x) for i, x in enumerate(v))


def _get(tree: Any, path: tuple) -> Any:
    for k in path:
        tree = tree[k]
    return tree


def mutate_json(tree: Any, rng: random.Random, rounds: int | None = None) -> Any:
    """Apply a few structural mutations to a parsed JSON config."""
    tree = copy.deepcopy(tree)
    for _ in range(rounds or rng.choice([1, 1, 2, 3, 5])):
        nodes = list(_nodes(tree, limit=4000))
        path, value = rng.choice(nodes)
        if not path:
            if rng.random() < 0.2:
                tree = _random_value(rng, tree)
            continue
        parent = _get(tree, path[:-1])
        key = path[-1]
        op = rng.randrange(10)
        if op == 0:  # delete
            del parent[key]
        elif op in (1, 2):  # replace with anything
            parent[key] = _random_value(rng, tree)
        elif op == 3 and isinstance(value, int) and not isinstance(value, bool):  # absurd or broken sizes
            parent[key] = rng.choice([0, -value, value * 1000, value + 1, 10**12, -1, 2**40])
        elif op == 4 and isinstance(parent, dict):  # a known key with an odd value
            parent[rng.choice(_KEYS)] = _random_value(rng, tree)
        elif op == 5 and isinstance(parent, list):  # duplicate an entry (duplicate names, double calls)
            parent.insert(rng.randrange(len(parent) + 1), copy.deepcopy(value))
        elif op == 6 and isinstance(parent, list) and len(parent) > 1:  # reorder
            j = rng.randrange(len(parent))
            parent[key], parent[j] = parent[j], parent[key]
        elif op == 7:  # type swap
            if isinstance(value, list):
                parent[key] = {str(i): v for i, v in enumerate(value)}
            elif isinstance(value, dict):
                parent[key] = list(value.values())
            elif isinstance(value, str):
                parent[key] = len(value)
            else:
                parent[key] = str(value)
        elif op == 8 and isinstance(value, str):  # rename: collisions and references to nothing
            names = [v for _, v in nodes if isinstance(v, str)]
            parent[key] = rng.choice(names + ["", "x:1", value + "_"])
        elif op == 9 and isinstance(value, dict) and "class_name" in value:  # another layer class
            value["class_name"] = rng.choice(_CLASSES)
        else:
            parent[key] = _random_value(rng, tree)
    return tree


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """Byte-level damage: flips, overwrites, truncation, deletion, duplication, insertion."""
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    out = bytearray(data)
    op = rng.randrange(8)
    n = len(out)
    if op == 0:
        for _ in range(rng.choice([1, 2, 4, 16, 64])):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
    elif op == 1:
        for _ in range(rng.choice([1, 4, 16])):
            out[rng.randrange(n)] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    elif op == 2:
        del out[rng.randrange(n):]
    elif op == 3:
        a = rng.randrange(n)
        del out[a:a + rng.randrange(1, 4096)]
    elif op == 4:
        a = rng.randrange(n)
        out[a:a] = out[a:a + rng.randrange(1, 4096)]
    elif op == 5:
        a = rng.randrange(n + 1)
        out[a:a] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    elif op == 6:
        a = rng.randrange(n)
        out[a:a + rng.randrange(1, 512)] = b"\x00" * min(512, n - a)
    else:
        # damage near the start, where headers and superblocks live
        for _ in range(rng.choice([1, 3])):
            out[rng.randrange(min(n, 512))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _mutate_json_bytes(data: bytes, rng: random.Random) -> bytes:
    try:
        tree = json.loads(data)
    except (ValueError, RecursionError):
        return mutate_bytes(data, rng)
    roll = rng.random()
    if roll < 0.04:
        # JSON nested thousands deep, in the place of one value of the config
        depth = rng.choice([1000, 20000, 200000])
        text = data.decode("utf-8", "replace")
        at = text.find(":", rng.randrange(max(1, len(text))))
        if at < 0:
            return ("[" * depth + "]" * depth).encode()
        end = at + 1 + len(text[at + 1:]) - len(text[at + 1:].lstrip())
        return (text[:end] + "[" * depth + "1" + "]" * depth + "," + text[end:]).encode()
    if roll < 0.88:
        try:
            return json.dumps(mutate_json(tree, rng)).encode()
        except (RecursionError, ValueError):
            return mutate_bytes(data, rng)
    return mutate_bytes(data, rng)


def _mutate_zip(data: bytes, rng: random.Random, workdir: Path | None = None) -> bytes:
    if rng.random() < 0.3:
        return mutate_bytes(data, rng)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - an unreadable seed is mutated as bytes
        return mutate_bytes(data, rng)
    op = rng.randrange(8)
    names = [n for n, _ in members]
    if op in (0, 1, 2) and "config.json" in names:
        members = [(n, _mutate_json_bytes(d, rng) if n == "config.json" else d) for n, d in members]
    elif op == 3 and len(members) > 1:  # swap the contents of two members
        i, j = rng.sample(range(len(members)), 2)
        (a, da), (b, db) = members[i], members[j]
        members[i], members[j] = (a, db), (b, da)
    elif op == 4 and members:  # drop or rename a member
        i = rng.randrange(len(members))
        if rng.random() < 0.5:
            del members[i]
        else:
            members[i] = (rng.choice(["config.json", "model.weights.h5", "a\\config.json", "metadata.json",
                                      "x.weights.h5", "../config.json"]), members[i][1])
    elif op == 5 and workdir is not None and "model.weights.h5" in names and rng.random() < 0.5:
        # the weights file reads from elsewhere: external storage, a link, a virtual dataset
        i = names.index("model.weights.h5")
        redirected = _redirect_h5_bytes(members[i][1], rng, workdir)
        if redirected is not None:
            members[i] = (members[i][0], redirected)
    elif op == 5 and members:  # damage one member's bytes (the weights file, mostly)
        i = rng.randrange(len(members))
        members[i] = (members[i][0], mutate_bytes(members[i][1], rng))
    elif op == 6:  # a member that inflates past the limits (a small zip bomb)
        members.append((rng.choice(["config.json", "metadata.json"]), b" " * rng.choice([2**21, 3 * 2**20])))
    else:  # duplicate a member
        if members:
            members.append(rng.choice(members))
    buf = io.BytesIO()
    compression = rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, d in members:
            with_warnings_off(lambda: z.writestr(name, d))
    return buf.getvalue()


def with_warnings_off(fn: Callable[[], Any]) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


# -- reads outside the file: HDF5 external storage, links and virtual datasets ----------------

# what a hostile HDF5 file points at; bytes of it in any weight nnviz loads are a leak (a bug)
SECRET = b"NNVIZ-FUZZ-SECRET-BYTES!" * 4
SECRET_DIR = Path(tempfile.gettempdir()) / "nnviz-fuzz-secrets"
# set by make_case when the mutant sends a read outside itself: nnviz must then refuse it
_planted: list[str] = []


def write_secrets() -> Path:
    """The files hostile mutants point at (in a fixed place, so a saved bug replays)."""
    import h5py
    import numpy as np

    SECRET_DIR.mkdir(exist_ok=True)
    (SECRET_DIR / "secret.bin").write_bytes(SECRET)
    if not (SECRET_DIR / "secret.h5").exists():
        tmp = SECRET_DIR / f"secret.{os.getpid()}.h5"
        with h5py.File(tmp, "w") as f:
            f["secret"] = np.frombuffer(SECRET, dtype="<f4")
            f["group/secret"] = np.frombuffer(SECRET, dtype="<f4")
        os.replace(tmp, SECRET_DIR / "secret.h5")
    return SECRET_DIR


def _redirect(f: Any, rng: random.Random) -> str | None:
    """Replace one dataset or group of an open HDF5 file by a read outside it; what was planted."""
    import h5py
    import numpy as np

    objects: list[Any] = []
    f.visititems(lambda _, o: objects.append(o))
    if not objects:
        return None
    obj = rng.choice(objects)
    where = obj.name
    parent, key = obj.parent, where.rsplit("/", 1)[-1]
    is_group = isinstance(obj, h5py.Group)
    shape = (len(SECRET) // 4,) if is_group or obj.dtype.itemsize != 4 or obj.size * 4 > len(SECRET) \
        else obj.shape or (1,)  # h5py gives a scalar dataset no external storage
    del parent[key]
    secrets = write_secrets()
    kind = rng.choice(["external storage", "external link", "soft link", "virtual dataset"])
    if kind == "external storage":
        source = str(secrets / "secret.bin") if rng.random() < 0.8 else "/proc/self/environ"
        parent.create_dataset(key, shape=shape, dtype="<f4",
                              external=[(source, 0, int(np.prod(shape)) * 4)])
    elif kind == "external link":
        target = "/group" if is_group else "/secret"
        parent[key] = h5py.ExternalLink(str(secrets / "secret.h5") if rng.random() < 0.8 else "secret.h5", target)
    elif kind == "soft link":
        others = [o.name for o in objects if o.name != where and not o.name.startswith(where + "/")]
        parent[key] = h5py.SoftLink(rng.choice(others) if others and rng.random() < 0.7 else "/nowhere")
    else:
        layout = h5py.VirtualLayout(shape=(len(SECRET) // 4,), dtype="<f4")
        layout[:] = h5py.VirtualSource(str(secrets / "secret.h5"), "secret", shape=(len(SECRET) // 4,))
        parent.create_virtual_dataset(key, layout)
    return f"{kind} at {where}"


def _redirect_h5_bytes(data: bytes, rng: random.Random, workdir: Path) -> bytes | None:
    """``data`` (an HDF5 file) with one object replaced by a read outside it, or None."""
    import h5py

    tmp = workdir / "h5redirect.h5"
    tmp.write_bytes(data)
    try:
        with h5py.File(tmp, "r+") as f:
            planted = _redirect(f, rng)
    except Exception:  # noqa: BLE001 - a damaged seed: no redirect
        return None
    if planted is None:
        return None
    _planted.append(planted)
    return tmp.read_bytes()


def _mutate_h5(data: bytes, rng: random.Random, workdir: Path) -> bytes:
    """Mutate an HDF5 file's structure with h5py (config, layer names, dataset shapes) or its bytes."""
    roll = rng.random()
    if roll < 0.4:
        return mutate_bytes(data, rng)
    if roll < 0.55:
        redirected = _redirect_h5_bytes(data, rng, workdir)
        if redirected is not None:
            return redirected
    import h5py
    import numpy as np

    tmp = workdir / "h5mut.h5"
    tmp.write_bytes(data)
    try:
        with h5py.File(tmp, "r+") as f:
            op = rng.randrange(5)
            if op <= 1 and "model_config" in f.attrs:
                raw = f.attrs["model_config"]
                text = raw.decode() if isinstance(raw, bytes) else str(raw)
                f.attrs["model_config"] = _mutate_json_bytes(text.encode(), rng).decode("utf-8", "replace")
            elif op == 2:
                grp = f["model_weights"] if "model_weights" in f else f
                if "layer_names" in grp.attrs:
                    names = [bytes(n) for n in grp.attrs["layer_names"]]
                    choice = rng.randrange(4)
                    if choice == 0:
                        names = names + names
                    elif choice == 1:
                        names = names[:-1]
                    elif choice == 2:
                        names = [b"nope"] + names
                    else:
                        del grp.attrs["layer_names"]
                        grp.attrs["layer_names0"] = np.array(names[:1])
                        grp.attrs["layer_names1"] = np.array(names[1:] or [b"x"])
                        names = None
                    if names is not None:
                        grp.attrs["layer_names"] = np.array(names)
            else:
                datasets: list[Any] = []
                f.visititems(lambda _, o: datasets.append(o) if isinstance(o, h5py.Dataset) else None)
                if datasets:
                    ds = rng.choice(datasets)
                    name, parent = ds.name, ds.parent
                    del parent[name.rsplit("/", 1)[-1]]
                    shape = rng.choice([(), (0,), (10**6, 10**6), (2**31, 3), (1,) * 40, (7, 5)])
                    # never allocated: an empty dataset of an absurd shape costs no disk
                    parent.create_dataset(name.rsplit("/", 1)[-1], shape=shape, dtype="f4")
    except Exception:  # noqa: BLE001 - a seed h5py cannot edit is mutated as bytes
        return mutate_bytes(data, rng)
    return tmp.read_bytes()


def _mutate_dir(seed: Seed, rng: random.Random) -> dict[str, bytes]:
    files = dict(seed.files)
    op = rng.randrange(4)
    if op == 0:
        files["keras_metadata.pb"] = mutate_bytes(files["keras_metadata.pb"], rng)
    elif op == 1:
        from nnviz.readers.savedmodel import parse_metadata

        nodes = parse_metadata(files["keras_metadata.pb"])
        meta = json.loads(nodes[0]["metadata"])
        files["keras_metadata.pb"] = saved_metadata(mutate_json(meta, rng))
    elif op == 2:
        del files[rng.choice(sorted(files))]
    else:
        files["keras_metadata.pb"] = files["keras_metadata.pb"][:rng.randrange(len(files["keras_metadata.pb"]))]
    return files


_SUFFIXES = [".h5", ".hdf5", ".keras", ".json", "", ".txt"]


def make_case(seed: Seed, rng: random.Random, workdir: Path) -> Path:
    """Write one mutant of ``seed`` under ``workdir`` and return its path.

    When the mutant sends a read outside itself (HDF5 external storage, an external or soft
    link, a virtual dataset), :data:`_planted` says what and where: nnviz must refuse it.
    """
    _planted.clear()
    suffix = seed.suffix if rng.random() < 0.9 else rng.choice(_SUFFIXES)
    if seed.kind == "dir":
        target = workdir / "case_dir"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        for name, data in _mutate_dir(seed, rng).items():
            (target / name).write_bytes(data)
        return target
    if seed.kind == "json":
        data = _mutate_json_bytes(seed.data, rng)
    elif seed.kind == "zip":
        data = _mutate_zip(seed.data, rng, workdir)
    else:
        data = _mutate_h5(seed.data, rng, workdir)
    target = workdir / f"case{suffix}"
    target.write_bytes(data)
    return target


# -- checking ---------------------------------------------------------------------------------

class CaseTimeout(Exception):
    """A case ran past its time limit (a hang is a bug too)."""


def check_file(path: Path, draw: tuple[str, ...] = ()) -> None:
    """Read ``path`` the way the CLI does; return quietly, or raise ``NnvizError``, or a bug.

    Beyond ``nnviz.load``: the summary table, ``to_dict()`` as JSON, consistent totals,
    and loading the weights of a few layers (lazily read, so errors can surface late);
    then, for each style in ``draw``, a diagram rendered to SVG in memory.
    """
    import nnviz

    graph = nnviz.load(path)
    graph.summary(width=120)
    json.dumps(graph.to_dict())
    check_totals(graph)
    for layer in list(graph.layers)[:8]:
        for name, array in graph.weights(layer.name):
            _no_secret(layer.name, name, array)
    for style in draw:
        _draw(graph, style)


def _no_secret(layer: str, name: str, array: Any) -> None:
    """A weight that holds bytes of the secret files was read from outside its file: a bug."""
    import numpy as np

    try:
        raw = np.asarray(array).tobytes()
    except Exception:  # noqa: BLE001 - an object array: no raw bytes to leak
        return
    if SECRET[:16] in raw:
        raise AssertionError(f"weight {name!r} of {layer!r} holds bytes of another file (a read outside it)")


def _draw(graph: Any, style: str) -> None:
    import matplotlib.pyplot as plt

    import nnviz

    try:
        diagram = nnviz.draw(graph, style=style)
        diagram.figure.savefig(io.BytesIO(), format="svg")
    finally:
        plt.close("all")


def check_totals(graph: Any) -> None:
    """Totals add up and nothing is negative, nested models included; unknown counts are None throughout."""
    for _, layer in graph.walk():
        counts = (layer.params, layer.trainable_params, layer.non_trainable_params)
        if None in counts:
            if counts != (None, None, None):
                raise AssertionError(f"a count of {layer.name!r} is unknown and another is not: {counts}")
            continue
        if layer.params < 0 or layer.trainable_params < 0 or layer.non_trainable_params < 0:
            raise AssertionError(f"negative parameter count in {layer.name!r}")
        if layer.trainable_params + layer.non_trainable_params != layer.params:
            raise AssertionError(f"trainable + non-trainable != params in {layer.name!r}")
        if layer.subgraph is not None and layer.params != layer.subgraph.total_params:
            raise AssertionError(f"nested model {layer.name!r} does not add up")
    known = sum(l.subgraph.total_params if l.params is None and l.subgraph is not None else l.params or 0
                for l in graph.layers)
    if graph.total_params != known:
        raise AssertionError("total_params is not the sum of the layers' known params")


@dataclass
class Bug:
    """One input that made nnviz fail in a way it must not."""

    case: int
    seed: str
    error: str
    signature: str
    saved: Path | None = None


@dataclass
class Report:
    """What a run found: cases tried, how long, clean refusals, and the bugs."""

    cases: int = 0
    seconds: float = 0.0
    read_errors: int = 0
    redirects: int = 0  # mutants that read outside themselves (all must be refused)
    bugs: list[Bug] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary the command prints."""
        sigs = len({b.signature for b in self.bugs})
        return (f"{self.cases} cases in {self.seconds:.1f} s: {self.cases - self.read_errors - len(self.bugs)} "
                f"read, {self.read_errors} ReadError ({self.redirects} reading outside the file), "
                f"{len(self.bugs)} bugs ({sigs} distinct)")


def _bug(err: BaseException) -> BaseException:
    """``err`` raised, so that it carries a traceback like the bugs run_case catches."""
    try:
        raise err
    except BaseException as caught:  # noqa: BLE001
        return caught


def _signature(err: BaseException) -> str:
    tb = traceback.extract_tb(err.__traceback__)
    ours = [f for f in tb if "nnviz" in f.filename and "fuzz_files" not in f.filename] or tb[-1:]
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(err).__name__} at {where}"


def _save(path: Path, out: Path, n: int, text: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    dest = out / f"bug-{n:04d}{path.suffix}"
    if path.is_dir():
        shutil.copytree(path, dest, dirs_exist_ok=True)
    else:
        shutil.copyfile(path, dest)
    (out / f"bug-{n:04d}.txt").write_text(text)
    return dest


def run_case(path: Path, time_limit: float, draw: tuple[str, ...] = (),
             check: Callable[[Path, tuple[str, ...]], None] | None = None) -> BaseException | str:
    """Read one file under a time limit: ``"read"``, ``"refused"`` (an NnvizError), or the bug."""
    from nnviz.errors import NnvizError

    def on_alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"no answer within {time_limit} s")

    use_alarm = hasattr(signal, "setitimer") and time_limit > 0
    if use_alarm:
        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        with_warnings_off(lambda: (check or check_file)(path, draw))
    except NnvizError:
        return "refused"
    except Exception as err:  # noqa: BLE001 - everything else is what we are looking for
        return err
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    return "read"


def fuzz(cases: int, *, seed: int = 0, first: int = 0, out: Path | None = None, real: bool = True,
         time_limit: float = 10.0, seeds: list[Seed] | None = None, draw: tuple[str, ...] = (),
         progress: Callable[[int], None] | None = None, names: bool = False) -> Report:
    """Run ``cases`` mutants (numbers ``first`` .. ``first + cases - 1``) and report the bugs.

    Args:
        cases: how many mutants to try.
        seed: the random seed; case ``i`` of seed ``s`` is always the same mutant.
        first: the number of the first case.
        out: where to save reproducers (default: a new temporary folder, made on the first bug).
        real: start from real and example files too, not only generated ones.
        time_limit: seconds one case may take.
        seeds: the inputs to mutate (default :func:`make_seeds`).
        draw: also draw each model read, in these styles (``block``, ``node``).
        progress: called with the number of cases done, now and then.
        names: fuzz names instead of bytes: configs and specs with hostile layer and model names,
            each written in every format (:func:`check_name_outputs`; ``draw`` may add
            ``graphviz``, ``png``, ``node``).

    Returns:
        A :class:`Report`; ``report.bugs`` is empty when nnviz held.
    """
    from nnviz.readers import isolate

    seeds = seeds if seeds is not None else (name_seeds() if names else make_seeds(real))
    report = Report()
    start = time.perf_counter()
    # a hang inside the HDF5 library is nnviz's to bound (a ReadError), within the case's limit
    saved_limit = isolate.TIME_LIMIT_S
    isolate.TIME_LIMIT_S = min(saved_limit, time_limit / 2)
    try:
        _fuzz_cases(report, seeds, cases, seed, first, out, time_limit, draw, progress, names)
    finally:
        isolate.TIME_LIMIT_S = saved_limit
    report.seconds = time.perf_counter() - start
    return report


def _fuzz_cases(report: Report, seeds: list[Seed], cases: int, seed: int, first: int, out: Path | None,
                time_limit: float, draw: tuple[str, ...], progress: Callable[[int], None] | None,
                names: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="nnviz-fuzz-work-") as work:
        workdir = Path(work)
        for i in range(first, first + cases):
            rng = random.Random(f"{seed}:{i}")
            base = seeds[rng.randrange(len(seeds))]
            path = (make_names_case if names else make_case)(base, rng, workdir)
            err = run_case(path, time_limit, draw, check_name_outputs if names else check_file)
            report.redirects += bool(_planted)
            if _planted and err == "read":
                err = _bug(AssertionError(f"read a file with {_planted[0]}: nnviz must refuse it"))
            report.cases += 1
            if err == "refused":
                report.read_errors += 1
            elif not isinstance(err, str):
                if out is None:
                    out = Path(tempfile.mkdtemp(prefix="nnviz-fuzz-bugs-"))
                n = len(report.bugs) + 1
                flags = (f" --draw {','.join(draw)}" if draw else "") + (" --names" if names else "")
                text = (f"case {i} (seed {seed}) from {base.name}\n"
                        f"replay: python tools/fuzz_files.py --seed {seed} --first {i} --cases 1{flags}\n"
                        f"    or: python tools/fuzz_files.py --replay {out / f'bug-{n:04d}{path.suffix}'}{flags}\n\n"
                        + "".join(traceback.format_exception(err)))
                bug = Bug(i, base.name, f"{type(err).__name__}: {err}"[:300], _signature(err))
                bug.saved = _save(path, out, n, text)
                report.bugs.append(bug)
            if progress is not None and report.cases % 250 == 0:
                progress(report.cases)


# -- hostile names: every output --------------------------------------------------------------

# names a file may give its model and layers: escape sequences (OSC 52 clipboard, clear screen,
# OSC 8 links), CR/BS/NUL, C1 controls, Mermaid directives and comments, the ids the HTML page's
# script looks up, markup, mathtext, DOT escapes, huge names
HOSTILE_NAMES = [
    "\x1b]52;c;aGk=\x07", "\x1b[2J\x1b[H", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "cr\rbs\x08nul\x00",
    "c1\x85\x9b31m\x9d", "del\x7f", "tab\tnl\nvt\x0bff\x0c", "%%{init: {'theme':'dark'}}%%", "x\n%% comment",
    "nnviz-data", "panel-body", "canvas", "view-expanded", "</script><script>alert(1)</script>",
    '"quoted" <b>&amp;', "a$\\frac{$b", "$x_{1}$", "back\\slash\\x1b", "\\N\\G\\l", "ünï©ødé", "",
    "N" * 5000,
]
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # every control character but "\n"


def _layer_names(tree: Any) -> set[str]:
    """The names of layers and models in a config or spec (``name`` values of objects)."""
    names: set[str] = set()
    for _, v in _nodes(tree, limit=100_000):
        if isinstance(v, dict) and isinstance(v.get("name"), str):
            names.add(v["name"])
    return names


def _renamed(tree: Any, mapping: dict[str, str]) -> Any:
    """Every string equal to an old name replaced, so references (inbound nodes, inputs) follow."""
    if isinstance(tree, dict):
        return {k: _renamed(v, mapping) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_renamed(v, mapping) for v in tree]
    if isinstance(tree, str):
        return mapping.get(tree, tree)
    return tree


def hostile_names(tree: Any, rng: random.Random) -> Any:
    """A config or spec with its layer and model names (and some activations) made hostile.

    Names stay unique and keep no ``:`` or ``/`` (which specs and Keras refuse), so most
    cases read, and what is tested is the drawing of what read.
    """
    names = sorted(_layer_names(tree))
    mapping = {}
    for i, old in enumerate(names):
        if rng.random() < 0.7:
            bad = rng.choice(HOSTILE_NAMES) + rng.choice(["", rng.choice(HOSTILE_NAMES)])
            mapping[old] = bad.replace(":", ";").replace("/", "|") + f"_{i}"
    out = _renamed(tree, mapping)
    spec = isinstance(out, dict) and ("input_shape" in out or "inputs" in out)
    if spec and rng.random() < 0.5:
        out["description"] = rng.choice(HOSTILE_NAMES)
    if not spec:  # a spec refuses an unknown activation; a Keras config keeps it as a name
        for _, v in _nodes(out, limit=100_000):
            if isinstance(v, dict) and "activation" in v and rng.random() < 0.3:
                v["activation"] = rng.choice(HOSTILE_NAMES[:9])
    return out


def make_names_case(seed: Seed, rng: random.Random, workdir: Path) -> Path:
    """``seed`` (a JSON config or spec) with hostile names, written under ``workdir``."""
    tree = json.loads(seed.data)
    target = workdir / "names_case.json"
    target.write_text(json.dumps(hostile_names(tree, rng)))
    return target


def _assert_clean(text: str, what: str) -> None:
    bad = _CONTROL.findall(text)
    if bad:
        raise AssertionError(f"{what}: control characters {bad[:5]!r} in the output")


def check_name_outputs(path: Path, draw: tuple[str, ...] = ()) -> None:
    """Read ``path`` and write it in every text and drawing format; each must show names safely.

    The summary and every error line: no control character. SVG (matplotlib, render/svg.py,
    Graphviz): well-formed XML. DOT, Mermaid, HTML: no control character; Mermaid: no ``%``
    (a directive or comment), one statement per line; HTML: only the page's own element has
    each of the page's ids. Raises ``NnvizError`` (a clean refusal) or ``AssertionError`` (a bug).
    """
    import xml.dom.minidom

    import matplotlib.pyplot as plt

    import nnviz
    from nnviz.errors import NnvizError
    from nnviz.render.html import to_html
    from nnviz.render.mermaid import to_mermaid
    from nnviz.render.svg import scene_to_svg

    try:
        graph = nnviz.load(path)
    except NnvizError as err:
        _assert_clean(str(err), "error line")
        raise
    _assert_clean(graph.summary(width=120), "summary")
    try:
        diagram = nnviz.draw(graph, style="block", expand=("all",))
        svg = diagram.to_bytes("svg").decode("utf-8")
        _assert_clean(svg, "matplotlib svg")
        xml.dom.minidom.parseString(svg.encode("utf-8"))
        xml.dom.minidom.parseString(scene_to_svg(diagram.scene).encode("utf-8"))
        from nnviz.render.dot import diagram_view, to_dot

        view, options = diagram_view(diagram)
        _assert_clean(to_dot(view, options), "dot")
        mmd = to_mermaid(view, options)
        _assert_clean(mmd, "mermaid")
        if "%" in mmd:
            raise AssertionError("mermaid: a '%' reached the flowchart (a directive or a comment)")
        stmt = re.compile(r'\s*(flowchart \w+|n\d+\["[^"\n]*"\]:::\w+|n\d+ --> n\d+|classDef \w+ .*|'
                          r'subgraph c\d+\["[^"\n]*"\]|end)$')
        if not all(stmt.match(line) for line in mmd.split("\n")):
            raise AssertionError("mermaid: a label spilled onto a line of its own")
        page = to_html(diagram)
        _assert_clean(page, "html")
        ids = re.findall(r'\bid="([^"]*)"', page)
        for own in ("nnviz-data", "panel-body", "canvas", "search", "view-default", "view-expanded"):
            if ids.count(own) > 1:
                raise AssertionError(f"html: an element of the drawing took the page's id {own!r}")
        if "graphviz" in draw and shutil.which("dot"):
            gv = nnviz.draw(graph, style="block", engine="graphviz", expand=("all",))
            gsvg = gv.to_bytes("svg").decode("utf-8")
            _assert_clean(gsvg, "graphviz svg")
            xml.dom.minidom.parseString(gsvg.encode("utf-8"))
            if {b.id for b in gv.scene.boxes} != set(gv.view.nodes):
                raise AssertionError("graphviz: dot's layout lost blocks (names not read back)")
        if "png" in draw:
            diagram.to_bytes("png")
        if "node" in draw:
            try:
                node = nnviz.draw(graph, style="node")
            except NnvizError:
                pass  # not a chain: the node style says so
            else:
                nsvg = node.to_bytes("svg").decode("utf-8")
                _assert_clean(nsvg, "node svg")
                xml.dom.minidom.parseString(nsvg.encode("utf-8"))
    except NnvizError as err:
        _assert_clean(str(err), "error line")
        raise
    finally:
        plt.close("all")


def name_seeds() -> list[Seed]:
    """The JSON seeds whose names are made hostile: configs of every era and specs (examples too)."""
    seeds = [s for s in generated_seeds() if s.kind == "json"]
    seeds += [Seed(p.name, ".json", p.read_bytes()) for p in sorted(EXAMPLES.glob("*.json"))
              if p.stat().st_size <= 256 * 1024]
    return seeds


# -- command line -----------------------------------------------------------------------------

def _limit_memory(mb: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mb * 2**20, mb * 2**20))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on every platform
        pass


def _worker(args: tuple) -> Report:
    cases, seed, first, out, real, time_limit, mem, draw, names = args
    if mem:
        _limit_memory(mem)
    return fuzz(cases, seed=seed, first=first, out=out, real=real, time_limit=time_limit, draw=draw,
                names=names)


def main(argv: list[str] | None = None) -> int:
    """The command line; exit status 1 when a bug was found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="mutants to try (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--first", type=int, default=0, help="number of the first case (to replay one)")
    parser.add_argument("--jobs", type=int, default=1, help="processes to run in parallel")
    parser.add_argument("--out", type=Path, default=None, help="folder for reproducers (default: a temp folder)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per case (default 10)")
    parser.add_argument("--max-memory-mb", type=int, default=4096,
                        help="address-space limit per process, so a memory blow-up is a bug (0: none)")
    parser.add_argument("--generated-only", action="store_true", help="mutate generated files only")
    parser.add_argument("--draw", default="", help="also draw what reads, e.g. block,node (slower)")
    parser.add_argument("--replay", type=Path, default=None, help="read one saved file and show the traceback")
    parser.add_argument("--names", action="store_true",
                        help="hostile layer and model names (control characters, Mermaid directives, the "
                             "HTML page's ids) written in every format; --draw may add graphviz,png,node")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")

    draw = tuple(s.strip() for s in args.draw.split(",") if s.strip())
    if args.replay is not None:
        from nnviz.errors import NnvizError

        try:
            (check_name_outputs if args.names else check_file)(args.replay, draw)  # else: the traceback
        except NnvizError as err:
            print(f"refused, as it should be: {err}")
            return 0
        print(f"{args.replay}: read without a bug")
        return 0
    out = args.out or Path(tempfile.mkdtemp(prefix="nnviz-fuzz-bugs-"))
    jobs = max(1, args.jobs)
    per = math.ceil(args.cases / jobs)
    chunks = [(min(per, args.cases - j * per), args.seed, args.first + j * per, out / f"job{j}",
               not args.generated_only, args.time_limit, args.max_memory_mb, draw, args.names) for j in range(jobs)
              if args.cases - j * per > 0]
    start = time.perf_counter()
    if jobs == 1:
        reports = [_worker(chunks[0])]
    else:
        from multiprocessing import get_context

        with get_context("spawn").Pool(jobs) as pool:
            reports = pool.map(_worker, chunks)
    total = Report(cases=sum(r.cases for r in reports), seconds=time.perf_counter() - start,
                   read_errors=sum(r.read_errors for r in reports), redirects=sum(r.redirects for r in reports),
                   bugs=[b for r in reports for b in r.bugs])
    print(total.line())
    by_sig: dict[str, list[Bug]] = {}
    for b in total.bugs:
        by_sig.setdefault(b.signature, []).append(b)
    for sig, bugs in sorted(by_sig.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(bugs):5d} x {sig}: {bugs[0].error[:160]}")
        print(f"        e.g. {bugs[0].saved}")
    if not total.bugs:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if total.bugs else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
