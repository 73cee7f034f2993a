"""The layer graph: the one plain data model every reader produces and every renderer reads.

A :class:`LayerGraph` holds :class:`Layer` objects in Keras's order and the
:class:`Call` objects that wire them (a shared layer has several calls). Shapes
always include the batch dimension first (``None``); ``None`` marks a dimension
nnviz cannot know, and an output shape of ``None`` a tensor it cannot know.

>>> g = LayerGraph(
...     "tiny",
...     layers=[Layer("x", "InputLayer", output_shapes=((None, 3),)),
...             Layer("d", "Dense", units=2, output_shapes=((None, 2),), params=8, trainable_params=8)],
...     calls=[Call("x", 0, ()), Call("d", 0, (TensorRef("x"),))],
...     inputs=[TensorRef("x")], outputs=[TensorRef("d")])
>>> g.total_params, [l.name for l in g.layers], g.layer("d").output_shape
(8, ['x', 'd'], (None, 2))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from .formatting import format_params, format_shape, sum_params

if TYPE_CHECKING:  # pragma: no cover
    import networkx
    import numpy

__all__ = ["Shape", "TensorRef", "Call", "Weight", "Layer", "new_layer", "LayerGraph", "FORMAT_VERSION", "format_shape",
           "format_params", "sum_params", "SummaryText"]

# The version of to_dict()/--json; schema/graph.v2.json describes version 2
FORMAT_VERSION = 2

Shape = tuple  # tuple[int | None, ...], batch dimension first


@dataclass(frozen=True)
class TensorRef:
    """One tensor: output ``tensor`` of call ``call`` of layer ``layer``."""

    layer: str
    call: int = 0
    tensor: int = 0


@dataclass(frozen=True)
class Call:
    """One call of a layer: which tensors it reads, in order.

    ``output_shapes`` is filled in by inference; ``None`` entries are unknown.
    ``arguments`` holds the call's plain (non-tensor) keyword arguments as the config
    recorded them, e.g. ``{"return_attention_scores": True}``: some change what a
    call returns, and they belong to the call, not to the layer's config.
    """

    layer: str
    index: int
    inputs: tuple[TensorRef, ...]
    output_shapes: tuple[Shape | None, ...] | None = None
    arguments: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def with_outputs(self, output_shapes: tuple[Shape | None, ...] | None) -> "Call":
        """A copy with other ``output_shapes`` (what inference does to every call: made without
        ``__init__``, as :meth:`Layer.replace` makes layers).

        >>> Call("d", 0, ()).with_outputs(((None, 2),))
        Call(layer='d', index=0, inputs=(), output_shapes=((None, 2),))
        """
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__, output_shapes=output_shapes)
        return new


@dataclass(frozen=True)
class Weight:
    """One weight variable of a layer: its name, shape and whether it trains."""

    name: str
    shape: tuple[int, ...]
    trainable: bool = True

    @property
    def known(self) -> bool:
        """Whether every dimension is known (inference can leave one unknown: ``None``)."""
        return None not in self.shape

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= int(d)
        return n


@dataclass(frozen=True)
class Layer:
    """A layer as nnviz knows it, whatever it was read from.

    Attributes:
        name: the layer's name (unique in its graph).
        type: the modern Keras class name (``Conv2D`` for Keras 1's ``Convolution2D``).
        config: the layer's config with modern argument names.
        units: the layer's width (units, filters, embedding size) or ``None``.
        activation: the activation's name, or ``None``.
        output_shapes: the output shapes of the layer's first call.
        params: number of parameters (trainable + non-trainable); ``None`` when nnviz cannot
            know it (a layer whose input is unknown, in a file without weights).
        trainable_params, non_trainable_params: the split Keras reports (``None`` when unknown).
        weights: the weight variables, as inferred or as stored.
        trainable: the layer's ``trainable`` flag.
        subgraph: for a nested model, its own :class:`LayerGraph`.
        dtype: the dtype of the layer's variables (for parameter memory).
        stored_weights: the weight shapes found in the file, when the source has weights.
        build_config: what Keras (3, tf.keras >= 2.13) recorded beside the config about how the
            layer was built (its input shapes).
        shape_known: ``False`` when nnviz could not infer the output shape.
        notes: what nnviz noticed while reading (unknown class, quirks).
    """

    name: str
    type: str
    config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    units: int | None = None
    activation: str | None = None
    output_shapes: tuple[Shape | None, ...] = ()
    params: int | None = 0
    trainable_params: int | None = 0
    non_trainable_params: int | None = 0
    weights: tuple[Weight, ...] = field(default=(), repr=False)
    trainable: bool = True
    subgraph: "LayerGraph | None" = field(default=None, repr=False, compare=False)
    dtype: str = "float32"
    stored_weights: tuple[Weight, ...] | None = field(default=None, repr=False)
    build_config: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    shape_known: bool = True
    notes: tuple[str, ...] = ()

    @property
    def output_shape(self) -> Shape | tuple[Shape | None, ...] | None:
        """The output shape, or a tuple of shapes for a layer with several outputs."""
        if len(self.output_shapes) == 1:
            return self.output_shapes[0]
        if not self.output_shapes:
            return None
        return self.output_shapes

    @property
    def is_input(self) -> bool:
        return self.type == "InputLayer"

    @property
    def is_model(self) -> bool:
        return self.subgraph is not None

    def replace(self, **changes: Any) -> "Layer":
        """A copy with some fields changed (layers are immutable).

        What :func:`dataclasses.replace` does, without calling ``__init__`` again: inference
        replaces every layer of a 50,000-layer model, and that call was most of its time.

        >>> Layer("d", "Dense").replace(units=3).units
        3
        """
        if not _LAYER_FIELDS.issuperset(changes):
            raise TypeError(f"Layer has no field {sorted(changes.keys() - _LAYER_FIELDS)[0]!r}")
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__, **changes)
        return new


_LAYER_FIELDS = frozenset(f.name for f in fields(Layer))
_LAYER_DEFAULTS = {f.name: f.default for f in fields(Layer) if f.name not in ("name", "type", "config")}


def new_layer(name: str, type: str, config: Mapping[str, Any], **changes: Any) -> Layer:
    """``Layer(name, type, config, **changes)``, made as :meth:`Layer.replace` makes copies (without the
    dataclass's ``__init__``, a call per field): a reader makes one per layer of a 50,000-layer file.

    >>> new_layer("d", "Dense", {"units": 3}, notes=("n",)) == Layer("d", "Dense", {"units": 3}, notes=("n",))
    True
    """
    if not _LAYER_FIELDS.issuperset(changes):
        raise TypeError(f"Layer has no field {sorted(changes.keys() - _LAYER_FIELDS)[0]!r}")
    new = object.__new__(Layer)
    new.__dict__.update(_LAYER_DEFAULTS, name=name, type=type, config=config, **changes)
    return new


def _shape_to_json(shape: Shape | None) -> list | None:
    return None if shape is None else [None if d is None else int(d) for d in shape]


class SummaryText(str):
    """The summary table: a ``str`` whose repr is the table, so that ``g.summary()`` in a notebook shows it."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's display of a result
        printer.text(str(self))


class LayerGraph:
    """Layers, their calls and the model's inputs and outputs.

    Args:
        name: the model's name.
        layers: the layers in Keras's order (input layers included).
        calls: every call of every layer.
        inputs, outputs: the model's input and output tensors.
        class_name: ``Sequential`` or ``Functional`` (as Keras calls it).
        source: where the graph came from (a path or a description), for messages.
        keras_version: the Keras version that wrote the source, if known.
        weights_loader: a function ``layer name -> list of (name, array)``; loads weights lazily.
        warnings: what nnviz noticed while reading (quirks, unknown classes).
        description: a one-line description (from a spec's ``description``).
        has_graph: ``False`` for a layer tree read from stored variables (a file that stores no
            graph): layers nest through ``subgraph`` and there are no calls.
        model_class, hyperparameters, metadata: a layer tree's model class and what its file says of it.
        recorded_shapes: shapes a Keras 3 config records for tensors (used where inference cannot know).
        neuron_names: names of the input features and output classes stored beside the model (``nnviz
            train``): the node style labels its first and last columns with them where they fit.
        inferred: ``False`` for a graph as its file states it (types, configs, wiring), whose shapes
            and parameter counts the inference stage (:func:`nnviz.loading.infer`) has still to compute.

    A graph is frozen once built: every field is set here, and :meth:`replace` (or
    :meth:`with_layers`) makes a changed copy, which shares no mutable state with this one.
    """

    def __init__(self, name: str, layers: Sequence[Layer], calls: Sequence[Call],
                 inputs: Sequence[TensorRef], outputs: Sequence[TensorRef], *,
                 class_name: str = "Functional", source: str | None = None,
                 keras_version: str | None = None,
                 weights_loader: Callable[[str], list] | None = None,
                 warnings: Sequence[str] = (), description: str | None = None, has_graph: bool = True,
                 model_class: str | None = None, hyperparameters: Mapping[str, Any] | None = None,
                 metadata: Mapping[str, Any] | None = None,
                 recorded_shapes: Mapping[TensorRef, tuple] | None = None,
                 neuron_names: Mapping[str, tuple[str, ...]] | None = None, inferred: bool = True) -> None:
        self.name = name
        self.description = description
        self.layers: tuple[Layer, ...] = tuple(layers)
        self.calls: tuple[Call, ...] = tuple(calls)
        self.inputs: tuple[TensorRef, ...] = tuple(inputs)
        self.outputs: tuple[TensorRef, ...] = tuple(outputs)
        self.class_name = class_name
        self.source = source
        self.keras_version = keras_version
        self.weights_loader = weights_loader
        self.warnings: tuple[str, ...] = tuple(warnings)
        self.has_graph = has_graph
        self.model_class = model_class
        self.hyperparameters: dict[str, Any] | None = None if hyperparameters is None else dict(hyperparameters)
        self.metadata: dict[str, Any] | None = None if metadata is None else dict(metadata)
        self.neuron_names: dict[str, tuple[str, ...]] = dict(neuron_names or {})
        self._by_name = {layer.name: layer for layer in self.layers}
        self.recorded_shapes: dict[TensorRef, tuple] = dict(recorded_shapes or {})
        self.inferred = inferred
        self._frozen = True

    _FIELDS = ("name", "layers", "calls", "inputs", "outputs", "class_name", "source", "keras_version",
               "weights_loader", "warnings", "description", "has_graph", "model_class", "hyperparameters",
               "metadata", "recorded_shapes", "neuron_names", "inferred")

    def __setattr__(self, name: str, value: Any) -> None:
        if "_frozen" in self.__dict__:
            raise AttributeError(f"a LayerGraph is frozen: graph.replace({name}=...) makes a changed copy")
        object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> "LayerGraph":
        """A copy of this graph with some fields changed (the constructor's keywords).

        >>> g = LayerGraph("m", [Layer("x", "InputLayer")], [Call("x", 0, ())], [TensorRef("x")], [TensorRef("x")])
        >>> h = g.replace(source="m.h5", warnings=("a note",))
        >>> (g.source, h.source, h.warnings, h.layers == g.layers)
        (None, 'm.h5', ('a note',), True)
        """
        unknown = sorted(set(changes) - set(self._FIELDS))
        if unknown:
            raise TypeError(f"LayerGraph has no field {unknown[0]!r}")
        values = {f: changes.get(f, getattr(self, f)) for f in self._FIELDS}
        positional = [values.pop(f) for f in ("name", "layers", "calls", "inputs", "outputs")]
        return LayerGraph(*positional, **values)

    # -- lookup -----------------------------------------------------------
    def require_graph(self, what: str) -> None:
        """Raise a one-line :class:`~nnviz.errors.OptionError` naming the file when ``what`` needs a graph
        and this is a layer tree (a file that stores no graph)."""
        if not self.has_graph:
            from .errors import OptionError

            raise OptionError(f"{what} needs the model's graph, and this file stores no graph (only the layer "
                              "tree of its weights)", path=self.source or self.name,
                              hint="draw it in the block style as .png, .svg, .pdf or .html, or nnviz summary")

    def layer(self, name: str) -> Layer:
        """The layer called ``name``; ``KeyError`` if there is none."""
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def calls_of(self, name: str) -> list[Call]:
        """The calls of one layer, in order."""
        return list(self._calls_by_layer.get(name, ()))

    @cached_property
    def _calls_by_layer(self) -> dict[str, list[Call]]:
        # an index, so that summaries and to_dict() of 10,000-layer models stay linear
        out: dict[str, list[Call]] = {}
        for call in self.calls:
            out.setdefault(call.layer, []).append(call)
        return out

    def inbound(self, name: str) -> list[list[str]]:
        """Per call of layer ``name``, the names of the layers it reads from."""
        return [[t.layer for t in c.inputs] for c in self.calls_of(name)]

    @property
    def input_names(self) -> list[str]:
        return [t.layer for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.layer for t in self.outputs]

    def with_layers(self, layers: Sequence[Layer], calls: Sequence[Call] | None = None) -> "LayerGraph":
        """A copy of this graph with other layers (and calls)."""
        return self.replace(layers=layers, calls=self.calls if calls is None else calls)

    # -- networkx view ----------------------------------------------------
    @cached_property
    def nx(self) -> "networkx.MultiDiGraph":
        """The graph as a ``networkx.MultiDiGraph``: a node per layer, an edge per tensor read.

        Node attribute ``layer`` holds the :class:`Layer`; edge attributes ``call``
        (the consumer's call index), ``port`` (input position) and ``tensor``.
        """
        import networkx as nx

        g = nx.MultiDiGraph(name=self.name)
        for layer in self.layers:
            g.add_node(layer.name, layer=layer)
        for call in self.calls:
            for port, ref in enumerate(call.inputs):
                g.add_edge(ref.layer, call.layer, call=call.index, port=port,
                           tensor=ref.tensor, src_call=ref.call)
        return g

    def edges(self) -> list[tuple[str, str]]:
        """Distinct (source, target) layer pairs in call order."""
        seen: dict[tuple[str, str], None] = {}
        for call in self.calls:
            for ref in call.inputs:
                seen.setdefault((ref.layer, call.layer), None)
        return list(seen)

    # -- totals -----------------------------------------------------------
    def _known_sum(self, attr: str) -> int:
        total = 0
        for layer in self.layers:
            value = getattr(layer, attr)
            if value is None and layer.subgraph is not None:  # a nested model with an unknown layer
                value = getattr(layer.subgraph, "total_params" if attr == "params" else attr)
            total += value or 0
        return total

    @property
    def total_params(self) -> int:
        """The sum of the known parameter counts (a lower bound when :attr:`unknown_params` is not empty)."""
        return self._known_sum("params")

    @property
    def trainable_params(self) -> int:
        return self._known_sum("trainable_params")

    @property
    def non_trainable_params(self) -> int:
        return self._known_sum("non_trainable_params")

    @property
    def unknown_params(self) -> list[str]:
        """The layers whose parameter count nnviz cannot know; nested ones as ``model/layer``."""
        out = []
        for path, layer in self.walk():
            if layer.params is None and layer.subgraph is None:
                out.append("/".join((*path, layer.name)))
        return out

    @property
    def total_params_is_lower_bound(self) -> bool:
        """Whether some layer's parameters are unknown, so that :attr:`total_params` is a lower bound."""
        return bool(self.unknown_params)

    def params_text(self, word: str = "params", *, limit: int = 3) -> str:
        """The parameter total as a drawing's title says it, honest about unknown layers.

        >>> g = LayerGraph("m", [Layer("a", "Dense", params=10), Layer("b", "Conv2D", params=None)], [], [], [])
        >>> g.params_text()
        '≥ 10 params; 1 layer unknown: b'
        """
        unknown = self.unknown_params
        if not unknown:
            return f"{self.total_params:,} {word}"
        names = ", ".join(unknown[:limit]) + (", …" if len(unknown) > limit else "")
        count = f"{len(unknown)} layer{'s' if len(unknown) != 1 else ''}"
        return f"≥ {self.total_params:,} {word}; {count} unknown: {names}"

    def walk(self) -> Iterator[tuple[tuple[str, ...], Layer]]:
        """Every layer, nested ones included, with the path of model names above it."""
        for layer in self.layers:
            yield (), layer
            if layer.subgraph is not None:
                for path, inner in layer.subgraph.walk():
                    yield (layer.name, *path), inner

    def param_memory(self) -> dict[str, int]:
        """Bytes of parameters per dtype, like Keras 3's summary."""
        from .layers.dtypes import itemsize

        out: dict[str, int] = {}
        for _, layer in self.walk():
            if layer.subgraph is not None:
                continue
            out[layer.dtype] = out.get(layer.dtype, 0) + (layer.params or 0) * itemsize(layer.dtype)
        return dict(sorted(out.items()))

    # -- weights ----------------------------------------------------------
    @property
    def has_weights(self) -> bool:
        """Whether weights can be loaded (a file with weights, a live model, a training run)."""
        return self.weights_loader is not None

    def weights(self, name: str) -> list[tuple[str, "numpy.ndarray"]]:
        """The weights of layer ``name`` as (variable name, array), read on demand.

        Returns an empty list when the layer has none or the graph carries no weights.
        """
        if self.weights_loader is None:
            return []
        return list(self.weights_loader(name))

    def map_weights(self, fns: Mapping[str, Callable[[list], Any]]) -> dict[str, Any]:
        """``{name: fn(self.weights(name))}``, each ``fn`` run where the weights are read.

        A file's weights are read in a child process (:mod:`nnviz.readers.isolate`): there
        ``fn`` cuts what it needs out of the arrays, and only its result comes back, so a
        huge stored kernel never has to fit in this process. Other loaders (a live model, a
        training run) simply call ``fn`` here.

        >>> g = LayerGraph("m", [], [], [], [], weights_loader=lambda name: [("w", [1, 2, 3])])
        >>> g.map_weights({"a": lambda ws: sum(ws[0][1])})
        {'a': 6}
        """
        loader = self.weights_loader
        if loader is None:
            return {name: fn([]) for name, fn in fns.items()}
        mapper = getattr(loader, "map", None)
        if callable(mapper):
            return dict(mapper(fns))
        return {name: fn(list(loader(name))) for name, fn in fns.items()}

    # -- output -----------------------------------------------------------
    def to_dict(self, *, batch_size: int = 1, training: bool = False, optimizer: str = "adam") -> dict[str, Any]:
        """The graph as plain JSON-ready data: exactly what ``nnviz summary --json`` prints.

        Costs are for one sample; ``training=True`` adds ``training_memory``, the memory training
        needs for ``batch_size`` samples with ``optimizer`` (``nnviz summary --json --training``).
        """
        from .costs import layer_costs

        costs = layer_costs(self)
        memory = self._training_memory(batch_size, optimizer) if training else None
        out = {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "graph": self.has_graph,
            "total_params": self.total_params,
            "total_params_is_lower_bound": self.total_params_is_lower_bound,
            "unknown_params": self.unknown_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            # costs for one sample (nnviz.costs): layers of unknown size are not counted; a layer
            # tree has no shapes, so its totals are unknown (null), never 0
            "total_macs": costs.total_macs if self.has_graph else None,
            "total_flops": costs.total_flops if self.has_graph else None,
            **({"training_memory": memory} if training else {}),
            "inputs": self.input_names,
            "outputs": self.output_names,
            "layers": self._layers_to_list(costs),
        }
        if not self.has_graph:
            # a layer tree read from stored variables (a file that stores no graph): each layer
            # has its storage "path"; the model's class, hyperparameters and metadata when known
            for key in ("model_class", "hyperparameters", "metadata"):
                if getattr(self, key):
                    out["class_name" if key == "model_class" else key] = getattr(self, key)
        return out

    def _training_memory(self, batch_size: int, optimizer: str) -> dict[str, Any] | None:
        """``training_memory`` of :meth:`to_dict`: the parts the summary's line prints; ``None`` for
        a layer tree (no shapes, so no activations)."""
        from .costs import layer_costs, training_memory
        from .costs.engine import optimizer_slots_of

        slots = optimizer_slots_of(optimizer)  # an unknown optimizer fails, for a tree too
        if not self.has_graph:
            return None
        table = layer_costs(self, batch_size=batch_size)
        m = training_memory(table, optimizer_slots=slots)
        return {"batch_size": batch_size, "optimizer": optimizer, "optimizer_slots": slots,
                "weights": m["weights"], "gradients": m["gradients"], "optimizer_bytes": m["optimizer"],
                "activations": m["activations"], "total": m["total"], "known_layers_only": bool(table.unknown)}

    def _layers_to_list(self, costs: Any) -> list[dict[str, Any]]:
        rows = []
        for layer in self.layers:
            shapes = layer.output_shapes
            if len(shapes) == 1:
                shape_json: Any = _shape_to_json(shapes[0])
            elif not shapes:
                shape_json = None
            else:
                shape_json = [_shape_to_json(s) for s in shapes]
            row: dict[str, Any] = {
                "name": layer.name,
                "type": layer.type,
                "output_shape": shape_json,
                "params": layer.params,
                "trainable_params": layer.trainable_params,
                "units": layer.units,
                "activation": layer.activation,
                "inbound": self.inbound(layer.name),
                **costs[layer.name].to_dict(),  # macs, flops, activation_bytes, weight_bytes (null: unknown)
            }
            if not self.has_graph:
                row["path"] = layer.config.get("storage_path")
            if layer.subgraph is not None:
                row["layers"] = layer.subgraph._layers_to_list(costs.nested[layer.name])
            rows.append(row)
        return rows

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self, *, width: int | None = None, batch_size: int = 1, training: bool = False,
                optimizer: str = "adam") -> "SummaryText":
        """A text table like Keras's ``model.summary()``, with each layer's MACs and FLOPs.

        The result is a string that a notebook (or the interactive prompt) shows as the table
        itself, not as a quoted string with ``\\n``; ``print()`` it anywhere else. The totals
        are for ``batch_size`` samples; ``training=True`` adds the memory training needs with
        ``optimizer`` (gradients, its slots, the activations kept for the backward pass).
        """
        from .summary import summary_text

        return SummaryText(summary_text(self, width=width, batch_size=batch_size, training=training,
                                        optimizer=optimizer))

    def _repr_html_(self) -> str:
        from .summary import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        return f"<LayerGraph {self.name!r}: {len(self.layers)} layers, {self.params_text()}>"

    def __str__(self) -> str:
        """``print(g)`` prints the summary table, as Keras's ``model.summary()`` does."""
        return str(self.summary())
