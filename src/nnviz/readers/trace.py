"""Tracing a live layer's or model's ``call`` on symbolic tensors (Keras 3, any backend).

A custom layer with sublayers (KerasHub's ``GemmaDecoderBlock``, ``TransformerEncoder``, your own
``Layer`` subclass) and a subclassed ``keras.Model`` have no graph until their ``call`` runs. nnviz
runs it on ``keras.Input`` tensors: every sublayer call and every ``keras.ops`` call between them
records a node, ``keras.Model(inputs, outputs)`` collects them into a Functional graph, and that
graph is walked as any Functional model (:mod:`nnviz.readers.live`). Sublayers that were called
inside are themselves traced, as deep as the code goes.

A symbolic call adds call records (inbound and outbound nodes) to the sublayers it meets; they are
snapshotted before and cut back after, so the user's model keeps exactly the nodes it had. An
unbuilt model is traced as a deep copy, so that its variables are not created on the user's object.

``input_shape`` follows nnviz specs: no batch axis, ``None`` for a free axis, a tuple for one input,
a dict ``{input name: shape}`` for several.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Mapping

from ..errors import NnvizError, ReadError
from ..graph import Layer, LayerGraph, Weight
from .opgraph import walk_functional, weights_of

__all__ = ["trace_model", "expand_layers", "parse_input_shape", "MAX_TRACE_DEPTH"]

MAX_TRACE_DEPTH = 16  # layers traced inside layers
TRACED = "Traced"     # the class_name of a graph traced from a layer's call (summary shows it closed)


def parse_input_shape(value: Any) -> Any:
    """``input_shape`` as nnviz takes it: a tuple (no batch axis), or a dict of them by input name.

    Accepts the CLI's text too: ``"128,64"``, ``"None,64"``, or a list of ``"name=128"`` entries.

    >>> parse_input_shape("128,64"), parse_input_shape((None, 3)), parse_input_shape(["ids=8", "mask=8"])
    ((128, 64), (None, 3), {'ids': (8,), 'mask': (8,)})
    """
    from ..errors import OptionError

    def one(v: Any) -> tuple:
        if isinstance(v, str):
            parts = [p.strip() for p in v.split(",") if p.strip()]
            try:
                return tuple(None if p.lower() in ("none", "?") else int(p) for p in parts)
            except ValueError:
                raise OptionError(f"input shape {v!r}: sizes are integers or None, separated by commas") from None
        if isinstance(v, int) and not isinstance(v, bool):
            return (v,)
        if isinstance(v, (list, tuple)) and all(d is None or (isinstance(d, int) and not isinstance(d, bool)
                                                              and d > 0) for d in v):
            return tuple(v)
        raise OptionError(f"input shape {v!r}: give a tuple of sizes without the batch axis, e.g. (20,)")

    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): one(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and "=" in v for v in value):
        return {k.strip(): one(v) for k, v in (item.split("=", 1) for item in value)}
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], str):
        return one(value[0])
    return one(value)


# -- keeping the user's model as it was ------------------------------------------------------------

def _all_ops(obj: Any) -> list:
    try:
        return list(obj._flatten_layers(include_self=True, recursive=True))
    except (AttributeError, TypeError):  # pragma: no cover - not a Keras 3 layer
        return [obj]


def _snapshot(obj: Any) -> list[tuple[Any, int, int]]:
    return [(op, len(getattr(op, "_inbound_nodes", ())), len(getattr(op, "_outbound_nodes", ())))
            for op in _all_ops(obj)]


def _restore(snapshot: list[tuple[Any, int, int]]) -> None:
    for op, n_in, n_out in snapshot:
        if hasattr(op, "_inbound_nodes"):
            del op._inbound_nodes[n_in:]
        if hasattr(op, "_outbound_nodes"):
            del op._outbound_nodes[n_out:]


def _functional(fn: Any, args: tuple, kwargs: dict, inputs: list, name: str) -> Any:
    import keras

    out = fn(*args, **kwargs)
    outputs = [t for t in keras.tree.flatten(out) if isinstance(t, keras.KerasTensor)]
    if not outputs:
        raise ReadError(f"tracing {name}: its call returned no tensor")
    used = [t for t in inputs]
    return keras.Model(inputs=used, outputs=outputs if len(outputs) > 1 else outputs[0], name=name)


def _trace(owner: Any, fn: Any, args: tuple, kwargs: dict, inputs: list, name: str, path: str,
           depth: int) -> LayerGraph:
    """Run ``fn`` (a ``call``) on symbolic inputs and walk the graph it records."""
    snapshot = _snapshot(owner)
    try:
        try:
            model = _functional(fn, args, kwargs, inputs, name)
            graph = walk_functional(model, path=path)
        except NnvizError:
            raise
        except Exception as err:  # noqa: BLE001 - user code: any failure becomes one clear line
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise ReadError(f"the call of {name} cannot be traced on symbolic tensors "
                            f"({type(err).__name__}: {first})", path=path) from err
        graph = graph.replace(name=name, class_name=TRACED)
        # the sublayers' calls recorded by this trace are still there: trace inside them now
        return expand_layers(graph, model, path=path, depth=depth + 1)
    finally:
        _restore(snapshot)


def _concrete(shape: Any, sizes: tuple[int, int]) -> tuple:
    """A shape with the batch axis and free axes set (some backends trace only concrete sizes)."""
    return tuple((sizes[0] if i == 0 else sizes[1]) if d is None else d for i, d in enumerate(shape))


# Free axes are traced at two sizes (batch 1 and 2, other axes 8 and 9): the axes whose size differs
# between the traces follow a free axis and are reported as None, as Keras reports them.
TRACE_SIZES = ((1, 8), (2, 9))


def _trace_twice(owner: Any, fn: Any, make: Any, name: str, path: str, depth: int) -> LayerGraph:
    args, kwargs, inputs = make(TRACE_SIZES[0])
    first = _trace(owner, fn, args, kwargs, inputs, name, path, depth)
    args, kwargs, inputs = make(TRACE_SIZES[1])
    try:
        second = _trace(owner, fn, args, kwargs, inputs, name, path, depth)
    except ReadError:
        second = None
    return _free_axes(first, second)


def _merge_shape(a: Any, b: Any) -> Any:
    if a is None or b is None or len(a) != len(b):
        return None if a is None else (None, *a[1:])
    return tuple(None if x != y else x for x, y in zip(a, b))


def _free_axes(a: LayerGraph, b: LayerGraph | None) -> LayerGraph:
    """``a``'s graph with the sizes that differ from ``b``'s set to None (``b`` traced at other sizes)."""
    same = b is not None and len(a.layers) == len(b.layers) and len(a.calls) == len(b.calls) and all(
        x.type == y.type for x, y in zip(a.layers, b.layers))
    if not same:  # the call took another path at other sizes: only the batch axis is known free
        a = a.replace(warnings=(*a.warnings, "traced at fixed sizes: the call differs with other input sizes"))
        pairs_l = [(x, None) for x in a.layers]
        pairs_c = [(c, None) for c in a.calls]
    else:
        pairs_l = list(zip(a.layers, b.layers))
        pairs_c = list(zip(a.calls, b.calls))
    layers = []
    for x, y in pairs_l:
        shapes = tuple(_merge_shape(s, y.output_shapes[i] if y is not None and i < len(y.output_shapes) else None)
                       for i, s in enumerate(x.output_shapes))
        sub = x.subgraph
        if sub is not None:
            sub = _free_axes(sub, y.subgraph if y is not None else None)
        layers.append(x.replace(output_shapes=shapes, subgraph=sub))
    calls = []
    for c, d in pairs_c:
        if c.output_shapes is None:
            calls.append(c)
            continue
        other = d.output_shapes if d is not None and d.output_shapes is not None else (None,) * len(c.output_shapes)
        calls.append(replace(c, output_shapes=tuple(_merge_shape(s, t) for s, t in zip(c.output_shapes, other))))
    out = a.with_layers(layers, calls)
    return out


def _map_arguments(node: Any, fn: Any) -> tuple[tuple, dict]:
    """A recorded call's arguments with ``fn(tensor, name)`` in place of each distinct tensor, in
    one order (the trace's inputs are named ``<producer>_in<i>`` in it)."""
    import keras

    seen: dict[int, Any] = {}

    def swap(x: Any) -> Any:
        if isinstance(x, keras.KerasTensor):
            if id(x) not in seen:
                src = getattr(x, "_keras_history", None)
                seen[id(x)] = fn(x, f"{src[0].name if src else 'input'}_in{len(seen)}")
            return seen[id(x)]
        return x

    args = tuple(keras.tree.map_structure(swap, a) for a in node.arguments.args)
    kwargs = {k: keras.tree.map_structure(swap, v) for k, v in node.arguments.kwargs.items()}
    return args, kwargs


def _symbolic_like(node: Any, sizes: tuple[int, int]) -> tuple[tuple, dict, list]:
    """The arguments of a recorded call with every tensor replaced by a fresh ``keras.Input``."""
    import keras

    inputs: list = []

    def fresh(x: Any, name: str) -> Any:
        inputs.append(keras.Input(batch_shape=_concrete(x.shape, sizes), dtype=x.dtype, name=name))
        return inputs[-1]

    args, kwargs = _map_arguments(node, fresh)
    return args, kwargs, inputs


def _input_names(node: Any) -> list[str]:
    """The names :func:`_symbolic_like` gives the trace's inputs (without making them)."""
    names: list[str] = []
    _map_arguments(node, lambda x, name: names.append(name))
    return names


# -- one trace for identical siblings ---------------------------------------------------------------
# A KerasHub backbone calls N decoder blocks of one class and config on inputs of one shape: their
# traces differ only in names. The first is traced (twice, TRACE_SIZES); the others reuse it,
# renamed to exactly what their own traces would have given: their sublayers' names and variable
# paths, their inputs' producers, and the names Keras draws from its global counters for the ops
# the trace records (``add_4``), whose counters are advanced as the skipped traces would have.

def _name_uids() -> Any:
    """Keras's global counters of automatic names (``keras.src.utils.naming.uniquify``), or None."""
    try:
        import collections

        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - not Keras 3
        return None
    return global_state.get_global_attribute("object_name_uids", default=collections.defaultdict(int),
                                             set_to_default=True)


def _uid_name(prefix: str, count: int) -> str:
    return prefix if count == 0 else f"{prefix}_{count}"  # as uniquify() names the count-th one


def _sublayers(op: Any) -> list:
    try:
        return list(op._flatten_layers(include_self=False, recursive=True))
    except (AttributeError, TypeError):  # pragma: no cover
        return []


def _sibling_key(op: Any, node: Any) -> Any:
    """What makes two layers' traces the same but for names: class, config without the name,
    sublayers' classes and configs, variable shapes, and the call's arguments (each tensor's
    shape, dtype and repeats); None when a part cannot be compared."""
    import json

    import keras

    try:
        config = _config_without_name(op)
        order: dict[int, int] = {}

        def spec(x: Any) -> Any:
            if isinstance(x, keras.KerasTensor):
                return ("tensor", order.setdefault(id(x), len(order)), tuple(x.shape), str(x.dtype))
            return repr(x)

        args = [keras.tree.map_structure(spec, a) for a in node.arguments.args]
        kwargs = {k: keras.tree.map_structure(spec, v) for k, v in sorted(node.arguments.kwargs.items())}
        # the sublayers' classes, configs and variable shapes too: a get_config that leaves out
        # what sizes the sublayers must not make two different layers look alike
        inner = [(type(s).__qualname__, _config_without_name(s), [tuple(v.shape) for v in s.weights])
                 for s in _sublayers(op)]
        return (type(op), json.dumps([config, inner], sort_keys=True, default=repr), repr((args, kwargs)),
                tuple(tuple(v.shape) for v in op.weights))
    except Exception:  # noqa: BLE001 - a custom get_config may raise anything: trace it, do not reuse
        return None


def _config_without_name(layer: Any) -> Any:
    try:
        return {k: v for k, v in layer.get_config().items() if k != "name"}
    except Exception:  # noqa: BLE001 - some KerasHub sublayers have no config (their variable shapes still count)
        return None


class _Traced:
    """One layer's trace and the counters of automatic names it used, for its identical siblings."""

    def __init__(self, graph: LayerGraph, op: Any, node: Any, before: Mapping[str, int],
                 after: Mapping[str, int]) -> None:
        self.graph, self.op, self.node = graph, op, node
        self.used = {p: (before.get(p, 0), n) for p, n in after.items() if n != before.get(p, 0)}

    def for_sibling(self, op: Any, node: Any, name: str, uids: Any) -> LayerGraph:
        names: dict[str, str] = {}
        for prefix, (start, end) in self.used.items():
            now = uids.get(prefix, 0)  # never a 0 entry: uniquify() would then write "add_0"
            for j in range(start, end):
                names[_uid_name(prefix, j)] = _uid_name(prefix, now + j - start)
            uids[prefix] = now + end - start  # as the sibling's own traces would have left them
        names.update(zip(_input_names(self.node), _input_names(node)))
        mine, theirs = _sublayers(self.op), _sublayers(op)
        names.update((a.name, b.name) for a, b in zip(mine, theirs))
        names[self.graph.name] = name
        paths = {getattr(v, "path", None) or v.name: w for a, b in zip(mine, theirs)
                 for v, w in zip(a.weights, b.weights)}
        owners = {frozenset(getattr(v, "path", None) or v.name for v in b.weights): b for b in theirs if b.weights}
        return _renamed(self.graph, names, paths, owners)


def _renamed(graph: LayerGraph, names: Mapping[str, str], variables: Mapping[str, Any],
             owners: Mapping[frozenset, Any]) -> LayerGraph:
    """``graph`` (a sibling's trace) with its names mapped, and the variables of the other sibling."""
    import re

    def name(x: str) -> str:
        if x in names:
            return names[x]
        m = re.fullmatch(r"(.+)_in(\d+)", x)  # a nested trace's input, named after its producer
        return f"{names[m.group(1)]}_in{m.group(2)}" if m and m.group(1) in names else x

    def ref(r: Any) -> Any:
        return replace(r, layer=name(r.layer))

    layers, table = [], {}
    for layer in graph.layers:
        config = layer.config
        if isinstance(config.get("name"), str):
            config = {**config, "name": name(config["name"])}
        weights = tuple(Weight(_path(variables[w.name]), w.shape, w.trainable) if w.name in variables else w
                        for w in layer.weights)
        owner = owners.get(frozenset(w.name for w in weights))
        if owner is not None:
            table[name(layer.name)] = owner
        sub = None if layer.subgraph is None else _renamed(layer.subgraph, names, variables, owners)
        layers.append(layer.replace(name=name(layer.name), config=config, weights=weights, subgraph=sub))
    calls = [replace(c, layer=name(c.layer), inputs=tuple(ref(r) for r in c.inputs)) for c in graph.calls]
    return graph.replace(name=name(graph.name), layers=layers, calls=calls,
                         inputs=[ref(r) for r in graph.inputs], outputs=[ref(r) for r in graph.outputs],
                         weights_loader=_objects_loader(table))


def _path(variable: Any) -> str:
    return getattr(variable, "path", None) or variable.name


def _objects_loader(table: Mapping[str, Any]) -> Any:
    """A weights loader over live layers by name (what ``opgraph.live_loader`` reads from a model)."""
    def load(name: str) -> list:
        layer = table.get(name)
        return [] if layer is None else [(_path(v), w) for v, w in zip(layer.weights, layer.get_weights())]

    return load


def _node_key(op: Any, index: int) -> str:
    return f"{id(op)}_ib-{index}"


def _has_sublayers(op: Any) -> bool:
    try:
        return bool(op._flatten_layers(include_self=False, recursive=False))
    except (AttributeError, TypeError):
        return False


def expand_layers(graph: LayerGraph, model: Any, *, path: str, depth: int = 0) -> LayerGraph:
    """``graph`` (walked from ``model``) with each custom layer that holds sublayers traced inside.

    The traced graph becomes the layer's ``subgraph`` (drawn when ``expand=`` opens it); a layer
    whose call cannot be traced, or whose sublayers hold fewer parameters than it does (weights of
    its own), stays one block, with a note saying why.
    """
    if depth > MAX_TRACE_DEPTH:
        return graph
    ops = {op.name: op for op in model._operations}
    layers = []
    changed = False
    traced: dict[Any, _Traced] = {}  # identical siblings share one trace
    uids = _name_uids()
    for layer in graph.layers:
        op = ops.get(layer.name)
        if (op is None or layer.subgraph is not None or layer.is_input or not _has_sublayers(op)
                or not op._inbound_nodes):
            layers.append(layer)
            continue
        node = next((n for i, n in enumerate(op._inbound_nodes) if _node_key(op, i) in model._nodes), None)
        if node is None:
            layers.append(layer)
            continue
        key = _sibling_key(op, node) if uids is not None else None
        if key in traced:
            sub = traced[key].for_sibling(op, node, layer.name, uids)
        else:
            before = dict(uids) if uids is not None else {}
            try:
                sub = _trace_twice(op, op.call, lambda sizes: _symbolic_like(node, sizes), layer.name, path, depth)
            except ReadError as err:
                layers.append(layer.replace(notes=(*layer.notes, err.message)))
                continue
            if key is not None:
                traced[key] = _Traced(sub, op, node, before, dict(uids))
        if sub.total_params != layer.params:  # weights of its own besides its sublayers': keep it whole
            layers.append(layer.replace(notes=(*layer.notes, "holds weights of its own beside its sublayers")))
            continue
        layers.append(layer.replace(subgraph=sub))
        changed = True
    if not changed:
        return graph
    out = graph.with_layers(layers)
    return out


def _input_tensors(model: Any, input_shape: Any, sizes: tuple[int, int]) -> tuple[tuple, dict, list]:
    """``keras.Input`` tensors for ``input_shape`` (or the shapes the model was built with)."""
    import keras

    if input_shape is None:
        shapes = _built_shapes(model)
        if shapes is None:
            raise ReadError(f"{type(model).__name__} {model.name!r} has never been built or called, so its "
                            "input shape is unknown", hint="give input_shape=(...) without the batch axis "
                            "(nnviz draw --input-shape 128,64)")
        input_shape = shapes
    if isinstance(input_shape, dict):
        inputs = {k: keras.Input(batch_shape=_concrete((None, *v), sizes), name=k) for k, v in input_shape.items()}
        return (inputs,), {}, list(inputs.values())
    tensor = keras.Input(batch_shape=_concrete((None, *input_shape), sizes), name="input")
    return (tensor,), {}, [tensor]


def _built_shapes(model: Any) -> Any:
    try:
        cfg = model.get_build_config() or {}
    except Exception:  # noqa: BLE001
        cfg = {}
    shape = cfg.get("input_shape")
    if isinstance(shape, (list, tuple)) and shape and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape[1:])
    shapes = cfg.get("shapes_dict")
    if isinstance(shapes, dict) and len(shapes) == 1:
        (only,) = shapes.values()
        if isinstance(only, (list, tuple)) and all(d is None or isinstance(d, int) for d in only):
            return tuple(only[1:])
    return None


def _copy(model: Any, path: str) -> Any:
    """A fresh, unbuilt copy: the class rebuilt from the model's config (Keras 3 records a
    subclass's constructor arguments), else a deep copy."""
    errors = []
    try:
        return type(model).from_config(model.get_config())
    except Exception as err:  # noqa: BLE001 - user code
        errors.append(err)
    try:
        return copy.deepcopy(model)
    except Exception as err:  # noqa: BLE001
        errors.append(err)
    first = str(errors[0]).strip().splitlines()[0][:200] if str(errors[0]).strip() else type(errors[0]).__name__
    raise ReadError(f"an unbuilt {type(model).__name__} cannot be copied to trace it ({first})", path=path,
                    hint="build it first (call it on data once), then draw it")


def trace_model(model: Any, *, input_shape: Any = None) -> LayerGraph:
    """A subclassed ``keras.Model`` (Keras 3) traced from its ``call``.

    Args:
        model: the model, built (or called) or not.
        input_shape: the input shape(s) without the batch axis; needed for an unbuilt model.

    Returns:
        Its layer graph: sublayer calls, nested models and the ``keras.ops`` between them; sublayers
        the call never used are listed with the note "not called".

    Raises:
        ReadError: no input shape is known, or the call cannot be traced on symbolic tensors.
    """
    path = f"<{type(model).__name__} {model.name!r}>"
    input_shape = parse_input_shape(input_shape)
    target = model
    if not model.built:
        target = _copy(model, path)  # trace a copy: the user's model stays unbuilt
    graph = _trace_twice(target, target.call, lambda sizes: _input_tensors(target, input_shape, sizes),
                         model.name, path, 0)
    called = {layer.name for layer in graph.layers}
    unused = [sub for sub in target._flatten_layers(include_self=False, recursive=False) if sub.name not in called]
    if unused:
        extra = []
        for sub in unused:
            tw = weights_of(sub.trainable_weights, True)
            nw = weights_of(sub.non_trainable_weights, False)
            extra.append(Layer(sub.name, type(sub).__name__, params=sum(w.size for w in tw + nw),
                               trainable_params=sum(w.size for w in tw),
                               non_trainable_params=sum(w.size for w in nw), weights=tuple(tw + nw),
                               shape_known=False, notes=("not called",)))
        graph = graph.replace(layers=[*graph.layers, *extra], warnings=(
            *graph.warnings, "not called by the model's call: " + ", ".join(s.name for s in unused)))
    return graph.replace(class_name=type(model).__name__, source=f"<live {type(model).__name__} {model.name!r}>")
