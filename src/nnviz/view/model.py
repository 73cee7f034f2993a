"""The view's data: blocks, the frames they sit in, and the edges between them.

A :class:`View` is what a block diagram shows, before anything is placed: blocks in
topological order (:class:`Block`), the clusters they are drawn in (:class:`ClusterInfo`)
and the edges. Every step of the view stage is a plain function ``View -> View``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from ..dataflow import stable_order
from ..graph import Layer

if TYPE_CHECKING:  # pragma: no cover
    from ..theme import Theme

__all__ = ["Block", "ClusterInfo", "View", "Coloring", "topological_order", "FOLDABLE_FAMILIES"]

# Layers that fold into the block before them at the "chains" level.
FOLDABLE_FAMILIES = ("normalization", "activation", "regularization")


@dataclass(frozen=True)
class Block:
    """One block of a block diagram (placed as a :class:`~nnviz.scene.Box`): a layer, a closed nested
    model or a group of layers.

    Attributes:
        id: unique id (``outer/inner`` for layers of an opened nested model).
        kind: ``layer``, ``model`` (a closed nested model), ``repeat`` (a run of copies
            drawn as one block), ``chain`` (a layer with its normalisation/activation
            followers) or ``module`` (a branching region).
        label: the name shown first.
        layer: the layer drawn (the head layer of a chain; ``None`` for groups).
        members: ids of every layer the block stands for.
        cluster: id of the cluster the block is drawn in (``None`` at the top).
        params: parameters of all members.
        repeat: how many copies a ``repeat`` block stands for.
        types: the layer types folded into the block, in order.
        shape: the output shape shown.
        family: the colour family.
        frozen: every member is frozen (``trainable`` false, with parameters).
        calls: how many times the layer is called (a shared layer has several).
        is_output: the block produces one of the model's outputs.
        size: number of layers in one copy (for groups).
        note: an extra line of text under the type line (a diff's change), or ``None``.
        paint: a colour key that overrides the family's colour (set by a :class:`Coloring`: a cost's
            bin, a diff's status), or ``None``.
    """

    id: str
    kind: str
    label: str
    layer: Layer | None = None
    members: tuple[str, ...] = ()
    cluster: str | None = None
    params: int = 0
    repeat: int = 1
    types: tuple[str, ...] = ()
    shape: Any = None
    family: str = "other"
    frozen: bool = False
    calls: int = 1
    is_output: bool = False
    size: int = 1
    note: str | None = None
    paint: str | None = None


_MAX_TITLE = 80  # characters of a frame's title (a name from the file, control characters escaped)


@dataclass(frozen=True)
class ClusterInfo:
    """A labelled frame: an opened nested model or one drawn copy of a repeated group."""

    id: str
    title: str
    parent: str | None = None
    kind: str = "model"  # model | repeat
    repeat: int = 1
    params: int = 0
    detail: str = ""  # a second line: what the cluster holds
    members: tuple[str, ...] = ()  # every layer it stands for (a repeat: all copies'; a model: itself)

    @property
    def caption(self) -> str:
        """Title and detail on one line."""
        return f"{self.title} ({self.detail})" if self.detail else self.title


@dataclass
class View:
    """Blocks in topological order, the edges between them, and the clusters they sit in."""

    name: str
    blocks: dict[str, Block]
    edges: list[tuple[str, str]]
    clusters: dict[str, ClusterInfo] = field(default_factory=dict)
    total_params: int = 0
    trainable_params: int = 0
    last_copy: dict[str, str] = field(default_factory=dict)  # a repeat's drawn block -> its last copy's
    # edges that stand for several tensors: a merge reading two calls of a shared layer or model
    calls_on_edge: dict[tuple[str, str], int] = field(default_factory=dict)
    # edges of another kind than "data" (scene.ONE_SIDED_EDGES: a diff's links in one model only)
    edge_kinds: dict[tuple[str, str], str] = field(default_factory=dict)

    def with_blocks(self, blocks: Iterable[Block], edges: Iterable[tuple[str, str]],
                   clusters: dict[str, ClusterInfo] | None = None,
                   edge_kinds: dict[tuple[str, str], str] | None = None) -> "View":
        """A copy with other blocks and edges, re-sorted topologically and de-duplicated."""
        block_map = {n.id: n for n in blocks}
        kept = [e for e in dict.fromkeys(edges) if e[0] in block_map and e[1] in block_map]  # de-duplicated
        ids = list(block_map)
        order = topological_order(ids, kept)
        kinds = self.edge_kinds if edge_kinds is None else edge_kinds
        return View(self.name, block_map if order == ids else {i: block_map[i] for i in order}, kept,
                    self.clusters if clusters is None else clusters, self.total_params,
                    self.trainable_params, self.last_copy, self.calls_on_edge,
                    {e: kinds[e] for e in kept if e in kinds} if kinds else {})

    def source_name(self, block_id: str) -> str:
        """The layer whose output leaves block ``block_id``: the last of a chain or a group,
        in the last copy of a repeat drawn once (``conv2_block3_out``, not ``conv2_block1_add``).

        A label at the far end of an edge names this layer, not the block's sample.
        """
        block = self.blocks[block_id]
        real = block.members[-1] if block.members and block.kind != "model" else block_id
        real = self.last_copy.get(real, real)
        return real.rsplit("/", 1)[-1]

    def target_name(self, block_id: str) -> str:
        """The layer an edge into block ``block_id`` enters (the first of a group)."""
        block = self.blocks[block_id]
        real = block.members[0] if block.members and block.kind in ("repeat", "module") else block_id
        return real.rsplit("/", 1)[-1]

    def scope(self, cluster: str | None) -> list[str]:
        """Ids of the blocks drawn directly in ``cluster``, in order."""
        return [i for i, n in self.blocks.items() if n.cluster == cluster]

    def level(self, cluster: str | None, keep: Callable[[str], bool] | None = None
              ) -> Iterator[tuple[str, str]]:
        """What is drawn directly inside ``cluster`` (``None``: the page), in the view's order.

        Yields ``("block", block id)`` and, once each, ``("cluster", child cluster id)``;
        ``keep(block id)`` limits it to some blocks (and the clusters they are in).
        """
        done: set[str] = set()
        for nid in self.blocks:
            if keep is not None and not keep(nid):
                continue
            chain = list(reversed(self.cluster_chain(nid)))
            if cluster is not None:
                if cluster not in chain:
                    continue
                chain = chain[chain.index(cluster) + 1:]
            if not chain:
                yield "block", nid
            elif chain[0] not in done:
                done.add(chain[0])
                yield "cluster", chain[0]

    def cluster_chain(self, block_id: str) -> list[str]:
        """The clusters around a block, innermost first."""
        out = []
        cid = self.blocks[block_id].cluster
        while cid is not None:
            out.append(cid)
            cid = self.clusters[cid].parent
        return out


def topological_order(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[str]:
    """Kahn's order, preferring the given order; blocks on cycles follow in the given order
    (:func:`nnviz.dataflow.stable_order`, cycles released).

    >>> topological_order(["c", "a", "b"], [("a", "c"), ("b", "a")])
    ['b', 'a', 'c']
    """
    index = {n: i for i, n in enumerate(ids)}
    for u, v in edges:
        if index[u] > index[v]:
            break
    else:  # in order already, as most views are (the sort would keep it)
        return list(ids)
    numbered = [(index[u], index[v]) for u, v in edges]
    return [ids[i] for i in stable_order(len(ids), numbered, release_cycles=True)]


def _group_types(blocks: Sequence[Block]) -> list[str]:
    return [n.layer.type if n.kind == "layer" and n.layer is not None else t for n in blocks for t in n.types[:1]]


def _remap_edges(edges: Iterable[tuple[str, str]], mapping: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for u, v in edges:
        mu, mv = mapping.get(u, u), mapping.get(v, v)
        if mu != mv and mu is not None and mv is not None:
            out.append((mu, mv))
    return out


def _all_frozen(blocks: Sequence[Block]) -> bool:
    """A group is frozen when some member is and every member with weights is (a ReLU has none)."""
    return any(n.frozen for n in blocks) and all(n.frozen or n.params == 0 for n in blocks)


class Coloring:
    """What blocks are coloured by: the layer families, unless a subclass paints them.

    Attributes:
        name: ``family``, ``cost``, ``status``...
        colors: colour key -> fill colour, in legend order (empty: the families').
        before_folding: paints a view before repeats fold (so only blocks of one key fold
            together), or ``None``.
        after_folding: paints each folded view (a folded block by what its layers add up to),
            or ``None``.
    """

    name = "family"

    def __init__(self, colors: Mapping[str, str] | None = None) -> None:
        self.colors: dict[str, str] = dict(colors or {})
        self.before_folding: Callable[[View], View] | None = None
        self.after_folding: Callable[[View], View] | None = None

    def theme(self, base: Theme) -> Theme:
        """``base`` with this colouring's keys among its block colours (``extra_colors``)."""
        if not self.colors:
            return base
        return replace(base, extra_colors={**base.extra_colors, **self.colors})

    def node_theme(self, base: Theme) -> Theme:
        """``base`` with this colouring's keys among its neuron colours (``role_colors``)."""
        if not self.colors:
            return base
        return replace(base, role_colors={**base.role_colors, **self.colors})

    def neuron_key(self, layer: str) -> str | None:
        """The colour key of a layer's neurons (``None``: their role's colour)."""
        return None

    def panel(self) -> dict[str, Any] | None:
        """What the interactive page's panel shows of each layer (``label``, ``values`` by layer), or ``None``."""
        return None
