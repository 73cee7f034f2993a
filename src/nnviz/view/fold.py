"""Folding: normalisation/activation/dropout layers into the block before them (chains), and
branching regions between narrow cuts into one block each (modules)."""

from __future__ import annotations

from dataclasses import replace

from ..graph import sum_params
from .labels import group_label
from .model import FOLDABLE_FAMILIES, Block, View, _all_frozen, _group_types, _remap_edges

__all__ = ["fold_chains", "fold_modules", "find_modules"]

_SHORT = {"BatchNormalization": "BN", "LayerNormalization": "LN", "Activation": "",
          "Dropout": "Dropout"}


# -- chains ------------------------------------------------------------------------------

def _foldable(block: Block) -> bool:
    return block.kind == "layer" and block.family in FOLDABLE_FAMILIES and block.calls == 1


def _short_type(block: Block) -> str:
    layer = block.layer
    if layer is not None and layer.type == "Activation" and layer.activation:
        return layer.activation
    return _SHORT.get(block.types[0], block.types[0]) if block.types else block.kind


def fold_chains(view: View) -> View:
    """Fold each normalisation/activation/dropout layer into the block it follows.

    Only where the block before feeds nothing else and the layer reads nothing else,
    so no edge is lost: ``conv -> bn -> relu`` becomes one ``Conv2D + BN + relu`` block.
    """
    preds: dict[str, list[str]] = {n: [] for n in view.blocks}
    succs: dict[str, list[str]] = {n: [] for n in view.blocks}
    for u, v in view.edges:
        preds[v].append(u)
        succs[u].append(v)
    head_of: dict[str, str] = {}
    folded: dict[str, list[str]] = {}
    for nid, block in view.blocks.items():
        ps = preds[nid]
        if (_foldable(block) and len(ps) == 1 and len(succs[ps[0]]) == 1
                and view.blocks[ps[0]].cluster == block.cluster
                and view.blocks[ps[0]].kind in ("layer", "chain")
                and view.blocks[ps[0]].family != "input"):
            head = head_of.get(ps[0], ps[0])
            head_of[nid] = head
            folded.setdefault(head, []).append(nid)
    if not folded:
        return view
    blocks = []
    for nid, block in view.blocks.items():
        if nid in head_of:
            continue
        if nid in folded:
            block = _chain_block(view, block, [view.blocks[t] for t in folded[nid]])
        blocks.append(block)
    return view.with_blocks(blocks, _remap_edges(view.edges, head_of))


def _chain_block(view: View, head: Block, tail: list[Block]) -> Block:
    parts = [head.types[0] if head.kind == "layer" else "+".join(head.types)] + [_short_type(t) for t in tail]
    last = tail[-1]
    family = "output" if last.is_output else head.family
    return replace(head, kind="chain", members=head.members + tuple(m for t in tail for m in t.members),
                   params=sum_params([head.params, *(t.params for t in tail)]), types=tuple(p for p in parts if p),
                   shape=last.shape, family=family, is_output=last.is_output or head.is_output,
                   frozen=head.frozen and all(t.frozen or t.params == 0 for t in tail),
                   size=head.size + len(tail))


# -- modules -----------------------------------------------------------------------------

def _live_counts(ids: list[str], view: View) -> list[int]:
    """For each cut after position i: how many distinct blocks before it are read after it."""
    pos = {n: i for i, n in enumerate(ids)}
    last_use = {}
    for u, v in view.edges:
        if u in pos and v in pos and pos[v] > pos[u]:
            last_use[u] = max(last_use.get(u, -1), pos[v])
    ends = [0] * (len(ids) + 1)
    starts = [0] * (len(ids) + 1)
    for u, end in last_use.items():
        starts[pos[u]] += 1
        ends[end] += 1
    out, live = [], 0
    for i in range(len(ids)):
        live += starts[i] - ends[i]
        out.append(live)
    return out


def _pieces(ids: list[str], view: View, width: int) -> list[list[str]]:
    """Split a scope's order at every cut no more than ``width`` tensors wide."""
    live = _live_counts(ids, view)
    pieces, cur = [], []
    for i, nid in enumerate(ids):
        cur.append(nid)
        if live[i] <= width:
            pieces.append(cur)
            cur = []
    if cur:
        pieces.append(cur)
    return pieces


def _merge_at_joins(pieces: list[list[str]], view: View, min_size: int) -> list[list[str]]:
    """Join consecutive pieces until one ends at a join (a concat, an add) with enough blocks.

    Cells that take two inputs (NASNet) are cut by narrow cuts inside them too; a cell
    ends where its branches join.
    """
    preds: dict[str, int] = {}
    for _, v in view.edges:
        preds[v] = preds.get(v, 0) + 1
    out, cur = [], []
    for piece in pieces:
        cur += piece
        if preds.get(cur[-1], 0) > 1 and len(cur) >= min_size:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def find_modules(view: View, cid: str | None = None, *, min_size: int = 4,
                 max_size: int = 40) -> list[list[str]]:
    """Branching regions between narrow cuts among the blocks of ``cid``: Inception modules, cells.

    Cuts one tensor wide come first; a region bigger than ``max_size`` is cut again
    at two, three, four tensors (its pieces joined up to the next join).
    """
    def split(ids: list[str], width: int) -> list[list[str]]:
        pieces = _pieces(ids, view, width)
        if width > 1:
            pieces = _merge_at_joins(pieces, view, min_size)
        out = []
        for piece in pieces:
            if len(piece) > max_size and width < 4:
                out += split(piece, width + 1)
            elif len(piece) >= min_size and _is_branching(piece, view):
                out.append(piece)
        return out

    ids = view.scope(cid)
    return split(ids, 1) if ids else []


def _is_branching(piece: list[str], view: View) -> bool:
    """Whether the blocks are more than a simple chain: a join inside (a block reading two
    tensors, one maybe from before the piece, as a squeeze-excite multiply does) or a fork."""
    inside = set(piece)
    preds: dict[str, set[str]] = {n: set() for n in piece}
    outs = dict.fromkeys(piece, 0)
    for u, v in view.edges:
        if v in inside:
            preds[v].add(u)
            if u in inside:
                outs[u] += 1
    return any(len(p) > 1 for p in preds.values()) or any(c > 1 for c in outs.values())


def fold_modules(view: View, limit: int | None = None) -> View:
    """Fold branching regions (see :func:`find_modules`) into one ``module`` block each.

    Args:
        view: the view to simplify.
        limit: fold only this many, the biggest first (``None``: all).
    """
    found = [m for cid in [None, *view.clusters] for m in find_modules(view, cid)]
    found.sort(key=lambda m: -len(m))
    if limit is not None:
        found = found[:limit]
    if not found:
        return view
    blocks: list[Block] = []
    mapping: dict[str, str] = {}
    for piece in found:
        block = _module_block([view.blocks[i] for i in piece])
        blocks.append(block)
        mapping.update(dict.fromkeys(piece, block.id))
    kept = [n for n in view.blocks.values() if n.id not in mapping]
    return view.with_blocks(kept + blocks, _remap_edges(view.edges, mapping))


def _module_block(members: list[Block]) -> Block:
    last = members[-1]
    label = group_label([[x for m in members for x in m.members]], _group_types(members))
    layers = sum(m.size * m.repeat for m in members)
    types = tuple(dict.fromkeys(t for m in members for t in m.types))
    return Block("module:" + members[0].id, "module", label, None, tuple(x for m in members for x in m.members),
                last.cluster, sum_params(m.params for m in members), 1, types, last.shape, "group",
                _all_frozen(members), 1, any(m.is_output for m in members), layers)
