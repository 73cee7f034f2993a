"""Repeated structures: the same sequence of layer types and configs (names ignored) drawn once.

ResNet's identity blocks, Inception modules, DenseNet's conv blocks, NASNet cells and
transformer blocks are found as runs of copies (:func:`find_repeats`) and drawn as one copy
in a cluster marked ``×n``, or as a single block (:func:`fold_repeats`).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

from ..graph import format_params, sum_params
from ..text import display
from ..theme import family_of
from .labels import copy_label, group_label, is_automatic
from .model import (_MAX_TITLE, FOLDABLE_FAMILIES, ClusterInfo, Block, View, _all_frozen, _group_types,
                    _remap_edges)

__all__ = ["fold_repeats", "find_repeats", "repeat_runs", "signature", "Run"]

_MAX_PERIOD = 400  # longest repeated unit looked for, in blocks

_DROP_KEYS = ("name",)
# Regularisation settings that change from copy to copy (EfficientNet's growing drop rates)
# do not change what the block looks like.
_DROP_REGULARIZATION = ("rate", "seed", "noise_shape", "stddev")


# json.dumps(..., sort_keys=True, default=str) builds an encoder per call; one serves them all
_SORTED_JSON = json.JSONEncoder(sort_keys=True, default=str).encode


def _canonical(config: Any, family: str) -> str:
    if not isinstance(config, dict):
        return _SORTED_JSON(config)
    drop = _DROP_KEYS + (_DROP_REGULARIZATION if family == "regularization" else ())
    clean = {k: v for k, v in config.items() if k not in drop}
    return _SORTED_JSON(clean)


def _json(value: Any) -> str:
    return "null" if value is None else _SORTED_JSON(value)  # most blocks have no paint or note


_FAMILIES: dict[str, str] = {}  # family_of per layer type, asked once per type rather than once per layer


def signature(block: Block) -> tuple:
    """What two blocks must share to count as copies: kind, types, config, paint and note (not names,
    not shapes).

    DenseNet's conv blocks grow the channel count from copy to copy, so shapes may differ.
    """
    layer = block.layer
    if layer is not None:
        family = _FAMILIES.get(layer.type)
        if family is None:
            family = _FAMILIES[layer.type] = family_of(layer.type)
        config = _canonical(layer.config, family)
        sub = layer.subgraph
    else:
        config, sub = "", None
    inner = (len(sub.layers), sub.total_params) if sub is not None else None
    return (block.kind, tuple(block.types), config, block.frozen, block.cluster, inner, block.size,
            _json(block.paint), _json(block.note))


@dataclass(frozen=True)
class Run:
    """Copies ``copies`` of a unit of ``period`` blocks starting at ``start`` of a scope's order."""

    start: int
    period: int
    copies: int

    @property
    def end(self) -> int:
        return self.start + self.period * self.copies


class _Scope:
    """One cluster's blocks in order, with the lookups repeat detection needs."""

    def __init__(self, view: View, ids: list[str]) -> None:
        self.view = view
        self.ids = ids
        self.pos = pos = {n: i for i, n in enumerate(ids)}
        self.preds: dict[str, list[str]] = {n: [] for n in ids}
        self.succs: dict[str, list[str]] = {n: [] for n in ids}
        preds, succs = self.preds.get, self.succs.get
        for u, v in view.edges:
            into, out = preds(v), succs(u)
            if into is not None:
                into.append(u)
            if out is not None:
                out.append(v)
        sigs: dict[tuple, int] = {}
        blocks = view.blocks
        self.tokens = [sigs.setdefault(signature(blocks[n]), len(sigs)) for n in ids]
        # per block, how far back each of its inputs is (None: from outside the scope)
        where = pos.get
        self.back = [tuple([None if (j := where(u)) is None else i - j for u in self.preds[n]])
                     for i, n in enumerate(ids)]

    def same_wiring(self, a: int, b: int, period: int) -> bool:
        """Whether copy ``[b, b+period)`` is wired like ``[a, a+period)`` (names ignored) and reads it.

        Copies must follow one another (the second reads the first): parallel branches
        that happen to look alike are not a repeated structure.
        """
        back = self.back
        if back[a:a + period] == back[b:b + period]:  # the same distances throughout (the usual case)
            return any(a <= b + k - d < b for k in range(period) for d in back[b + k] if d is not None)
        linked = False
        for k in range(period):
            if back[a + k] == back[b + k]:  # the same distances: wired alike (the usual case)
                if not linked:
                    linked = any(a <= b + k - d < b for d in back[b + k] if d is not None)
                continue
            pa, pb = self.preds[self.ids[a + k]], self.preds[self.ids[b + k]]
            if len(pa) != len(pb):
                return False
            for ua, ub in zip(pa, pb):
                ia, ib = self.pos.get(ua, -1), self.pos.get(ub, -1)
                inside_a = a <= ia < a + period
                inside_b = b <= ib < b + period
                if inside_a != inside_b or (inside_a and ib - b != ia - a):
                    return False
                linked = linked or a <= ib < b
        return linked

    def coherence(self, run: Run) -> int:
        """How many blocks of the first copy carry the copy's name: alignments that cut
        between name groups (``conv2_block1_out`` opening ``conv2_block2``) score lower."""
        blocks = [self.view.blocks[n] for n in self.ids[run.start:run.start + run.period]]
        label = _copy_label(blocks)
        return sum(n.label.startswith(label) for n in blocks)

    def crossings(self, run: Run) -> int:
        """Distinct blocks read across the run's two ends: fewer means a cleaner cut."""
        lo, hi = run.start, run.end
        into = {u for n in self.ids[lo:lo + run.period] for u in self.preds[n]
                if not lo <= self.pos.get(u, -1) < hi}
        out = {n for n in self.ids[hi - run.period:hi] for v in self.succs[n]
               if not lo <= self.pos.get(v, -1) < hi}
        return len(into) + len(out)


def _candidates(tokens: Sequence[int]) -> list[tuple[int, int, int]]:
    """Periodic stretches of the token sequence: (covered length, period, start), best first."""
    import numpy as np

    tok = np.asarray(tokens, dtype=np.int64)
    n = len(tok)
    found = []
    for period in range(1, min(n // 2, _MAX_PERIOD) + 1):
        eq = np.concatenate(([False], tok[:-period] == tok[period:], [False]))
        edges = np.flatnonzero(np.diff(eq.astype(np.int8)))
        starts = edges[::2]
        lengths = edges[1::2] - starts + period
        keep = lengths >= 2 * period  # filtered here: most stretches are short, and many
        found.extend(zip(lengths[keep].tolist(), [period] * int(keep.sum()), starts[keep].tolist()))
    found.sort(key=lambda c: (-c[0], c[1], c[2]))
    return found


def _best_run(scope: _Scope, length: int, period: int, start: int) -> Run | None:
    """The alignment of a periodic stretch with the most valid copies and the cleanest cut."""
    best: tuple | None = None
    for shift in range(min(period, length - 2 * period + 1)):
        if best is not None and (length - shift) // period < -best[0][0]:
            break  # no later alignment has room for as many copies (the first count decides)
        s = start + shift
        copies = 1
        while s + (copies + 1) * period <= start + length and scope.same_wiring(
                s + (copies - 1) * period, s + copies * period, period):
            copies += 1
        if copies < 2 or copies * period < 3:
            continue
        run = Run(s, period, copies)
        light = scope.view.blocks[scope.ids[s]].family in FOLDABLE_FAMILIES  # a copy opening with a BN
        key = (-copies, scope.crossings(run), -scope.coherence(run), light, shift)
        if best is None or key < best[0]:
            best = (key, run)
    return None if best is None else best[1]


def find_repeats(view: View, cluster: str | None) -> list[Run]:
    """Non-overlapping runs of repeated units among the blocks drawn in ``cluster``."""
    scope = _Scope(view, view.scope(cluster))
    taken: list[tuple[int, int]] = []  # the accepted runs' [start, end), sorted and disjoint
    runs: list[Run] = []
    for length, period, start in _candidates(scope.tokens):
        gaps = _free_stretches(taken, start, start + length)
        if gaps != [(start, start + length)]:
            # a run that overlaps an accepted one may still fit beside it: trim it
            if sum(b - a for a, b in gaps) < 2 * period:
                continue
            start, length = _longest(gaps, start)
            if length < 2 * period:
                continue
        run = _best_run(scope, length, period, start)
        if run is None:
            continue
        runs.append(run)
        bisect.insort(taken, (run.start, run.end))
    runs.sort(key=lambda r: r.start)
    return [_as_ids(scope, r) for r in runs]  # type: ignore[misc]


def _free_stretches(taken: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The stretches of ``[lo, hi)`` that no accepted run covers, in order (found by bisection
    among the runs: a scan of the range per candidate made 50,000 blocks quadratic)."""
    gaps = []
    at = lo
    for a, b in taken[max(0, bisect.bisect_right(taken, (lo, lo)) - 1):]:
        if a >= hi:
            break
        if b <= at:
            continue
        if a > at:
            gaps.append((at, a))
        at = b
    if at < hi:
        gaps.append((at, hi))
    return gaps


def _longest(gaps: list[tuple[int, int]], start: int) -> tuple[int, int]:
    """The first longest free stretch as (start, length); ``(start, 0)`` when there is none."""
    best = (start, 0)
    for a, b in gaps:
        if b - a > best[1]:
            best = (a, b - a)
    return best


@dataclass(frozen=True)
class _IdRun:
    copies: tuple[tuple[str, ...], ...]


def _as_ids(scope: _Scope, run: Run) -> _IdRun:
    return _IdRun(tuple(tuple(scope.ids[run.start + c * run.period:run.start + (c + 1) * run.period])
                        for c in range(run.copies)))


def _copy_label(blocks: Sequence[Block]) -> str:
    """A name for one copy of a group of blocks (see :func:`~nnviz.view.labels.copy_label`);
    the first block's own name, else the last one's, when the names share nothing."""
    label = copy_label([i for n in blocks for i in n.members], [t for n in blocks for t in n.types])
    if label:
        return label
    first = blocks[0]
    if first.family not in FOLDABLE_FAMILIES and not is_automatic(first.id, first.types):
        return first.label
    return blocks[-1].label


def _group_params(view: View, ids: Iterable[str]) -> int | None:
    return sum_params(view.blocks[i].params for i in ids)


def repeat_runs(view: View) -> list[_IdRun]:
    """The runs of repeated units in every scope of ``view`` (what :func:`fold_repeats` folds)."""
    return [run for cid in [None, *view.clusters] for run in find_repeats(view, cid)]


def fold_repeats(view: View, *, as_block: bool = False, runs: list[_IdRun] | None = None) -> View:
    """Draw each run of repeated units once.

    Args:
        view: the view to simplify.
        as_block: fold each run into one block (``×n``); otherwise keep the first copy's
            blocks inside a cluster titled ``×n``.
        runs: :func:`repeat_runs` of ``view``, when the caller found them already (to fold the
            same view both ways without looking for its repeats twice).
    """
    if runs is None:
        runs = repeat_runs(view)
    if not runs:
        return view
    blocks = dict(view.blocks)
    clusters = dict(view.clusters)
    mapping: dict[str, str] = {}
    last_copy = dict(view.last_copy)
    for run in runs:
        first, last = run.copies[0], run.copies[-1]
        members = [i for copy in run.copies for i in copy]
        names = [[m for i in copy for m in view.blocks[i].members] for copy in run.copies]
        label = group_label(names, _group_types([view.blocks[i] for i in first]))
        params = _group_params(view, members)
        scope = view.blocks[first[0]].cluster
        if as_block:
            gid = "repeat:" + first[0]
            tail = view.blocks[last[-1]]
            blocks[gid] = Block(gid, "repeat", label, None, tuple(members), scope, params, len(run.copies),
                              tuple(t for i in first for t in view.blocks[i].types), tail.shape, "group",
                              _all_frozen([view.blocks[i] for i in members]), 1, tail.is_output, len(first))
            for i in members:
                mapping[i] = gid
                del blocks[i]
            continue
        cid = "cluster:" + first[0]
        clusters[cid] = ClusterInfo(cid, f"{display(label, _MAX_TITLE)}  ×{len(run.copies)}", scope, "repeat",
                                    len(run.copies), params, f"{format_params(params)} params",
                                    tuple(m for copy in names for m in copy))
        for i in first:
            blocks[i] = replace(blocks[i], cluster=cid)
        for copy in run.copies[1:]:
            for k, i in enumerate(copy):
                mapping[i] = first[k]
                del blocks[i]
        last_copy.update(zip(first, last))
    edges = _remap_edges(view.edges, mapping)
    if not as_block:
        # copies read each other in a chain; drawn once, that is a loop back into the copy
        group_of = {i: run.copies[0][0] for run in runs for copy in run.copies for i in copy}
        pos = {n: i for i, n in enumerate(view.blocks)}
        edges = [(u, v) for u, v in edges
                 if not (group_of.get(u) is not None and group_of.get(u) == group_of.get(v)
                         and pos[u] >= pos[v])]
    out = view.with_blocks(blocks.values(), edges, clusters)
    out.last_copy = last_copy
    return out
