"""Files that store no graph: the model's layer tree from its stored variables.

A ``.keras`` file of a subclassed or KerasHub model, a KerasHub preset folder and a bare weights
file (Keras 3 ``.weights.h5``, sharded weights with their ``.weights.json`` index, Keras 2
``save_weights`` ``.h5``) hold variables but no data flow: a subclassed model's ``call`` is code,
and a KerasHub config holds hyperparameters. What they do hold is the tree of layers that own the
variables (Keras 3 stores ``layers/<snake_case class>/.../vars/<i>``, each ``vars`` group naming
its layer). nnviz reads that tree, dataset *shapes* only (no weight values, no code), and makes a
:class:`~nnviz.graph.LayerGraph` with ``has_graph = False``: layers with exact parameter counts,
nested through ``subgraph``, and no calls. Every HDF5 read goes through
:func:`~nnviz.readers.h5safe.open_h5` in the isolated child (:mod:`nnviz.readers.isolate`).

>>> layer = lambda k: {"key": k, "name": k, "vars": {"0": (4, 2), "1": (2,)}, "children": []}
>>> root = {"key": "", "name": "m", "vars": {}, "children": [   # what scan_keras3 reads from a file
...     {"key": "layers", "name": None, "vars": None, "children": [layer("dense"), layer("dense_1")]}]}
>>> g = tree_graph(root, source="m.h5")
>>> g.has_graph, g.total_params, [(l.name, l.type, l.params) for l in g.layers]
(False, 20, [('dense', 'Dense', 10), ('dense_1', 'Dense', 10)])
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from ..errors import NnvizError, ReadError
from ..graph import Layer, LayerGraph, Weight
from ..layertree import fold_siblings

__all__ = ["scan_keras3", "scan_legacy", "tree_graph", "known_class", "read_weights_tree", "read_sharded", "read_preset",
           "fold_siblings", "is_graphless_config", "NO_GRAPH_NOTE", "MAX_TREE_NODES"]

MAX_TREE_NODES = 200_000   # layers in one tree (the limit of a model's layers)
MAX_TREE_DEPTH = 64        # layers inside layers
MAX_SHARDS = 10_000
NO_GRAPH_NOTE = "this file stores no graph: the layer tree of its stored weights, without data flow"

Node = dict  # {"key": storage name, "name": layer name or None, "vars": [shape, ...], "children": [Node]}


def _natural(key: str) -> tuple:
    """``dense_2`` before ``dense_10``: Keras numbers repeated names."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def _attr_name(group: Any) -> str | None:
    value = group.attrs.get("name")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


class _Budget:
    def __init__(self, path: object) -> None:
        self.left = MAX_TREE_NODES
        self.path = path

    def take(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise ReadError(f"more than {MAX_TREE_NODES:,} layers in the weights tree", path=self.path)


def _is_group(obj: Any) -> bool:
    return hasattr(obj, "keys") and not hasattr(obj, "dtype")


def _raw(group: Any, key: str, depth: int, budget: _Budget) -> Node:
    """Every group under ``group`` as stored: its ``vars`` shapes (``None`` without a ``vars``
    group) and sub-groups. Interpreted later (:func:`_interpret`), after shards are merged."""
    budget.take()
    if depth > MAX_TREE_DEPTH:
        raise ReadError(f"layers nested more than {MAX_TREE_DEPTH} deep in the weights tree", path=budget.path)
    shapes = name = None
    children = []
    for k in sorted(group, key=_natural):
        child = group[k]
        if not _is_group(child):
            continue
        if k == "vars":
            name = _attr_name(child)
            shapes = {i: tuple(int(d) for d in child[i].shape) for i in child
                      if hasattr(child[i], "shape") and child[i].shape is not None}
        elif not (depth == 0 and k in ("optimizer", "metrics")):
            children.append(_raw(child, k, depth + 1, budget))
    return {"key": key, "name": name, "vars": shapes, "children": children}


def _interpret(children: list[Node], in_list: bool, prefix: str = "") -> list[Node]:
    """Layers from stored groups: a group with ``vars`` is a layer; one without is a container (a
    model's ``layers``, a list attribute) whose layers count as its parent's. Keras names a layer in
    a list after its class, a layer held in an attribute after the attribute."""
    out: list[Node] = []
    for c in children:
        path = f"{prefix}/{c['key']}" if prefix else c["key"]
        if c["vars"] is None:
            out.extend(_interpret(c["children"], True, path))
        else:
            shapes = [c["vars"][k] for k in sorted(c["vars"], key=_natural)]
            out.append({"key": c["key"], "name": c["name"], "vars": shapes, "class_key": in_list,
                        "path": path, "children": _interpret(c["children"], False, path)})
    return out


def scan_keras3(f: Any, *, path: object) -> Node:
    """The stored groups of an open Keras 3 weights file (``layers/...``, or tf.keras 2.13's
    ``_layer_checkpoint_dependencies/...``): storage names, layer names and variable shapes."""
    return _raw(f, "", 0, _Budget(path))


def scan_legacy(f: Any, *, path: object) -> Node:
    """The layers of a Keras 1/2 ``save_weights`` file (``layer_names``, each with ``weight_names``)."""
    from .h5format import split_attr, weights_group

    g = weights_group(f)
    budget = _Budget(path)
    children = []
    for name in split_attr(g, "layer_names"):
        budget.take()
        if name not in g:
            continue
        grp = g[name]
        shapes = []
        for w in split_attr(grp, "weight_names"):
            ds = grp.get(w)
            if ds is not None and hasattr(ds, "shape"):
                shapes.append(tuple(int(d) for d in ds.shape))
        children.append({"key": name, "name": name, "vars": {str(i): s for i, s in enumerate(shapes)}, "children": []})
    return {"key": "", "name": None, "vars": None, "children": [{"key": "layers", "name": None, "vars": None,
                                                                  "children": children}]}


def _merge(a: Node, b: Node) -> Node:
    """One tree from two shards' trees (each shard holds some layers' variables)."""
    by_key = {c["key"]: i for i, c in enumerate(a["children"])}
    children = list(a["children"])
    for c in b["children"]:
        if c["key"] in by_key:
            children[by_key[c["key"]]] = _merge(children[by_key[c["key"]]], c)
        else:
            children.append(c)
    children.sort(key=lambda c: _natural(c["key"]))
    # one layer's variables may lie in several shards
    vars_ = None if a["vars"] is None and b["vars"] is None else {**(a["vars"] or {}), **(b["vars"] or {})}
    return {"key": a["key"], "name": a["name"] or b["name"], "vars": vars_, "children": children}


# -- the tree as a layer graph ---------------------------------------------------------------------

def _type_names() -> dict[str, str]:
    from ..layers.names import snake_case
    from ..layers.registry import registered

    out = {snake_case(c): c for c in registered()}
    out.update({"input_layer": "InputLayer", "functional": "Functional", "sequential": "Sequential"})
    return out


_TYPES: dict[str, str] | None = None


def class_of(key: str) -> str:
    """The class a storage name stands for: ``gemma_decoder_block_1`` → ``GemmaDecoderBlock``.

    Keras names a layer's storage group after its class (snake_case, numbered); the registry's
    names restore Keras's capitals (``conv2d`` → ``Conv2D``), others are CamelCased.

    >>> class_of("gemma_decoder_block_1"), class_of("conv2d_3"), class_of("batch_normalization")
    ('GemmaDecoderBlock', 'Conv2D', 'BatchNormalization')
    """
    global _TYPES
    if _TYPES is None:
        _TYPES = _type_names()
    base = re.sub(r"_\d+$", "", key) or key
    if base in _TYPES:
        return _TYPES[base]
    return "".join(p[:1].upper() + p[1:] for p in base.split("_") if p) or key


def known_class(name: str | None) -> str | None:
    """The Keras class whose automatic name ``name`` is (``dense_7`` → ``Dense``), or ``None``.

    A layer held in an attribute is stored under the attribute's name, so its class shows only in its
    own name, when Keras chose it: ``snake_case(class)`` numbered. Only classes nnviz knows are
    recognised (``query`` or ``encoder`` name no class), and the tree asks only for layers without
    sublayers (a custom layer named ``attention`` is no ``keras.layers.Attention``).

    >>> known_class("dense_7"), known_class("layer_normalization"), known_class("query")
    ('Dense', 'LayerNormalization', None)
    """
    global _TYPES
    if _TYPES is None:
        _TYPES = _type_names()
    if not name:
        return None
    return _TYPES.get(re.sub(r"_\d+$", "", name) or name)


def _weights(node: Node, prefix: str, cls: str | None = None) -> tuple[Weight, ...]:
    shapes = node["vars"]
    frozen: set[int] = set()
    if (cls == "BatchNormalization" or re.sub(r"_\d+$", "", node["key"]) == "batch_normalization") \
            and len(shapes) >= 2:
        frozen = {len(shapes) - 2, len(shapes) - 1}  # moving mean and variance come last
    return tuple(Weight(f"{prefix}/vars/{i}", s, i not in frozen) for i, s in enumerate(shapes))


def _layers(nodes: list[Node], name: str, source: str) -> LayerGraph:
    names = [n["name"] or n["key"] for n in nodes]
    if len(set(names)) != len(names):  # layer names clash: the storage names never do
        names = [n["key"] for n in nodes]
    layers = []
    for n, lname in zip(nodes, names):
        path = n["path"]
        # in a list, Keras stores a layer under its class's name; in an attribute, under the attribute's
        # (only a leaf: a layer named "attention" that holds sublayers is no keras.layers.Attention)
        cls = class_of(n["key"]) if n["class_key"] else \
            (known_class(n["name"]) if not n["children"] else None) or "Layer"
        own = _weights(n, path, cls)
        sub = _layers(n["children"], lname, source) if n["children"] else None
        tr = sum(w.size for w in own if w.trainable) + (sub.trainable_params if sub else 0)
        nt = sum(w.size for w in own if not w.trainable) + (sub.non_trainable_params if sub else 0)
        layers.append(Layer(lname, cls, config={"storage_path": path}, params=tr + nt,
                            trainable_params=tr, non_trainable_params=nt, weights=own, stored_weights=own,
                            subgraph=sub, shape_known=False))
    return LayerGraph(name, layers, [], [], [], class_name="Tree", source=source, has_graph=False)


def tree_graph(root: Node, *, source: str, name: str | None = None,
               hyperparameters: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
               class_name: str | None = None) -> LayerGraph:
    """The layer graph (``has_graph = False``) of a scanned tree."""
    model_name = name or root.get("name") or Path(str(source)).name
    g = _layers(_interpret(root["children"], False), model_name, source)
    own = _weights({"key": "", "vars": [root["vars"][k] for k in sorted(root["vars"] or {}, key=_natural)]}, "")
    if own:  # variables of the model itself (rare): one row for them
        extra = Layer("(model variables)", class_name or "Model", params=sum(w.size for w in own),
                      trainable_params=sum(w.size for w in own), weights=own, shape_known=False,
                      config={"storage_path": "vars"})
        g = _layers([], model_name, source).with_layers([*g.layers, extra], [])
    return g.replace(model_class=class_name, hyperparameters=dict(hyperparameters) if hyperparameters else None,
                     metadata=dict(metadata) if metadata else None, warnings=(*g.warnings, NO_GRAPH_NOTE))


# -- the sources -------------------------------------------------------------------------------------

def _scan_file(path: Path) -> Node:
    from .h5format import H5_ERRORS, weights_group
    from .h5safe import open_h5

    try:
        with open_h5(path, path=path) as f:
            if "layers" in f or "_layer_checkpoint_dependencies" in f or "vars" in f:
                return scan_keras3(f, path=path)
            if "layer_names" in weights_group(f).attrs:
                return scan_legacy(f, path=path)
    except NnvizError:
        raise
    except H5_ERRORS as err:
        raise ReadError(f"the weights file cannot be read ({err})", path=path) from err
    raise ReadError("an HDF5 file without a model config or Keras weights", path=path)


def read_weights_tree(path: str | Path, **info: Any) -> LayerGraph:
    """A bare weights file (Keras 3 ``.weights.h5`` or Keras 2 ``save_weights`` ``.h5``) as a layer tree."""
    from .isolate import run_isolated

    path = Path(path)
    root = run_isolated(_scan_file, path, path=path)
    return tree_graph(root, source=str(path), **info)


def read_sharded(path: Path, index: Mapping[str, Any], **info: Any) -> LayerGraph:
    """Sharded Keras 3 weights: the ``.weights.json`` index and the shard files beside it."""
    from .isolate import run_isolated

    weight_map = index.get("weight_map")
    if not isinstance(weight_map, dict):
        raise ReadError("a sharded weights index without a 'weight_map'", path=path)
    shards = sorted({v for value in weight_map.values() for v in ([value] if isinstance(value, str) else value)
                     if isinstance(v, str)} if all(isinstance(v, (str, list)) for v in weight_map.values())
                    else ())
    if len(shards) > MAX_SHARDS:
        raise ReadError(f"more than {MAX_SHARDS:,} shards", path=path)
    root: Node = {"key": "", "name": None, "vars": None, "children": []}
    for shard in shards:
        # a shard is a file beside the index, named plainly: nothing elsewhere is read
        if Path(shard).name != shard or shard in (".", ".."):
            raise ReadError(f"shard {shard!r} is not a file name beside the index", path=path)
        file = path.parent / shard
        if not file.is_file():
            raise ReadError(f"shard {shard!r} is missing", path=path)
        root = _merge(root, run_isolated(_scan_file, file, path=file))
    return tree_graph(root, source=str(path), **info)


def is_graphless_config(config: Any) -> bool:
    """A Keras 3 config of a model that is not Sequential or Functional (a subclassed or KerasHub
    model): its ``config`` holds the constructor's arguments, not layers."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        return False
    inner = config.get("config")
    if config["class_name"] in ("Sequential", "Functional", "Model") and isinstance(inner, dict) \
            and "layers" in inner:
        return False
    return isinstance(inner, dict) and "layers" not in inner or inner is None


def hyperparameters_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The plain hyperparameters of a model config (numbers, strings, booleans, short lists)."""
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    out = {}
    for key, value in inner.items():
        if key in ("name", "trainable", "dtype"):
            continue
        if value is None or isinstance(value, (bool, int, float, str)) or (
                isinstance(value, list) and len(value) <= 16 and all(isinstance(v, (int, float, str)) for v in value)):
            out[key] = value
    return out


def _read_json(file: Path, limit: int = 1 << 20) -> Any:
    from .keras_config import config_from_json_text

    if file.stat().st_size > limit:
        raise ReadError(f"{file.name} is larger than {limit:,} bytes", path=file)
    try:
        return config_from_json_text(file.read_bytes().decode("utf-8-sig"), path=file)
    except UnicodeDecodeError as err:
        raise ReadError(f"{file.name} is not UTF-8 text", path=file) from err


def is_preset(path: Path) -> bool:
    """A KerasHub preset folder (``save_to_preset``): ``config.json`` with a model config inside."""
    return path.is_dir() and (path / "config.json").is_file() and not (path / "saved_model.pb").exists()


def read_preset(path: str | Path) -> LayerGraph:
    """A KerasHub preset folder: ``config.json`` (the backbone's hyperparameters), ``metadata.json``,
    ``task.json`` / ``preprocessor.json`` when present, and the tree of ``model.weights.h5`` (or of a
    sharded ``model.weights.json``)."""
    path = Path(path)
    config = _read_json(path / "config.json", 64 << 20)
    if not isinstance(config, dict):
        raise ReadError("config.json is not a model config", path=path / "config.json")
    metadata: dict[str, Any] = {}
    if (path / "metadata.json").is_file():
        meta = _read_json(path / "metadata.json")
        if isinstance(meta, dict):
            metadata.update({k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool, list))})
    for extra in ("task.json", "preprocessor.json"):
        if (path / extra).is_file():
            data = _read_json(path / extra, 64 << 20)
            if isinstance(data, dict) and isinstance(data.get("class_name"), str):
                metadata[extra[:-5]] = data["class_name"]
    if not is_graphless_config(config):
        raise ReadError("config.json of this folder is not a KerasHub model config", path=path)
    info = dict(hyperparameters=hyperparameters_of(config), metadata=metadata,
                class_name=config.get("class_name"), name=(config.get("config") or {}).get("name"))
    if (path / "model.weights.h5").is_file():
        graph = read_weights_tree(path / "model.weights.h5", **info)
    elif (path / "model.weights.json").is_file():
        index = _read_json(path / "model.weights.json", 64 << 20)
        graph = read_sharded(path / "model.weights.json", index if isinstance(index, dict) else {}, **info)
    else:
            raise ReadError("a preset folder without model.weights.h5: nnviz draws a preset from its stored "
                        "weights", path=path, hint="save the preset with its weights (backbone.save_to_preset(folder))")
    return graph.replace(source=str(path))


def json_index(data: Any) -> bool:
    """A sharded weights index (``{"weight_map": {...}}``)."""
    return isinstance(data, dict) and isinstance(data.get("weight_map"), dict) and "class_name" not in data
