"""The nnviz JSON spec: a small format for networks written by hand.

::

    {"name": "deepnn", "description": "10-6-3-1 with dropout",
     "input_shape": [10],
     "layers": [
        {"type": "Dense", "units": 6, "activation": "relu", "name": "h1"},
        {"type": "Dropout", "rate": 0.2},
        {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "output"}]}

- ``input_shape`` (one input, named ``input``) or ``inputs: {"name": shape, ...}``;
  shapes never include the batch dimension.
- ``layers``: Keras argument names; ``type`` is the Keras class name. A layer
  without ``name`` is named as Keras would (``dense``, ``dense_1``...).
- Each layer reads the previous one unless it lists ``inputs: [names]``.
- ``{"reuse": "shared", "inputs": [...]}`` calls an earlier layer again (a
  shared layer); later layers read that call as ``"shared:1"``.
- A layer of ``type`` ``Sequential`` or ``Model`` with its own ``layers`` is a
  nested model (its input is whatever it is called on).
- ``outputs: [names]`` (optional; default: the last layer).

>>> g = read_spec({"input_shape": [13], "layers": [{"type": "Dense", "units": 10}, {"type": "Dense", "units": 1}]})
>>> [l.name for l in g.layers], g.inferred
(['input', 'dense', 'dense_1'], False)

The graph is what the spec states; :func:`nnviz.load` runs the inference stage next, which
computes shapes and parameter counts (and refuses cycles and shapes that do not fit).
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Mapping
from typing import Any

from ..dataflow import follow_chain
from ..errors import ReadError
from ..formatting import short_repr
from ..graph import Call, Layer, LayerGraph, TensorRef
from ..layers.aliases import CLASS_ALIASES, modernize
from ..layers.names import MODEL_TYPES, NameCounter
from ..layers.registry import MAX_DIM, check_config_sizes, registered
from .keras_config import MAX_DEPTH, check_layer_count

__all__ = ["read_spec", "is_spec", "SPEC_KEYS"]

# "gallery": drawing options the gallery uses for this example ({"color_by": "macs"}); read by nnviz.gallery
SPEC_KEYS = {"name", "description", "input_shape", "inputs", "layers", "outputs", "nnviz", "$schema", "gallery"}
_RESERVED = {"type", "name", "inputs", "reuse", "description"}


def is_spec(data: Any) -> bool:
    """Whether parsed JSON looks like an nnviz spec (rather than a Keras config)."""
    return isinstance(data, dict) and "class_name" not in data and "layers" in data


def _known_types() -> set[str]:
    return set(registered()) | set(CLASS_ALIASES) | {"InputLayer", "Merge", *MODEL_TYPES}


def _shape(value: Any, where: str) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ReadError(f"{where} must be a list of sizes, got {short_repr(value)}")
    out = []
    for d in value:
        if d is None:
            out.append(None)
        elif isinstance(d, int) and not isinstance(d, bool) and 0 < d <= MAX_DIM:
            out.append(d)
        else:
            raise ReadError(f"{where} has an invalid size {short_repr(d)} (sizes are positive integers or null)")
    return (None, *out)


def _parse_ref(text: Any, layer: str) -> TensorRef:
    if not isinstance(text, str) or not text:
        raise ReadError(f"inputs must be layer names, got {short_repr(text)}", layer=layer)
    name, _, idx = text.partition(":")
    if idx:
        if not (idx.isascii() and idx.isdigit() and len(idx) <= 9):
            raise ReadError(f"bad input reference {short_repr(text)} (use 'name' or 'name:call')", layer=layer)
        return TensorRef(name, int(idx))
    return TensorRef(name)


def _build(spec: Mapping[str, Any], scope: str, counter: NameCounter, depth: int,
           nested: bool) -> LayerGraph:
    if depth > MAX_DEPTH:
        raise ReadError(f"models are nested more than {MAX_DEPTH} deep")
    if not isinstance(spec.get("layers"), list) or not spec["layers"]:
        raise ReadError("a spec needs a non-empty 'layers' list")
    known = _known_types()
    layers: list[Layer] = []
    calls: list[Call] = []
    inputs: list[TensorRef] = []
    name = spec.get("name", scope)
    if not isinstance(name, str):
        raise ReadError("'name' must be a string")

    if "inputs" in spec and isinstance(spec["inputs"], Mapping):
        items = list(spec["inputs"].items())
    elif "input_shape" in spec:
        items = [("input", spec["input_shape"])]
    elif nested:
        items = [(f"{name}_input", None)]
    else:
        raise ReadError("a spec needs 'input_shape' (or 'inputs': {name: shape})")
    for iname, shape in items:
        counter.taken.add(iname)
        batch = None if shape is None else list(_shape(shape, f"input {iname!r}"))
        layers.append(Layer(iname, "InputLayer", {"batch_shape": batch, "name": iname}))
        calls.append(Call(iname, 0, ()))
        inputs.append(TensorRef(iname))

    names = {l.name for l in layers}
    call_count: dict[str, int] = {l.name: 1 for l in layers}
    previous = TensorRef(layers[-1].name)
    for i, entry in enumerate(spec["layers"]):
        if type(entry) is not dict and not isinstance(entry, Mapping):  # (a dict first: the ABC's check is slow)
            raise ReadError(f"layer #{i + 1} is not an object")
        if "reuse" in entry:
            target = entry["reuse"]
            if not isinstance(target, str) or target not in names:
                raise ReadError(f"layer #{i + 1} reuses {target!r}, which is not defined before it")
            raw = entry.get("inputs") or []
            raw = [raw] if isinstance(raw, str) else raw
            if not isinstance(raw, list):
                raise ReadError("'inputs' must be a list of layer names", layer=target)
            refs = tuple(_parse_ref(r, target) for r in raw) or (previous,)
            idx = call_count[target]
            call_count[target] = idx + 1
            calls.append(Call(target, idx, refs))
            previous = TensorRef(target, idx)
            continue
        ltype = entry.get("type")
        if not isinstance(ltype, str):
            raise ReadError(f"layer #{i + 1} has no 'type'")
        if ltype not in known:
            close = difflib.get_close_matches(ltype, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see `nnviz layers` for the known types"
            raise ReadError(f"unknown layer type {ltype!r}", layer=entry.get("name") or f"#{i + 1}",
                            hint=hint)
        lname = entry.get("name")
        if lname is None:
            lname = counter.next(modernize(ltype, {})[0] if ltype not in MODEL_TYPES else ltype)
        if not isinstance(lname, str) or not lname or ":" in lname:
            raise ReadError(f"layer #{i + 1} has an invalid name {lname!r}")
        if lname in names:
            raise ReadError(f"two layers are named {lname!r}", layer=lname)
        counter.taken.add(lname)
        names.add(lname)
        raw_inputs = entry.get("inputs")
        if raw_inputs is None:
            refs = (previous,)
        else:
            if isinstance(raw_inputs, str):
                raw_inputs = [raw_inputs]
            if not isinstance(raw_inputs, list) or not raw_inputs:
                raise ReadError("'inputs' must be a non-empty list of layer names", layer=lname)
            refs = tuple(_parse_ref(r, lname) for r in raw_inputs)
        if ltype in MODEL_TYPES:
            sub = _build(entry, lname, NameCounter(), depth + 1, nested=True)
            cfg = {k: v for k, v in entry.items() if k not in ("layers", "inputs", "type")}
            layer = Layer(lname, "Functional" if ltype == "Model" else ltype, cfg, subgraph=sub)
        else:
            cfg = {k: v for k, v in entry.items() if k not in _RESERVED}
            cfg["name"] = lname
            modern, cfg = modernize(ltype, cfg)
            check_keras_names(modern, cfg, lname)
            check_config_sizes(cfg, layer=lname, whole_floats=False)
            layer = Layer(lname, modern, cfg)
        layers.append(layer)
        calls.append(Call(lname, 0, refs))
        call_count[lname] = 1
        previous = TensorRef(lname)

    for c in calls:
        for r in c.inputs:
            if r.layer not in names:
                close = difflib.get_close_matches(r.layer, sorted(names), n=1)
                raise ReadError(f"reads from {r.layer!r}, which is not a layer or input of the model",
                                layer=c.layer, hint=f"did you mean {close[0]!r}?" if close else None)
            if r.call >= call_count[r.layer]:
                raise ReadError(f"reads call {r.call} of {r.layer!r}, which is called only "
                                f"{call_count[r.layer]} time(s)", layer=c.layer)
    outs = spec.get("outputs")
    if outs is None:
        outputs = [previous]
    else:
        if isinstance(outs, str):
            outs = [outs]
        if not isinstance(outs, list) or not outs:
            raise ReadError("'outputs' must be a list of layer names")
        outputs = [_parse_ref(o, "outputs") for o in outs]
        for o in outputs:
            if o.layer not in names:
                raise ReadError(f"output {o.layer!r} is not a layer of the model")
    class_name = "Sequential" if follow_chain(calls, inputs, outputs)[1] is None else "Functional"
    return LayerGraph(name, layers, calls, inputs, outputs, class_name=class_name, inferred=False)


@functools.lru_cache(maxsize=1)
def keras_names() -> dict[str, Any]:
    """Keras's argument names per layer class and its activation names (``layers/keras_names.json``).

    Generated once from Keras 3 and tf_keras by ``tools/keras_tables.py``: TensorFlow is not
    needed, or imported, to read a spec.
    """
    from importlib.resources import files

    data = json.loads(files("nnviz.layers").joinpath("keras_names.json").read_text(encoding="utf-8"))
    return {"activations": frozenset(data["activations"]),
            "arguments": {cls: frozenset(names) for cls, names in data["arguments"].items()}}


def check_keras_names(cls: str, cfg: Mapping[str, Any], lname: str) -> None:
    """Refuse an argument or activation name Keras does not have, with the closest one.

    Only hand-written specs are checked: files written by Keras carry era-specific keys.

    >>> check_keras_names("Dense", {"name": "d", "unit": 10}, "d")
    Traceback (most recent call last):
    ...
    nnviz.errors.ReadError: layer 'd': Dense has no argument 'unit' (did you mean 'units'?)
    >>> check_keras_names("Dense", {"units": 3, "activation": "rleu"}, "d")
    Traceback (most recent call last):
    ...
    nnviz.errors.ReadError: layer 'd': unknown activation 'rleu' (did you mean 'relu'?)
    """
    names = keras_names()
    allowed = names["arguments"].get(cls)
    if allowed is not None:  # a class Keras does not have (nnviz's own) is not checked
        for key in cfg:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"{cls} takes {', '.join(sorted(allowed))}"
                raise ReadError(f"{cls} has no argument {key!r}", layer=lname, hint=hint)
    for key, value in cfg.items():
        if key.endswith("activation") and isinstance(value, str) and value not in names["activations"]:
            close = difflib.get_close_matches(value, sorted(names["activations"]), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "see keras.activations for the names"
            raise ReadError(f"unknown activation {value!r}", layer=lname, hint=hint)


def read_spec(spec: Any, *, path: object = None) -> LayerGraph:
    """Read an nnviz spec (a parsed JSON object) into a layer graph as the spec states it.

    Raises:
        ReadError: unknown layer types, unknown keys, dangling inputs.
    """
    if not isinstance(spec, Mapping):
        raise ReadError("a spec must be a JSON object", path=path)
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if unknown:
        raise ReadError(f"unknown top-level key {unknown[0]!r} in the spec", path=path,
                        hint=f"allowed: {', '.join(sorted(SPEC_KEYS))}")
    check_layer_count(spec, path=path)  # before building anything: a million layers is refused at once
    try:
        graph = _build(spec, "model", NameCounter(), 0, nested=False)
    except RecursionError:
        raise ReadError("the spec is nested too deeply", path=path) from None
    except ReadError as err:
        raise err.with_context(path=path)
    return graph.replace(source=None if path is None else str(path),
                         description=spec.get("description") if isinstance(spec.get("description"), str) else None)
