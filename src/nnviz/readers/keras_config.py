"""Model configs of every Keras era (Keras 1, Keras 2 / tf.keras, Keras 3) into a layer graph.

The same reader serves ``model.to_json()`` output, the ``model_config`` of
``.h5`` files, ``config.json`` of ``.keras`` zips and the metadata of
SavedModels. Nothing in a config is ever run: a ``Lambda``'s bytecode stays a
string, and custom classes become layers of unknown shape.

>>> cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
...     {"class_name": "InputLayer", "config": {"batch_shape": [None, 13], "name": "x"}},
...     {"class_name": "Dense", "config": {"name": "d", "units": 10}}]}}
>>> g = read_model_config(cfg)
>>> [(l.name, l.type, l.config["units"] if "units" in l.config else None) for l in g.layers], g.inferred
([('x', 'InputLayer', None), ('d', 'Dense', 10)], False)

The graph is what the config states: shapes and parameter counts come from the inference stage,
which :func:`nnviz.load` runs next (:func:`nnviz.loading.infer`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping, Sequence
from itertools import accumulate, chain, count
from typing import Any, Callable

from ..errors import ReadError
from ..graph import Call, Layer, LayerGraph, TensorRef, Weight, new_layer
from ..layers.aliases import modernize
from ..layers.names import MODEL_TYPES, NameCounter, major_version

__all__ = ["read_model_config", "build_graph", "config_from_json_text", "check_layer_count", "MAX_LAYERS",
           "MAX_DEPTH"]

MAX_LAYERS = 200_000  # layers in one model, nested ones included
MAX_DEPTH = 64        # nesting of models inside models

StoredWeights = Mapping[tuple[str, ...], Sequence[Weight]]


MAX_NESTING = 500      # JSON objects and lists inside each other; real configs stay far below


def check_nesting(data: Any, *, path: object = None, what: str = "the JSON") -> Any:
    """Refuse data nested deeper than :data:`MAX_NESTING`, measured without recursion.

    Python's own recursion limit depends on how deep the caller already is, so a file near it
    would pass or fail by accident; this limit does not.

    >>> check_nesting({"a": [1, {"b": 2}]})
    {'a': [1, {'b': 2}]}
    """
    # the containers at one depth, a level at a time (no tuple per value); their values chained
    level = [data] if isinstance(data, (dict, list)) else []
    depth = 1
    while level:
        if depth > MAX_NESTING:
            raise ReadError(f"{what} is nested too deeply (over {MAX_NESTING} levels)", path=path)
        values = chain.from_iterable([item.values() if isinstance(item, dict) else item for item in level])
        level = [v for v in values if isinstance(v, (dict, list))]
        depth += 1
    return data


# JSON text reduced to its brackets and quotes: every other ASCII character deleted
_BRACKETS_AND_QUOTES = dict.fromkeys(i for i in range(128) if chr(i) not in '[]{}"')
_OPEN_TWO_CLOSE_ZERO = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_text_depth(text: str) -> int:
    """How deeply the objects and lists of *valid* JSON text nest (what :func:`check_nesting` measures
    on the parsed data, read off the text at the speed of ``str`` methods: at 50,000 layers the
    walk over the parsed data cost more than parsing it).

    Escapes go first (``\\\\`` pairs, then ``\\"``), then every character but brackets and quotes;
    an adjacent pair of quotes then joins two strings or drops an empty one, and the strings left
    (those holding brackets) are cut out between their quotes. The depth is the highest count of
    open brackets not yet closed.

    >>> json_text_depth('{"a": [1, {"b": "]]\\\\\\"[{"}], "c": []}'), json_text_depth("3")
    (3, 0)
    """
    plain = text.replace("\\\\", "").replace('\\"', "").translate(_BRACKETS_AND_QUOTES).replace('""', "")
    if '"' in plain:
        plain = "".join(plain.split('"')[::2])
    if not plain:
        return 0
    # an open bracket counts 2, a close 0: after k brackets the sum less k is the depth there
    steps = plain.encode("ascii", "ignore").translate(_OPEN_TWO_CLOSE_ZERO)
    return max(map(operator.sub, accumulate(steps), count(1)))


def config_from_json_text(text: str, *, path: object = None) -> Any:
    """Parse JSON text with the limits nnviz applies to any file (:data:`MAX_NESTING`: measured on the
    text, as :func:`check_nesting` would on the data)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ReadError("JSON is nested too deeply", path=path) from None
    except json.JSONDecodeError as err:
        raise ReadError(f"not valid JSON ({err.msg} at line {err.lineno} column {err.colno})",
                        path=path) from None
    except ValueError:  # an integer past Python's int-string limit (sys.get_int_max_str_digits())
        raise ReadError("the JSON holds an integer of thousands of digits", path=path) from None
    if json_text_depth(text) > MAX_NESTING:
        raise ReadError(f"the JSON is nested too deeply (over {MAX_NESTING} levels)", path=path)
    return data


def check_layer_count(config: Any, *, path: object = None) -> int:
    """Count the layer entries of a config or spec (nested models included) before anything is built.

    Every reader calls this first, so a file of a million layers is refused in milliseconds
    rather than after minutes of building. Counting stops past the limit.

    >>> check_layer_count({"class_name": "Sequential", "config": {"layers": [{}, {}]}})
    2

    Raises:
        ReadError: more than :data:`MAX_LAYERS` layers.
    """
    count = 0
    stack = [config]
    while stack:
        obj = stack.pop()
        if type(obj) is dict or isinstance(obj, Mapping):  # (a dict first: the ABC's check is slow)
            entries = obj.get("layers")
            inner = obj.get("config")
            if type(inner) is dict or inner is not None and isinstance(inner, (Mapping, list)):
                stack.append(inner)
        elif isinstance(obj, list):  # a Keras 1 Sequential config is the list of its layers
            entries = obj
        else:
            continue
        if isinstance(entries, list):
            count += len(entries)
            if count > MAX_LAYERS:
                raise ReadError(f"the model has more than {MAX_LAYERS:,} layers (nnviz's limit)", path=path)
            stack += [e for e in entries if type(e) is dict or isinstance(e, Mapping)]
    return count


def read_model_config(config: Any, *, path: object = None, keras_version: str | None = None,
                      stored: StoredWeights | None = None,
                      weights_loader: Callable[[str], list] | None = None,
                      stored_complete: bool = False) -> LayerGraph:
    """Read a model config (``{"class_name", "config"}``) of any Keras era.

    Args:
        config: the parsed JSON config.
        path: the file it came from, for messages.
        keras_version: the version that wrote it, when the file says.
        stored: weight shapes found in the file, keyed by the path of layer names.
        weights_loader: a function that loads a layer's weights on demand.
        stored_complete: ``stored`` lists every top-level layer that has weights (a legacy
            ``.h5`` file's ``model_weights``), so a layer missing from it has none.

    Returns:
        The layer graph as the config states it (``inferred`` false): types, configs and wiring;
        :func:`nnviz.loading.infer` computes its shapes and parameter counts.

    Raises:
        ReadError: when the config is not a model config or is inconsistent.
    """
    if isinstance(config, list):  # a bare Keras 1 Sequential list
        config = {"class_name": "Sequential", "config": config}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ReadError("not a Keras model config (no 'class_name')", path=path)
    if keras_version is None and isinstance(config.get("keras_version"), str):
        keras_version = config["keras_version"]
    check_layer_count(config, path=path)
    builder = _Builder(keras_version, stored or {}, path)
    builder.stored_complete = stored_complete and bool(stored)
    builder.default_dim_ordering = _model_dim_ordering(config) if builder.major == 1 else None
    try:
        graph = builder.model(config, (), depth=0)
    except RecursionError:
        raise ReadError("model config is nested too deeply", path=path) from None
    except ReadError as err:
        raise err.with_context(path=path)
    except (LookupError, TypeError, ValueError, AttributeError, ArithmeticError) as err:
        raise ReadError(f"malformed model config ({type(err).__name__}: {err})", path=path) from err
    graph = graph.replace(source=None if path is None else str(path), keras_version=keras_version,
                          weights_loader=weights_loader, warnings=(*graph.warnings, *builder.warnings))
    return graph


def build_graph(config: Any, **kwargs: Any) -> LayerGraph:
    """The graph of a config without inference (types, configs and wiring only): ``read_model_config``."""
    return read_model_config(config, **kwargs)


class _Builder:
    def __init__(self, keras_version: str | None, stored: StoredWeights, path: object) -> None:
        self.major = major_version(keras_version)
        self.stored = stored
        self.path = path
        self.count = 0
        self.warnings: list[str] = []
        self.default_dim_ordering: str | None = None
        self.stored_complete = False

    # -- layers ---------------------------------------------------------------
    def layer(self, entry: Mapping[str, Any], scope: tuple[str, ...], depth: int,
              name: str | None = None) -> Layer:
        self.count += 1
        if self.count > MAX_LAYERS:
            raise ReadError(f"the model has more than {MAX_LAYERS:,} layers (nnviz's limit)")
        if type(entry) is not dict and not isinstance(entry, Mapping):
            raise ReadError(f"a layer entry is {type(entry).__name__}, not an object")
        cls = entry.get("class_name")
        if isinstance(cls, str) and ">" in cls:
            # Keras 3 writing legacy .h5 stores a custom class by its registered name,
            # "Package>ClassName": the layer is what the class is called
            cls = cls.rpartition(">")[2]
        if not isinstance(cls, str) or not cls:
            raise ReadError("a layer entry has no 'class_name'")
        raw_cfg = entry.get("config")
        if raw_cfg is None:
            raw_cfg = {}
        is_map = type(raw_cfg) is dict or isinstance(raw_cfg, Mapping)
        if cls in MODEL_TYPES or (is_map and "layers" in raw_cfg and _looks_like_model(raw_cfg)) or (
                isinstance(raw_cfg, list) and cls == "Sequential"):
            sub_name = name or (raw_cfg.get("name") if isinstance(raw_cfg, Mapping) else None) or "model"
            sub = self.model(entry, (*scope, sub_name), depth + 1)
            sub_cfg = dict(raw_cfg) if isinstance(raw_cfg, Mapping) else {"layers": raw_cfg}
            t = "Functional" if cls == "Model" else cls
            if t not in MODEL_TYPES:
                t = "Functional"
            return Layer(sub_name, t, sub_cfg, subgraph=sub)
        if not is_map:
            raise ReadError(f"the config of a {cls} layer is not an object")
        if (self.default_dim_ordering and "dim_ordering" not in raw_cfg and "data_format" not in raw_cfg
                and ("2D" in cls or "3D" in cls)):
            # Keras 1.0.x left dim_ordering out of some configs (UpSampling2D); the layer used the
            # same global ordering as the layers that state it
            raw_cfg = {**raw_cfg, "dim_ordering": self.default_dim_ordering}
        modern, cfg = modernize(cls, raw_cfg)
        _legacy_defaults(modern, cfg)
        if not cfg.keys().isdisjoint(_WRAPPED_KEYS):  # a wrapper: its inner layers' configs modernised too
            for key in _WRAPPED_KEYS:
                sub = cfg.get(key)
                if isinstance(sub, Mapping) and isinstance(sub.get("class_name"), str):
                    icls, icfg = modernize(sub["class_name"], sub.get("config") or {})
                    _legacy_defaults(icls, icfg)
                    cfg[key] = {**sub, "class_name": icls, "config": icfg}
        lname = name or cfg.get("name")
        if not isinstance(lname, str) or not lname:
            raise ReadError(f"a {cls} layer has no name")
        notes: tuple[str, ...] = ()
        if modern == "Lambda":
            notes = ("Lambda: its function is stored as code, which nnviz never runs",)
        stored = self.stored.get((*scope, lname)) if self.stored else None
        module = entry.get("module")
        if stored is None and isinstance(module, str) and module.startswith(("keras.src.ops.", "keras.ops.")):
            stored = []  # a Keras 3 operation (GetItem, NotEqual) called on tensors holds no weights
        if stored is None and self.stored_complete and not scope:
            stored = []  # Keras files every layer with weights; Keras 3 operations are not layers
        build = entry.get("build_config")
        return new_layer(lname, modern, cfg, stored_weights=tuple(stored) if stored is not None else None,
                         notes=notes, build_config=build if type(build) is dict or build is not None
                         and isinstance(build, Mapping) else None)

    # -- models ---------------------------------------------------------------
    def model(self, entry: Mapping[str, Any], scope: tuple[str, ...], depth: int) -> LayerGraph:
        if depth > 64:
            raise ReadError("models are nested more than 64 deep")
        cls = entry.get("class_name")
        cfg = entry.get("config")
        if cls == "Sequential" or isinstance(cfg, list):
            return self.sequential(cfg, scope, depth, entry)
        if not isinstance(cfg, Mapping) or not isinstance(cfg.get("layers"), list):
            raise ReadError(f"a {cls} model config has no 'layers' list")
        if not cfg["layers"]:
            # Keras cannot build a Functional model without inputs either; nothing to draw
            raise ReadError(f"a {cls} model config with no layers")
        return self.functional(cfg, scope, depth)

    def sequential(self, cfg: Any, scope: tuple[str, ...], depth: int,
                   entry: Mapping[str, Any]) -> LayerGraph:
        if isinstance(cfg, list):
            entries, name, build_shape = cfg, None, None
        elif isinstance(cfg, Mapping):
            entries = cfg.get("layers")
            name = cfg.get("name")
            build_shape = cfg.get("build_input_shape")
            if not isinstance(entries, list):
                raise ReadError("a Sequential config has no 'layers' list")
        else:
            raise ReadError("a Sequential config is neither a list nor an object")
        name = name if isinstance(name, str) else (scope[-1] if scope else "sequential")
        layers: list[Layer] = []
        for e in entries:
            layers.append(self.layer(e, scope, depth))
        names = [l.name for l in layers]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})[0]
            raise ReadError(f"two layers are named {dup!r}")
        if not layers or layers[0].type != "InputLayer":
            shape = None
            if layers:
                first = layers[0].config
                shape = _legacy_input_shape(first)
                if shape is None and layers[0].subgraph is not None:
                    shape = None
            if shape is None and build_shape is not None:
                shape = build_shape
            input_name = f"{layers[0].name}_input" if layers else "input"
            counter = NameCounter(set(names))
            if input_name in names:
                input_name = counter.next("InputLayer")
            in_layer = Layer(input_name, "InputLayer",
                             {"batch_shape": list(shape) if shape is not None else None, "name": input_name})
            if shape is None and layers:
                self.warnings.append(f"Sequential {name!r} states no input shape: shapes are unknown")
            layers.insert(0, in_layer)
        calls = [Call(layers[0].name, 0, ())]
        for prev, layer in zip(layers, layers[1:]):
            calls.append(Call(layer.name, 0, (TensorRef(prev.name),)))
        return LayerGraph(name, layers, calls, [TensorRef(layers[0].name)], [TensorRef(layers[-1].name)],
                          class_name="Sequential", inferred=False)

    def functional(self, cfg: Mapping[str, Any], scope: tuple[str, ...], depth: int) -> LayerGraph:
        name = cfg.get("name") if isinstance(cfg.get("name"), str) else (scope[-1] if scope else "model")
        layers: list[Layer] = []
        raw_calls: list[tuple[str, int, list[TensorRef]]] = []
        seen: set[str] = set()
        recorded: dict[TensorRef, tuple] = {}
        arguments: dict[tuple[str, int], dict[str, Any]] = {}
        for e in cfg["layers"]:
            if type(e) is not dict and not isinstance(e, Mapping):
                raise ReadError("a layer entry is not an object")
            outer = e.get("name")
            if not isinstance(outer, str):
                c = e.get("config")
                outer = c.get("name") if isinstance(c, Mapping) else None
            if not isinstance(outer, str) or not outer:
                raise ReadError(f"a {e.get('class_name')} layer has no name")
            if outer in seen:
                raise ReadError(f"two layers are named {outer!r}")
            seen.add(outer)
            layer = self.layer(e, scope, depth, name=outer)
            layers.append(layer)
            nodes = e.get("inbound_nodes") or []
            if not isinstance(nodes, list):
                raise ReadError("'inbound_nodes' is not a list", layer=outer)
            if layer.type == "InputLayer" and not nodes:
                raw_calls.append((outer, 0, []))
            for i, node in enumerate(nodes):
                refs = _node_refs(node, recorded)
                raw_calls.append((outer, i, refs))
                if type(node) is not dict or node.get("kwargs"):  # (Keras 3's empty kwargs: none)
                    found = _node_arguments(node)
                    if found:
                        arguments[(outer, i)] = found
        by_name = {l.name: l for l in layers}
        n_calls: dict[str, int] = {}
        for lname, _, _ in raw_calls:
            n_calls[lname] = n_calls.get(lname, 0) + 1
        inputs = [_to_ref(t) for t in _triples(cfg.get("input_layers"))]
        outputs = [_to_ref(t) for t in _triples(cfg.get("output_layers"))]
        all_refs = [r for _, _, refs in raw_calls for r in refs] + inputs + outputs
        fix = self._node_offsets(all_refs, n_calls, by_name)
        for r in all_refs:
            if r.layer not in by_name:
                raise ReadError(f"refers to a layer {r.layer!r} that the model does not have")
        calls = [Call(lname, i, tuple(map(fix, refs)), arguments=arguments.get((lname, i)) or None)
                 for lname, i, refs in raw_calls]
        for c in calls:
            if len(c.inputs) > 1 and len(c.inputs) != len(set(c.inputs)):
                self.warnings.append(f"{c.layer!r} reads the same tensor twice (a known Keras quirk)")
        if not inputs:
            inputs = [TensorRef(l.name) for l in layers if l.type == "InputLayer"]
        if not outputs:
            consumed = {r.layer for c in calls for r in c.inputs}
            outputs = [TensorRef(l.name) for l in layers if l.name not in consumed and l.type != "InputLayer"]
        return LayerGraph(name, layers, calls, [fix(r) for r in inputs], [fix(r) for r in outputs],
                          class_name="Functional", recorded_shapes={fix(r): s for r, s in recorded.items()},
                          inferred=False)

    def _node_offsets(self, refs: list[TensorRef], n_calls: Mapping[str, int],
                      by_name: Mapping[str, Layer]) -> Callable[[TensorRef], TensorRef]:
        """Map node indices onto call indices.

        Keras 1/2 count a nested model's own first node (built on its Input), so its
        first call is node 1; Keras 3 numbers calls from 0 but still offsets
        ``output_layers``. Shift when every reference is past the end, else clamp.
        """
        # one pass over the references (not one per layer): 10,000-layer configs stay linear
        lowest: dict[str, int] = {}
        highest: dict[str, int] = {}
        for r in refs:
            name, call = r.layer, r.call
            low = lowest.get(name)
            if low is None:
                lowest[name] = highest[name] = call
            elif call < low:
                lowest[name] = call
            elif call > highest[name]:
                highest[name] = call
        shift: dict[str, int] = {}
        for lname in lowest:
            n = n_calls.get(lname, 0)
            if n and highest[lname] >= n and lowest[lname] >= 1:
                shift[lname] = 1

        def fix(r: TensorRef) -> TensorRef:
            n = n_calls.get(r.layer, 0)
            if 0 <= r.call < n and r.layer not in shift:  # the usual reference: a call the layer has
                return r
            call = r.call - shift.get(r.layer, 0)
            call = max(0, min(call, n - 1)) if n else 0
            return TensorRef(r.layer, call, r.tensor) if call != r.call else r

        return fix


_WRAPPED_KEYS = ("layer", "forward_layer", "backward_layer")  # a wrapper's inner layers, by config key


def _legacy_defaults(cls: str, cfg: dict[str, Any]) -> None:
    """Defaults that changed between eras, made explicit (newer configs always state them).

    GRU's ``reset_after`` was False before the key existed (Keras 1, Keras 2 < 2.1.5); Keras 3
    defaults to True, which is what a spec without the key means.
    """
    if cls in ("GRU", "GRUCell"):
        cfg.setdefault("reset_after", False)


def _model_dim_ordering(config: Any) -> str | None:
    """The one ``dim_ordering`` a Keras 1 model's layers state, if they agree."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if isinstance(v.get("dim_ordering"), str):
                found.add(v["dim_ordering"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(config)
    return found.pop() if len(found) == 1 else None


def _looks_like_model(cfg: Mapping[str, Any]) -> bool:
    return isinstance(cfg.get("layers"), list) and ("input_layers" in cfg or "output_layers" in cfg)


def _legacy_input_shape(cfg: Mapping[str, Any]) -> list | None:
    if cfg.get("batch_input_shape") is not None:
        return list(cfg["batch_input_shape"])
    if cfg.get("batch_shape") is not None:
        return list(cfg["batch_shape"])
    if cfg.get("input_shape") is not None:
        return [None, *cfg["input_shape"]]
    if cfg.get("input_dim") is not None:
        if cfg.get("input_length") is not None or "input_length" in cfg and cfg.get("output_dim"):
            return [None, cfg.get("input_length"), cfg["input_dim"]]
        return [None, cfg["input_dim"]]
    return None


def _triples(value: Any) -> list[list]:
    """Every ``[name, node, tensor]`` in a nested structure (input_layers of any era)."""
    out: list[list] = []
    if isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int) and isinstance(
                value[2], int):
            return [value]
        for v in value:
            out.extend(_triples(v))
    elif isinstance(value, dict):
        for k in sorted(value) if not _is_keras_tensor(value) else ():
            out.extend(_triples(value[k]))
    return out


def _is_keras_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _to_ref(t: Sequence[Any]) -> TensorRef:
    name, node, tensor = t[0], t[1], t[2]
    if type(node) is int and type(tensor) is int and node >= 0 and tensor >= 0:  # the usual case, quickly
        return TensorRef(str(name), node, tensor)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in (node, tensor)):
        raise ReadError(f"a reference to {name!r} has indices that are not integers ({list(t[:3])!r:.80})")
    if node < 0 or tensor < 0:
        raise ReadError(f"a reference to {name!r} has a negative index ({list(t[:3])!r:.80})")
    return TensorRef(str(name), node, tensor)


def _node_arguments(node: Any) -> dict[str, Any]:
    """A call's plain keyword arguments (``return_attention_scores``...), tensors left out.

    Keras 3 keeps them in the node's ``kwargs``; Keras 2 / tf.keras repeat them as the
    fourth item of each inbound entry; Keras 1 records none.
    """
    found: list[Any] = []
    if isinstance(node, dict):
        found.append(node.get("kwargs"))
    elif isinstance(node, list):
        found.extend(e[3] for e in node if isinstance(e, list) and len(e) > 3)
    out: dict[str, Any] = {}
    for kwargs in found:
        if isinstance(kwargs, dict):
            for k, v in kwargs.items():
                if isinstance(k, str) and (v is None or isinstance(v, (bool, int, float, str))):
                    out.setdefault(k, v)
    return out


def _plain_keras3_node(node: Any) -> list[dict] | None:
    """The tensors of the usual Keras 3 node, ``{"args": [tensor, ...] or [[tensor, ...]], "kwargs": {}}``,
    in order; ``None`` for any other node (:func:`_node_refs` walks those).

    >>> t = {"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}
    >>> len(_plain_keras3_node({"args": [[t, t]], "kwargs": {}})), _plain_keras3_node({"args": [t], "kwargs": {"mask": t}})
    (2, None)
    """
    if type(node) is not dict or node.get("kwargs") or node.get("class_name") == "__keras_tensor__":
        return None
    args = node.get("args")
    if type(args) is not list:
        return None
    if len(args) == 1 and type(args[0]) is list:
        args = args[0]
    for v in args:
        if type(v) is not dict or v.get("class_name") != "__keras_tensor__":
            return None
    return args


def _plain_keras2_node(node: Any) -> bool:
    """Whether a node is the usual Keras 1/2 one, a list of ``[name, node, tensor]`` or ``[name, node,
    tensor, {}]`` (nothing in the kwargs): its references are those triples, in order.

    >>> _plain_keras2_node([["a", 0, 0, {}], ["b", 1, 0]]), _plain_keras2_node([["a", 0, 0, {"mask": ["m", 0, 0]}]])
    (True, False)
    """
    if type(node) is not list:
        return False
    for v in node:
        if (type(v) is not list or not (len(v) == 3 or len(v) == 4 and not v[3]) or type(v[0]) is not str
                or type(v[1]) is not int or type(v[2]) is not int or v[0] == "_CONSTANT_VALUE"):
            return False
    return True


def _node_refs(node: Any, recorded: dict[TensorRef, tuple] | None = None) -> list[TensorRef]:
    """The tensors one inbound node reads, in order, for every era's node format.

    Keras 3 records each tensor's shape too; those go into ``recorded``.
    """
    refs: list[TensorRef] = []

    def tensor(v: dict) -> None:
        config = v.get("config") or {}
        hist = config.get("keras_history")
        if isinstance(hist, list) and len(hist) >= 3:
            ref = _to_ref(hist)
            refs.append(ref)
            shape = config.get("shape")
            if recorded is not None and isinstance(shape, list):
                recorded[ref] = tuple(shape)

    plain = _plain_keras3_node(node)
    if plain is not None:  # what walk() finds, without walking
        for v in plain:
            tensor(v)
        return refs
    if _plain_keras2_node(node):
        return [_to_ref(v) for v in node]

    def walk(v: Any) -> None:
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            tensor(v)
            return
        if isinstance(v, dict):
            if "args" in v or "kwargs" in v:
                walk(v.get("args"))
                walk(v.get("kwargs"))
                return
            for k in v:
                walk(v[k])
            return
        if isinstance(v, list):
            if len(v) >= 3 and isinstance(v[0], str) and isinstance(v[1], int) and isinstance(v[2], int):
                if v[0] == "_CONSTANT_VALUE":
                    return
                refs.append(_to_ref(v))
                if len(v) > 3:
                    walk(v[3])  # Keras 2 kwargs may hold more tensors
                return
            for x in v:
                walk(x)

    walk(node)
    return refs
