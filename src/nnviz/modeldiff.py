"""``nnviz diff``: what changed between two models, matched layer by layer.

(The module is not called ``diff``: a submodule of that name would shadow the public ``nnviz.diff``.)

Two layer graphs are compared in three steps:

1. **Anchors.** Layers forced together by ``mapping`` (``--map a=b``), then layers with the same
   name where the name was chosen by a person: names that follow Keras's automatic pattern
   (``dense_3``, ``conv2d_7``) are weak evidence, since one inserted layer shifts them all.
2. **Structure.** The remaining layers are aligned in data-flow order by their *signature* (class
   and the configuration that defines the architecture), anchors aligning with each other, with
   :class:`difflib.SequenceMatcher` (near linear on real models). Inside the gaps that are left,
   layers of the same class are paired in order: those are the *changed* ones.
3. **Comparison** of every matched pair, field by field, after normalising what differs only by
   Keras era or file format (the readers already give modern class and argument names; here
   serialized objects lose their module paths, tuples become lists, and initializers,
   regularizers, constraints, names and build records are left out unless ``all_config``).

Connections are compared through the matching, skipping added and removed layers, so a layer
inserted into a chain is one "added" and nothing after it "changed".

>>> spec = {"name": "m", "input_shape": [4], "layers": [{"type": "Dense", "units": 8}, {"type": "Dense", "units": 2}]}
>>> wider = {**spec, "layers": [{"type": "Dense", "units": 16}, {"type": "Dense", "units": 2}]}
>>> d = diff(spec, wider)
>>> [(c.a, c.fields["units"]) for c in d.changed if "units" in c.fields], d.added, d.removed
([('dense', (8, 16))], [], [])
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .errors import OptionError
from .graph import Layer, LayerGraph, format_shape
from .formatting import jsonable as _jsonable, short_value as _short
from .layers.names import snake_case
from .text import CONTROL_CHARS

__all__ = ["diff", "ModelDiff", "Change", "WeightChange", "ARCH_FIELDS", "parse_fail_on", "DIFF_FORMAT_VERSION",
           "layer_at"]

DIFF_FORMAT_VERSION = 1

#: the fields compared by default, besides the architecture-defining config keys
ARCH_FIELDS = ("name", "type", "activation", "output_shape", "params", "non_trainable_params", "trainable", "dtype",
               "inbound")
# a nested model's counts and output shape are those of its layers, which are compared one by one instead
_AGGREGATES = frozenset({"params", "non_trainable_params", "output_shape"})

# config keys that do not define the architecture (compared only with all_config=True)
_NON_ARCH_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
_NON_ARCH_KEYS = frozenset({
    "name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim",
    "build_config", "seed", "sparse", "ragged", "module", "registered_name", "input_length",
    "dtype_policy", "autocast", "quantization_config", "lora_rank", "lora_alpha",
})
# keys of serialized Keras objects that say where a class lives, not what it is
_LOCATION_KEYS = frozenset({"module", "registered_name", "shared_object_id"})


@dataclass(frozen=True)
class Change:
    """A layer in both models whose compared fields differ: ``fields[name] = (old, new)``."""

    a: str
    b: str
    fields: Mapping[str, tuple[Any, Any]]
    matched_by: str  # "name", "path" (files without a graph), "structure" or "map"


@dataclass(frozen=True)
class WeightChange:
    """How far a matched layer's weights moved: the largest absolute and the relative change."""

    a: str
    b: str
    max_abs: float
    relative: float


@dataclass
class ModelDiff:
    """The difference between two models. ``draw()``, ``to_dict()``, ``to_markdown()`` present it."""

    a: LayerGraph
    b: LayerGraph
    pairs: dict[str, tuple[str, str]]  # B name -> (A name, matched_by)
    added: list[str]
    removed: list[str]
    changed: list[Change]
    unchanged: int
    weights_changed: list[WeightChange] = field(default_factory=list)
    weights_compared: bool = False

    # -- summaries --------------------------------------------------------
    @property
    def params_delta(self) -> int | None:
        a, b = _total(self.a), _total(self.b)
        return None if a is None or b is None else b - a

    @property
    def params_delta_ratio(self) -> float | None:
        a, delta = _total(self.a), self.params_delta
        if delta is None or not a:
            return None if delta is None or delta else 0.0
        return delta / a

    @property
    def is_empty(self) -> bool:
        """No layer added, removed or changed (and no weights moved, if they were compared)."""
        return not (self.added or self.removed or self.changed or self.weights_changed)

    def _index(self) -> dict[str, Any]:
        """Lookups for status queries, rebuilt when the lists change (keeps drawing linear)."""
        key = (len(self.added), len(self.removed), len(self.changed), len(self.pairs))
        index = self.__dict__.get("_lookup")
        if index is None or index["key"] != key:
            b_of = {an: bn for bn, (an, _) in self.pairs.items()}
            a_of = {bn: an for bn, (an, _) in self.pairs.items()}
            # nested models holding a difference, on each side (by the path of the model)
            inner_b = _containers(n for n in [*self.added, *(c.b for c in self.changed)] if n not in self.b)
            inner_a = _containers(n for n in [*self.removed, *(c.a for c in self.changed)] if n not in self.a)
            inner_b |= {b_of[n] for n in inner_a if n in b_of}
            inner_a |= {a_of[n] for n in inner_b if n in a_of}
            index = self.__dict__["_lookup"] = {
                "key": key, "added": set(self.added), "removed": set(self.removed),
                "change": {c.b: c for c in self.changed}, "b_of": b_of,
                "inner_a": inner_a, "inner_b": inner_b}
        return index

    def change_of(self, b_name: str) -> Change | None:
        """The change of layer ``b_name`` of B, or ``None``."""
        return self._index()["change"].get(b_name)

    def status(self, name: str, side: str = "b") -> str:
        """``added``, ``removed``, ``changed`` or ``unchanged`` for a layer of side ``a`` or ``b``.

        ``name`` may be a path into nested models (``encoder/dense``); a nested model with a
        difference inside is ``changed``.
        """
        index = self._index()
        if side == "a":
            if name in index["removed"]:
                return "removed"
            if name in index["inner_a"]:
                return "changed"
            b = index["b_of"].get(name)
            return "unchanged" if b is None or b not in index["change"] else "changed"
        if name in index["added"]:
            return "added"
        return "changed" if name in index["change"] or name in index["inner_b"] else "unchanged"

    def inside(self, b_name: str) -> tuple[int, int, int]:
        """Layers added, removed and changed inside the nested model ``b_name`` of B (at any depth)."""
        pb = b_name + "/"
        an = self._index()["b_of"].get(b_name)
        pa = None if an is None else an + "/"
        return (sum(n.startswith(pb) for n in self.added),
                0 if pa is None else sum(n.startswith(pa) for n in self.removed),
                sum(c.b.startswith(pb) for c in self.changed))

    def to_dict(self) -> dict[str, Any]:
        """The diff as plain JSON-ready data: what ``nnviz diff --json`` prints."""
        return {
            "format_version": DIFF_FORMAT_VERSION,
            "a": _side(self.a),
            "b": _side(self.b),
            "params_delta": self.params_delta,
            "added": [_layer_row(self.b, n) for n in self.added],
            "removed": [_layer_row(self.a, n) for n in self.removed],
            "changed": [{"a": c.a, "b": c.b, "fields": {k: [_jsonable(o), _jsonable(n)] for k, (o, n) in c.fields.items()},
                         "matched_by": c.matched_by} for c in self.changed],
            "weights_changed": [{"a": w.a, "b": w.b, "max_abs": w.max_abs, "relative": w.relative}
                                for w in self.weights_changed],
            "weights_compared": self.weights_compared,
            "unchanged": self.unchanged,
            "matched_by_structure": sorted(b for b, (_, how) in self.pairs.items() if how == "structure"),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def summary_lines(self) -> list[str]:
        """A short text report: totals, then one line per added, removed and changed layer."""
        d = self.params_delta
        delta = "?" if d is None else f"{d:+,}"
        lines = [f"A: {_label(self.a)}: {_fmt_total(self.a)} params",
                 f"B: {_label(self.b)}: {_fmt_total(self.b)} params ({delta})",
                 f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed, "
                 f"{self.unchanged} unchanged"
                 + (f", {len(self.weights_changed)} with changed weights" if self.weights_compared else "")]
        for n in self.added:
            lines.append(f"+ {n} ({layer_at(self.b, n).type}, {_fmt_params(layer_at(self.b, n).params)} params)")
        for n in self.removed:
            lines.append(f"- {n} ({layer_at(self.a, n).type}, {_fmt_params(layer_at(self.a, n).params)} params)")
        for c in self.changed:
            name = c.b if c.a == c.b else f"{c.a} -> {c.b}"
            if c.a != c.b and c.matched_by in ("structure", "path", "map"):
                name += f" (matched by {c.matched_by})"
            lines.append(f"~ {name}: " + "; ".join(f"{k} {_short(o)} -> {_short(n)}" for k, (o, n) in c.fields.items()))
        for w in self.weights_changed:
            lines.append(f"w {w.b}: max |Δ| {w.max_abs:.4g}, relative {w.relative:.2%}")
        return lines

    def to_markdown(self, picture: str | None = None) -> str:
        """A short report for a pull request: the totals, a table of the changes, the picture."""
        d = self.params_delta
        out = [f"## Model diff: {_md(_label(self.a))} → {_md(_label(self.b))}", "",
               "| | A | B | Δ |", "|---|---:|---:|---:|",
               f"| params | {_fmt_total(self.a)} | {_fmt_total(self.b)} | {'?' if d is None else f'{d:+,}'} |",
               f"| layers | {len(self.a.layers)} | {len(self.b.layers)} | {len(self.b.layers) - len(self.a.layers):+d} |",
               "", f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed, "
               f"{self.unchanged} unchanged.", ""]
        if self.added or self.removed or self.changed or self.weights_changed:
            out += ["| change | layer | what |", "|---|---|---|"]
            for n in self.added:
                out.append(f"| added | {_md(n)} | {_md(layer_at(self.b, n).type)}, {_fmt_params(layer_at(self.b, n).params)} params |")
            for n in self.removed:
                out.append(f"| removed | {_md(n)} | {_md(layer_at(self.a, n).type)}, {_fmt_params(layer_at(self.a, n).params)} params |")
            for c in self.changed:
                name = c.b if c.a == c.b else f"{c.a} → {c.b}"
                if c.a != c.b and c.matched_by in ("structure", "path", "map"):
                    name += f" (matched by {c.matched_by})"
                what = "; ".join(f"{_md(k)} {_md(_short(o))} → {_md(_short(n))}" for k, (o, n) in c.fields.items())
                out.append(f"| changed | {_md(name)} | {what} |")
            for w in self.weights_changed:
                out.append(f"| weights | {_md(w.b)} | max abs change {w.max_abs:.4g}, relative {w.relative:.2%} |")
            out.append("")
        if picture:
            out += [f"![diff]({picture})", ""]
        return "\n".join(out)

    def draw(self, **options: Any):
        """The union of both models as one block diagram, coloured by what changed."""
        return draw_diff(self, **options)

    def __repr__(self) -> str:
        return (f"<ModelDiff {self.a.name!r} -> {self.b.name!r}: {len(self.added)} added, "
                f"{len(self.removed)} removed, {len(self.changed)} changed, {self.unchanged} unchanged>")


# -- drawing: view (nnviz.view.diff), layout (nnviz.layout.diff), render (nnviz.render.diffview) ----

def draw_diff(d: ModelDiff, **options: Any):
    """The diff as a block diagram: the union of both models, coloured by status
    (a :class:`~nnviz.render.block.BlockDiagram`; ``options`` are ``BlockOptions`` fields)."""
    from .layout.diff import diff_scene
    from .render.diffview import diff_diagram
    from .view.diff import union_graph

    scene, opts, view = diff_scene(d, **options)  # view and layout
    return diff_diagram(union_graph(d).graph, view, scene, opts)  # render (on first use)


def diff_html(d: ModelDiff, **options: Any) -> str:
    """A self-contained page: A and B side by side, in step; a click shows a layer's match."""
    from .layout.diff import side_scenes
    from .render.diffview import diff_page

    scene_a, scene_b, theme = side_scenes(d, **options)  # view and layout of each model
    return diff_page(d, scene_a, scene_b, theme)  # render


def save_diff(d: ModelDiff, out: Any, **options: Any) -> list:
    """Write the diff to ``out`` by its suffix (``.svg``/``.png``/``.pdf``, ``.html``, ``.md`` with
    its picture beside it); returns the paths written."""
    from pathlib import Path

    from .fileio import write_atomic

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".md":
        picture = out.with_suffix(".svg")
        d.draw(**options).save(picture)
        write_atomic(out, d.to_markdown(picture=picture.name))
        return [picture, out]
    if suffix in (".html", ".htm"):
        write_atomic(out, diff_html(d, **options))
        return [out]
    if suffix not in (".svg", ".png", ".pdf"):
        raise OptionError(f"unknown output type {out.suffix!r} for a diff (one of .svg, .png, .pdf, .html, .md)")
    d.draw(**options).save(out)
    return [out]


# -- public entry point ---------------------------------------------------------------------------
def diff(a: Any, b: Any, *, mapping: Mapping[str, str] | None = None, all_config: bool = False,
         ignore: Iterable[str] = (), weights: bool = False, weights_file_a: Any = None,
         weights_file_b: Any = None) -> ModelDiff:
    """Compare two models: anything :func:`nnviz.load` reads (paths, dicts, live models, graphs).

    Args:
        a, b: the two models.
        mapping: ``{name in A: name in B}`` matches forced by the user.
        all_config: compare every config key, not only those that define the architecture.
        ignore: field names (``params``, ``activation``, a config key...) not to compare.
        weights: also compare weight values where both sides carry weights of equal shapes.
        weights_file_a, weights_file_b: weights for JSON architectures.

    Returns:
        A :class:`ModelDiff`.

    Raises:
        ReadError: a source cannot be read.
        OptionError: a mapping names a layer that does not exist.
    """
    from .loading import load

    ga = load(a, weights_file=weights_file_a)
    gb = load(b, weights_file=weights_file_b)
    return compare(ga, gb, mapping=mapping, all_config=all_config, ignore=ignore, weights=weights)


def compare(ga: LayerGraph, gb: LayerGraph, *, mapping: Mapping[str, str] | None = None,
            all_config: bool = False, ignore: Iterable[str] = (), weights: bool = False) -> ModelDiff:
    """:func:`diff` on two layer graphs already loaded."""
    ignore = frozenset(ignore)
    mapping = dict(mapping or {})
    for an, bn in mapping.items():
        if an not in ga:
            raise OptionError(f"--map {an}={bn}: model A has no layer {an!r}")
        if bn not in gb:
            raise OptionError(f"--map {an}={bn}: model B has no layer {bn!r}")
    pairs = match(ga, gb, mapping, all_config=all_config, ignore=ignore)
    result = _compare_matched(ga, gb, pairs, all_config=all_config, ignore=ignore)
    if weights:
        result.weights_compared = True
        result.weights_changed = _weight_changes(ga, gb, result.pairs)  # nested models' layers too
    return result


def _compare_matched(ga: LayerGraph, gb: LayerGraph, pairs: dict[str, tuple[str, str]], *,
                     all_config: bool, ignore: frozenset[str]) -> ModelDiff:
    """Compare the matched pairs; nested models of a pair are compared layer by layer, recursively.

    A nested model's inner layers are reported under their path (``encoder/dense_1``), and the
    pairs made inside it are added to ``pairs`` under those paths. The nested model itself is
    compared on its own fields only (name, type, configuration, trainable, dtype, inbound): its
    parameter counts and output shape are those of its layers, which are compared one by one.
    """
    a_of = {bn: an for bn, (an, _) in pairs.items()}
    b_of = {an: bn for bn, an in a_of.items()}
    matched_b = {bn: bn for bn in pairs}
    changed: list[Change] = []
    added: list[str] = []
    removed: list[str] = []
    inner_pairs: dict[str, tuple[str, str]] = {}
    unchanged = 0
    for layer in gb.layers:
        if layer.name not in pairs:
            added.append(layer.name)
            continue
        an, how = pairs[layer.name]
        la = ga.layer(an)
        nested = la.subgraph is not None and layer.subgraph is not None
        fields = compare_layers(ga, gb, la, layer, b_of, all_config=all_config,
                                ignore=ignore | _AGGREGATES if nested else ignore, matched_b=matched_b)
        if fields:
            changed.append(Change(an, layer.name, fields, how))
        else:
            unchanged += 1
        if nested:
            inner = compare(la.subgraph, layer.subgraph, all_config=all_config, ignore=ignore)
            pa, pb = an + "/", layer.name + "/"
            inner_pairs.update({pb + bn: (pa + n, h) for bn, (n, h) in inner.pairs.items()})
            added += [pb + n for n in inner.added]
            removed += [pa + n for n in inner.removed]
            changed += [Change(pa + c.a, pb + c.b, c.fields, c.matched_by) for c in inner.changed]
            unchanged += inner.unchanged
    removed = [layer.name for layer in ga.layers if layer.name not in b_of] + removed
    return ModelDiff(ga, gb, {**pairs, **inner_pairs}, added, removed, changed, unchanged)


# -- matching ----------------------------------------------------------------------------------------
_AUTO = re.compile(r"^(?P<base>.+?)(?:_(?P<n>\d+))?$")


def is_automatic_name(layer: Layer) -> bool:
    """Whether a layer's name follows Keras's automatic pattern for its class (``dense_3``).

    >>> is_automatic_name(Layer("dense_3", "Dense")), is_automatic_name(Layer("head", "Dense"))
    (True, False)
    """
    m = _AUTO.match(layer.name)
    base = m.group("base") if m else layer.name
    kinds = {snake_case(layer.type), snake_case(layer.config.get("class_name", layer.type) or layer.type)}
    if layer.type == "InputLayer":
        kinds |= {"input", "input_layer"}
    if layer.subgraph is not None:
        kinds |= {"sequential", "functional", "model"}
    # Keras 1 and tf.keras 1 names (convolution2d_1, dense_1 counted from 1) follow the same shape
    kinds |= {k.replace("conv", "convolution") for k in kinds if "conv" in k and "convolution" not in k}
    return base in kinds


def _order(g: LayerGraph) -> list[str]:
    """Layers in data-flow order (Keras's order is already topological for Functional models)."""
    from .dataflow import order_calls

    try:
        seen: dict[str, None] = {}
        for call in order_calls(g):
            seen.setdefault(call.layer, None)
        for layer in g.layers:  # layers without calls (unused inputs)
            seen.setdefault(layer.name, None)
        return list(seen)
    except Exception:  # a graph the engine cannot order: fall back on Keras's order
        return [layer.name for layer in g.layers]


def signature(layer: Layer, *, all_config: bool = False, ignore: frozenset[str] = frozenset()) -> str:
    """What defines a layer's architecture, as one comparable string."""
    cfg = arch_config(layer, all_config=all_config, ignore=ignore)
    # shape and count tell apart equal layers at different places (a Dense(16) reading 8 or 16 values)
    return json.dumps([layer.type, layer.activation, cfg, _shape_value(layer), layer.params],
                      sort_keys=True, default=str)


def match(ga: LayerGraph, gb: LayerGraph, mapping: Mapping[str, str], *, all_config: bool = False,
          ignore: frozenset[str] = frozenset()) -> dict[str, tuple[str, str]]:
    """Pairs of matched layers: ``{name in B: (name in A, how)}``."""
    pairs: dict[str, tuple[str, str]] = {}
    used_a: set[str] = set()
    for an, bn in mapping.items():
        pairs[bn] = (an, "map")
        used_a.add(an)
    if not getattr(ga, "has_graph", True) and not getattr(gb, "has_graph", True):
        # files that store no graph: their layers are known by the path of their variables
        a_by_path = {_storage_path(layer): layer.name for layer in ga.layers if _storage_path(layer)}
        for layer in gb.layers:
            an = a_by_path.get(_storage_path(layer))
            if an is not None and layer.name not in pairs and an not in used_a:
                pairs[layer.name] = (an, "path")
                used_a.add(an)
    for layer in gb.layers:
        if layer.name in pairs or layer.name in used_a or layer.name not in ga:
            continue
        other = ga.layer(layer.name)
        if is_automatic_name(layer) and is_automatic_name(other):
            continue
        if other.type != layer.type and (is_automatic_name(layer) or is_automatic_name(other)):
            continue
        pairs[layer.name] = (layer.name, "name")
        used_a.add(layer.name)
    # structure: align the data-flow orders, anchors aligning only with their partners
    order_a, order_b = _order(ga), _order(gb)
    b_of_a = {an: bn for bn, (an, _) in pairs.items()}

    def tokens(g: LayerGraph, order: list[str], anchor: Mapping[str, str]) -> list[str]:
        return ["anchor:" + anchor[n] if n in anchor else
                signature(g.layer(n), all_config=all_config, ignore=ignore) for n in order]

    ta = tokens(ga, order_a, b_of_a)
    tb = tokens(gb, order_b, {bn: bn for bn in pairs})
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                an, bn = order_a[i], order_b[j]
                if bn not in pairs and an not in used_a:
                    pairs[bn] = (an, "structure")
                    used_a.add(an)
        elif tag == "replace":
            _pair_by_type(ga, gb, [n for n in order_a[i1:i2] if n not in used_a],
                          [n for n in order_b[j1:j2] if n not in pairs], pairs, used_a)
    return pairs


def _storage_path(layer: Layer) -> str | None:
    path = layer.config.get("storage_path") if isinstance(layer.config, Mapping) else None
    return path if isinstance(path, str) else None


def _pair_by_type(ga: LayerGraph, gb: LayerGraph, names_a: list[str], names_b: list[str],
                  pairs: dict[str, tuple[str, str]], used_a: set[str]) -> None:
    """Inside a gap of the alignment, pair layers of the same class in order (changed ones)."""
    if not names_a or not names_b:
        return
    types_a = [ga.layer(n).type for n in names_a]
    types_b = [gb.layer(n).type for n in names_b]
    sm = difflib.SequenceMatcher(None, types_a, types_b, autojunk=False)
    for block in sm.get_matching_blocks():
        for k in range(block.size):
            an, bn = names_a[block.a + k], names_b[block.b + k]
            pairs[bn] = (an, "structure")
            used_a.add(an)


# -- comparison -------------------------------------------------------------------------------------
def _normal(value: Any) -> Any:
    """A config value with era and format differences removed."""
    if isinstance(value, Mapping):
        if "class_name" in value and "config" in value:  # a serialized Keras object
            inner = value.get("config")
            if value["class_name"] in ("DTypePolicy", "Policy", "FloatDTypePolicy") and isinstance(inner, Mapping):
                return inner.get("name")
            return {"class_name": value["class_name"], "config": _normal(inner)}
        return {k: _normal(v) for k, v in sorted(value.items()) if k not in _LOCATION_KEYS}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return value


# Keras 3's defaults of common architecture arguments: a key one side does not state is compared
# against these; a key not listed here that one side lacks is one its era did not record (skipped).
_DEFAULTS = {
    "padding": "valid", "strides": 1, "dilation_rate": 1, "use_bias": True, "data_format": "channels_last",
    "groups": 1, "depth_multiplier": 1, "return_sequences": False, "return_state": False,
    "go_backwards": False, "stateful": False, "center": True, "scale": True, "axis": -1,
    "pool_size": 2, "keepdims": False, "normalize": False, "output_padding": None, "recurrent_activation": "sigmoid",
}
# classes whose output has the rank of their input, so a positive axis can be read as a negative one
_SAME_RANK = frozenset({"BatchNormalization", "LayerNormalization", "GroupNormalization", "Concatenate",
                        "Softmax", "UnitNormalization", "Normalization", "RMSNormalization"})


def _scalar_if_uniform(value: Any) -> Any:
    """``[3, 3]`` and ``3`` mean the same kernel size, stride or dilation."""
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value) \
            and len(set(value)) == 1:
        return value[0]
    return value


def _normal_axis(layer: Layer, value: Any) -> Any:
    shape = layer.output_shapes[0] if layer.output_shapes and layer.type in _SAME_RANK else None
    if shape is None:
        return value
    rank = len(shape)
    if isinstance(value, int) and not isinstance(value, bool):
        return value - rank if value >= 0 else value
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        out = [v - rank if v >= 0 else v for v in value]
        return out[0] if len(out) == 1 else out
    return value


def arch_config(layer: Layer, *, all_config: bool = False, ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The config keys compared for ``layer``, normalised."""
    out = {}
    for key, value in layer.config.items():
        if key in ignore or key in ("layers", "input_layers", "output_layers"):
            continue
        if not all_config and (key in _NON_ARCH_KEYS or key.endswith(_NON_ARCH_SUFFIXES)):
            continue
        if key == "name":
            continue
        if key == "activation":  # compared as the layer's normalised activation
            continue
        value = _scalar_if_uniform(_normal(value))
        out[key] = _normal_axis(layer, value) if key == "axis" else value
    return out


def _ancestors(g: LayerGraph, name: str, keep: Mapping[str, str]) -> list[list[str]]:
    """Per call, the nearest layers upstream that are in ``keep`` (mapped by it), skipping the rest."""
    out = []
    for refs in g.inbound(name):
        found: list[str] = []
        stack = list(reversed(refs))
        seen: set[str] = set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in keep:
                found.append(keep[n])
            else:
                for call_refs in g.inbound(n):
                    stack.extend(reversed(call_refs))
        out.append(found)
    return out


def compare_layers(ga: LayerGraph, gb: LayerGraph, la: Layer, lb: Layer, b_of: Mapping[str, str], *,
                   all_config: bool = False, ignore: frozenset[str] = frozenset(),
                   matched_b: Mapping[str, str] | None = None) -> dict[str, tuple[Any, Any]]:
    """The fields of two matched layers that differ: ``{field: (value in A, value in B)}``.

    ``b_of`` maps matched names of A to names of B; ``matched_b`` (the matched names of B, each to
    itself) may be passed in so that comparing every pair stays linear.
    """
    fields: dict[str, tuple[Any, Any]] = {}

    def put(name: str, old: Any, new: Any) -> None:
        if name not in ignore and old != new:
            fields[name] = (old, new)

    same_path = _storage_path(la) is not None and _storage_path(la) == _storage_path(lb)
    if la.name != lb.name and not same_path and not (is_automatic_name(la) and is_automatic_name(lb)):
        put("name", la.name, lb.name)
    put("type", la.type, lb.type)
    ca = arch_config(la, all_config=all_config, ignore=ignore)
    cb = arch_config(lb, all_config=all_config, ignore=ignore)
    for key in sorted(set(ca) | set(cb)):
        if key in ca and key in cb:
            put(key, ca[key], cb[key])
        elif key in _DEFAULTS:  # stated on one side only: the other has Keras's default
            put(key, ca.get(key, _DEFAULTS[key]), cb.get(key, _DEFAULTS[key]))
        elif all_config:  # every key: one the other side does not state is a difference too
            put(key, ca.get(key), cb.get(key))
    put("activation", la.activation, lb.activation)
    put("output_shape", _shape_value(la), _shape_value(lb))
    put("params", la.params, lb.params)
    put("non_trainable_params", la.non_trainable_params, lb.non_trainable_params)
    put("trainable", la.trainable, lb.trainable)
    put("dtype", la.dtype, lb.dtype)
    if "inbound" not in ignore:
        if matched_b is None:
            matched_b = {v: v for v in b_of.values()}
        ia = _ancestors(ga, la.name, b_of)
        ib = _ancestors(gb, lb.name, matched_b)
        if ia != ib:
            fields["inbound"] = (ia, ib)
    return fields


def _shape_value(layer: Layer) -> Any:
    return format_shape(layer.output_shape)


def _weight_changes(ga: LayerGraph, gb: LayerGraph, pairs: Mapping[str, tuple[str, str]]) -> list[WeightChange]:
    import numpy as np

    if not (ga.has_weights and gb.has_weights):
        from .errors import ReadError

        side = "A" if not ga.has_weights else "B"
        src = (ga if side == "A" else gb).source
        raise ReadError(f"model {side} carries no weights to compare (weights=True)", path=src)
    out = []
    for bn, (an, _) in pairs.items():  # "encoder/dense": a nested model's layer, by its path
        la, lb = _layer_at(ga, an), _layer_at(gb, bn)
        if la is None or lb is None or (la.subgraph is not None and lb.subgraph is not None):
            continue  # a nested model: its layers are compared one by one
        wa, wb = ga.weights(an), gb.weights(bn)
        if not wa or len(wa) != len(wb) or any(np.shape(x) != np.shape(y) for (_, x), (_, y) in zip(wa, wb)):
            continue
        max_abs = 0.0
        num = den = 0.0
        for (_, x), (_, y) in zip(wa, wb):
            x = np.asarray(x, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            if x.size:
                max_abs = max(max_abs, float(np.max(np.abs(y - x))))
            num += float(np.sum((y - x) ** 2))
            den += float(np.sum(x ** 2))
        if max_abs > 0:
            rel = (num ** 0.5) / (den ** 0.5) if den else float("inf")
            out.append(WeightChange(an, bn, max_abs, rel))
    order = {name: i for i, name in enumerate(_paths(gb))}
    return sorted(out, key=lambda w: order.get(w.b, len(order)))


def _layer_at(g: LayerGraph, path: str) -> Layer | None:
    """The layer at ``path`` (``encoder/dense``: inside the nested model ``encoder``), or None."""
    layer = None
    for part in path.split("/"):
        if g is None or part not in g:
            return None
        layer = g.layer(part)
        g = layer.subgraph
    return layer


def _paths(g: LayerGraph, prefix: str = "") -> Iterator[str]:
    """Every layer's path in drawing order, a nested model's layers after it."""
    for layer in g.layers:
        yield prefix + layer.name
        if layer.subgraph is not None:
            yield from _paths(layer.subgraph, prefix + layer.name + "/")


# -- --fail-on ----------------------------------------------------------------------------------------
_COND = re.compile(r"^(?P<what>params|weights)\s*>\s*(?P<num>[0-9]*\.?[0-9]+)\s*(?P<pct>%?)$")


def parse_fail_on(text: str) -> list[tuple[str, float | None, bool]]:
    """``added,removed,params>1%`` as a list of (kind, threshold, is_percent).

    >>> parse_fail_on("added, params>1%, weights>0.5")
    [('added', None, False), ('params', 1.0, True), ('weights', 0.5, False)]
    """
    out: list[tuple[str, float | None, bool]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part in ("added", "removed", "changed"):
            out.append((part, None, False))
            continue
        m = _COND.match(part)
        if not m or (m.group("what") == "weights" and m.group("pct")):
            raise OptionError(f"--fail-on: cannot read {part!r} (one of added, removed, changed, "
                              "params>N%, params>N, weights>X)")
        out.append((m.group("what"), float(m.group("num")), bool(m.group("pct"))))
    if not out:
        raise OptionError("--fail-on: no condition given")
    return out


def failing(d: ModelDiff, conditions: Sequence[tuple[str, float | None, bool]]) -> list[str]:
    """The conditions that hold, as text; raises :class:`OptionError` when one cannot be decided."""
    held = []
    for kind, num, pct in conditions:
        if kind in ("added", "removed", "changed"):
            if getattr(d, kind):
                held.append(f"{kind}: {len(getattr(d, kind))}")
        elif kind == "params":
            delta = d.params_delta
            if delta is None:
                raise OptionError("--fail-on params: a parameter count is unknown, so the condition "
                                  "cannot be decided")
            if pct:
                ratio = d.params_delta_ratio
                if ratio is not None and abs(ratio) * 100 > num:
                    held.append(f"params changed by {ratio:+.2%} (> {num:g}%)")
            elif abs(delta) > num:
                held.append(f"params changed by {delta:+,} (> {num:g})")
        elif kind == "weights":
            if not d.weights_compared:
                raise OptionError("--fail-on weights>X needs --weights")
            worst = max((w.relative for w in d.weights_changed), default=0.0)
            if worst > num:
                held.append(f"weights moved by {worst:.4g} relative (> {num:g})")
    return held


# -- helpers ----------------------------------------------------------------------------------------
def _containers(paths: Iterable[str]) -> set[str]:
    """Every proper prefix of the paths: ``a/b/c`` -> ``a``, ``a/b``."""
    out: set[str] = set()
    for path in paths:
        parts = path.split("/")
        out.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return out


def layer_at(g: LayerGraph, path: str) -> Layer:
    """The layer a diff names: a layer of ``g``, or ``outer/inner`` inside its nested models.

    >>> g = LayerGraph("m", [Layer("enc", "Sequential", subgraph=LayerGraph("enc", [Layer("d", "Dense")], [], [], []))],
    ...                [], [], [])
    >>> layer_at(g, "enc/d").type
    'Dense'
    """
    if path in g:
        return g.layer(path)
    parts = path.split("/")
    for i in range(1, len(parts)):  # the outer name may hold "/" itself (a name from an old file)
        outer = "/".join(parts[:i])
        inner = g.layer(outer).subgraph if outer in g else None
        if inner is not None:
            try:
                return layer_at(inner, "/".join(parts[i:]))
            except KeyError:
                continue
    raise KeyError(path)


def _total(g: LayerGraph) -> int | None:
    total = g.total_params
    unknown = getattr(g, "total_params_is_lower_bound", False)
    return None if total is None or unknown else total


def _fmt_total(g: LayerGraph) -> str:
    t = _total(g)
    return "?" if t is None else f"{t:,}"


def _fmt_params(p: int | None) -> str:
    return "?" if p is None else f"{p:,}"


def _label(g: LayerGraph) -> str:
    return f"{g.name} ({g.source})" if g.source else g.name


def _side(g: LayerGraph) -> dict[str, Any]:
    return {"name": g.name, "source": g.source, "total_params": _total(g),
            "trainable_params": g.trainable_params, "layers": len(g.layers)}


def _layer_row(g: LayerGraph, name: str) -> dict[str, Any]:
    layer = layer_at(g, name)
    return {"name": name, "type": layer.type, "params": layer.params}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>&])")


def _md(text: str) -> str:
    """Text safe in a Markdown table cell: metacharacters escaped, HTML inert."""
    text = re.sub(CONTROL_CHARS, " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\\<", "&lt;").replace("\\>", "&gt;").replace("\\&", "&amp;")
