"""The node style's page: font and neuron sizes, label arrangements and positions along the flow."""

from __future__ import annotations

from dataclasses import dataclass

from ...theme import Theme
from ..metrics import text_size
from .nodeoptions import NodeOptions
from .columns import ROLES, Column

__all__ = ["Sizes", "Page", "fit_columns", "at_width", "legend_entries", "place_legend_rows", "legend_entry_width",
           "colorbar_label", "bottom_height", "caption_sizes", "lift_centre", "column_extents", "MARGIN",
           "CAPTION_GAP", "COLORBAR_W", "FRAME_LINE", "FRAME_PAD", "ROW_GAP", "MIN_FONT", "SCALES"]

# Sizes in points. Why these: a 24 pt pitch fits an 8 pt subscripted label with air;
# natural pages stop growing at about 9 inches across the columns.
MARGIN = 12.0
_PAD = 3.0
CAPTION_GAP = 12.0
_MAX_CROSS = {"LR": 660.0, "TB": 900.0}
_MIN_CROSS = 150.0
COLORBAR_W = 140.0
FRAME_LINE = 2.0   # ems across the flow per level of nested frames (its title line)
FRAME_PAD = 0.8   # ems between a frame and what it holds, per level inside it
ROW_GAP = 1.5      # ems between the rows of a wrapped page
MIN_FONT = 6.0     # points: a page is fitted with text no smaller
SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


@dataclass(frozen=True)
class Sizes:
    """Font and neuron sizes at one scale."""

    font: float
    title: float
    ellipsis: float
    radius: float
    pitch: float

    @classmethod
    def at(cls, theme: Theme, scale: float) -> "Sizes":
        f = theme.font_size * scale
        return cls(font=f, title=theme.title_size * scale, ellipsis=1.4 * f,
                   radius=max(5.0, 0.85 * f), pitch=max(18.0, 3.0 * f))


@dataclass
class _Arrangement:
    """Where the labels of one column go once the pitch is known."""

    keep: list[bool]
    rotate: bool
    flow_ext: float  # how far the labels reach along the flow, beyond the offset
    offset: float    # distance from the neuron centre to the labels' near edge
    base: float      # half-thickness of the column itself (neurons, ellipsis)
    more_step: float = 0.0  # how much further along the flow the "+N more" count sits


@dataclass
class Page:
    """The fitted page: sizes, pitch, arrangements and positions along the flow."""

    sizes: Sizes
    width: float
    height: float
    pitch: float
    radius: float
    cross_len: float
    caption_band: float
    flows: list[float]
    arrangements: list[_Arrangement]
    origin: tuple[float, float]
    bottom_h: float
    legend_rows: list[list[int]]
    fits: bool = True
    frame_band: float = 0.0  # across the flow, before the captions: titles of nested models' frames


def caption_sizes(col: Column, f: float) -> tuple[float, float, float]:
    """(width, height, height of the name line) of a column's caption."""
    name_w, name_h = text_size(col.caption[0], f)
    name_w *= 1.05  # bold
    if not col.caption[1]:
        return name_w, name_h, name_h
    det_w, det_h = text_size(col.caption[1], f)
    return max(name_w, det_w), name_h + 2 + det_h, name_h


def _label_sizes(col: Column, f: float) -> list[tuple[float, float]]:
    return [text_size(t, f) if t else (0.0, 0.0) for t in col.labels]


def _cross_ext(w: float, h: float, direction: str, rotate: bool) -> float:
    return h if direction == "LR" or rotate else w


def _flow_ext(w: float, h: float, direction: str, rotate: bool) -> float:
    return w if direction == "LR" or rotate else h


def lift_centre(ext: float, direction: str) -> float:
    """Where a lifted label's middle sits across the flow, from its neuron's centre.

    Lifted labels clear the links leaving their neuron: above them (LR), or right of them (TB).
    """
    return -(ext / 2 + 1) if direction == "LR" else ext / 2 + 1


def _thin(items: list[tuple[float, float, int]]) -> set[int]:
    """Greedily keep labels that do not overlap across the flow; the "+N more" count (index -1) always stays."""
    kept: list[tuple[float, float, int]] = []
    for c, ext, i in sorted(items):
        if i == -1:  # the count shows: drop the labels it would cover
            while kept and c - kept[-1][0] < (ext + kept[-1][1]) / 2 + 1:
                kept.pop()
            kept.append((c, ext, i))
        elif not kept or c - kept[-1][0] >= (ext + kept[-1][1]) / 2 + 1:
            kept.append((c, ext, i))
    return {i for _, _, i in kept}


def _arrange(col: Column, pitch: float, radius: float, sizes: Sizes, direction: str) -> _Arrangement:
    """Rotate (TB) or thin out a column's labels until none overlaps another at this pitch."""
    dims = _label_sizes(col, sizes.font)
    user_text = any(t and not t.startswith("$") for t in col.labels)
    rotate = direction == "TB" and user_text and any(w > pitch - 2 for w, _ in dims)
    r = radius * (0.6 if col.passive else 1.0)
    base = max(r, sizes.ellipsis / 2 if col.head is not None else 0.0)
    # labels across the flow: (middle in points from the column's middle, extent, index)
    items = []
    for i, (w, h) in enumerate(dims):
        if col.labels[i]:
            ext = _cross_ext(w, h, direction, rotate)
            mid = (col.slot(i) - (col.slots - 1) / 2) * pitch + (lift_centre(ext, direction) if col.lift else 0)
            items.append((mid, ext, i))
    flows = [_flow_ext(*dims[i], direction, rotate) for _, _, i in items]
    keep = _thin(items)
    more_step = 0.0
    if col.more:
        mw, mh = text_size(col.more, sizes.font)
        inline = _thin(items + [(0.0, _cross_ext(mw, mh, direction, False), -1)])
        if direction == "TB" and len(inline) <= len(keep) and items:
            # across a TB column the count would push out neuron labels: give it a row of its own
            more_step = max(flows) + 2
        else:
            keep = inline
        flows.append(more_step + _flow_ext(mw, mh, direction, False))
    flow_ext = max([f for (_, _, i), f in zip(items, flows) if i in keep] + flows[len(items):] + [0.0])
    return _Arrangement([i in keep for i in range(len(dims))], rotate, flow_ext, base + _PAD, base, more_step)


def _overhang(columns: list[Column], sizes: Sizes, direction: str) -> float:
    """How far labels and neurons may reach beyond the outermost neuron centres, across the flow."""
    reach = sizes.radius
    for col in columns:
        for (w, h), t in zip(_label_sizes(col, sizes.font), col.labels):
            if t:
                ext = _cross_ext(w, h, direction, direction == "TB" and not t.startswith("$"))
                reach = max(reach, (ext + 1 if col.lift else ext / 2) + 1)
    return reach


def column_extents(col: Column, arr: _Arrangement, first: bool) -> tuple[float, float]:
    """(upstream, downstream) reach of a column along the flow, labels included."""
    labelled = any(arr.keep) or bool(col.more)
    reach = arr.offset + arr.flow_ext if labelled else arr.base
    return (reach, arr.base) if first else (arr.base, reach)


def _link_span(cross_len: float, scale: float, fixed: bool) -> float:
    """The shortest run of all-to-all links between columns.

    A page sized to its content keeps links neither stubby nor sprawling next to the columns'
    height; a fixed page starts from short links and shares out whatever room is left.
    """
    if fixed:
        return 60.0 * scale
    return min(max(0.45 * cross_len, 90.0), 200.0) * scale


def _flows(columns: list[Column], arrs: list[_Arrangement], captions: list[tuple[float, float, float]],
           direction: str, span: float, scale: float, frame_gap: float = 0.0) -> tuple[list[float], float]:
    """Column positions along the flow, as tight as labels, captions and links allow; and the length.

    Where a nested model's frame begins or ends between two columns, they keep ``frame_gap`` more apart.
    """
    half = [(w if direction == "LR" else h) / 2 for w, h, _ in captions]
    ext = [column_extents(c, a, i == 0) for i, (c, a) in enumerate(zip(columns, arrs))]
    pos = [max(ext[0][0], half[0])]
    for i in range(1, len(columns)):
        # a frame's edge lies past the labels and the caption, and frames of siblings stay apart
        framed = (max(ext[i - 1][1], half[i - 1]) + max(ext[i][0], half[i]) + frame_gap + 4 * scale
                  if columns[i - 1].frames != columns[i].frames else 0.0)
        gap = max(span * (0.6 if columns[i].passive else 1.0),  # one-to-one links need less run
                  ext[i - 1][1] + ext[i][0] + 8 * scale, framed,
                  half[i - 1] + half[i] + (12 if direction == "LR" else 8) * scale)
        pos.append(pos[-1] + gap)
    return pos, pos[-1] + max(ext[-1][1], half[-1])


def legend_entries(columns: list[Column], theme: Theme) -> list[tuple[str, str]]:
    painted = {c.paint for c in columns if c.paint is not None}
    if painted:  # coloured by a cost: the legend is the scale's bins in use, in order
        return [(k, k) for k in theme.role_colors if k in painted]
    present = [r for r in ROLES if any(c.role == r for c in columns)]
    passive = sorted({c.layer.type for c in columns if c.passive})
    names = {"input": "input", "hidden": "hidden", "output": "output",
             "passive": f"no neurons ({', '.join(passive)})"}
    entries: dict[str, tuple[str, str]] = {}
    for role in present:  # roles of one colour share an entry
        color = theme.role_color(role)
        if color in entries:
            entries[color] = (f"{entries[color][0]}, {names[role]}", entries[color][1])
        else:
            entries[color] = (names[role], role)
    return list(entries.values())


def place_legend_rows(entries: list[tuple[str, str]], f: float, width: float) -> list[list[int]]:
    """Pack legend entries into rows no wider than ``width``."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for i, (text, _) in enumerate(entries):
        w = legend_entry_width(text, f)
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(i)
        used += w
    return rows


def legend_entry_width(text: str, f: float) -> float:
    # handle 1.0 em, pad 0.5 em, column spacing 1.5 em (as the renderer asks matplotlib for)
    return text_size(text, f)[0] + 3.0 * f


def colorbar_label(f: float) -> tuple[str, float]:
    text = "weight (links), bias (neurons)"
    return text, text_size(text, f)[0]


def bottom_height(rows: int, f: float, has_colorbar: bool) -> float:
    """Height of the band under the columns: the legend rows, then the colour bar."""
    return 10 + rows * 1.6 * f + ((12 + 8 + 4 + f + 2) if has_colorbar else 0.0)


def _natural_pitch(sizes: Sizes, slots: int, over: float, direction: str) -> float:
    """The pitch of a page sized to its content: roomy for a few neurons, tighter for many."""
    spans = max(slots - 1, 1)
    pitch = sizes.pitch
    if spans * pitch < _MIN_CROSS - 2 * over:
        pitch = min(1.6 * sizes.pitch, (_MIN_CROSS - 2 * over) / spans)
    return min(pitch, _MAX_CROSS[direction] / spans)


def _fixed_pitch(options: NodeOptions, sizes: Sizes, slots: int, reach: float, band: float,
                 top_h: float, bottom_h: float) -> float:
    """The pitch that fills a fixed figsize across the flow (no more than 1.6 times the natural one)."""
    fig_w, fig_h = options.figsize[0] * 72, options.figsize[1] * 72
    across = (fig_h - top_h - bottom_h) if options.direction == "LR" else fig_w
    room = across - 2 * MARGIN - band - CAPTION_GAP - 2 * reach
    return min(room / max(slots - 1, 1), 1.6 * sizes.pitch)


def fit_columns(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
         has_colorbar: bool, scale: float, *, pitch_cap: float | None = None) -> Page:
    """Size the page at one font scale; ``fits`` says whether a fixed figsize holds it.

    Room is kept before the captions for the titles of nested models' frames (a line per level);
    ``pitch_cap`` keeps neurons closer than the natural pitch (a row of a wrapped page).
    """
    d, fixed = options.direction, options.figsize is not None
    sizes = Sizes.at(options.theme, scale)
    f = sizes.font
    captions = [caption_sizes(c, f) for c in columns]
    frame_band = max(len(c.frames) for c in columns) * FRAME_LINE * f
    band = max((h if d == "LR" else w) for w, h, _ in captions) + frame_band
    top_h = (sizes.title + 10) if title else 0.0
    others_w = max([text_size(title, sizes.title)[0] * 1.05 if title else 0.0,
                    colorbar_label(f)[1] + 8 + COLORBAR_W + 15 if has_colorbar else 0.0]
                   + [legend_entry_width(t, f) for t, _ in legend])
    slots, reach = max(c.slots for c in columns), _overhang(columns, sizes, d)
    fig_w, fig_h = (options.figsize[0] * 72, options.figsize[1] * 72) if fixed else (0.0, 0.0)
    rows = place_legend_rows(legend, f, fig_w - 2 * MARGIN) if fixed else []
    pitch = (_fixed_pitch(options, sizes, slots, reach, band, top_h, bottom_height(len(rows), f, has_colorbar))
             if fixed else _natural_pitch(sizes, slots, reach, d))
    if pitch_cap is not None:
        pitch = min(pitch, pitch_cap)
    fits, pitch = pitch >= 0.5, max(pitch, 0.5)
    radius = max(min(sizes.radius, 0.38 * pitch), 0.3)
    cross_len = (slots - 1) * pitch + 2 * reach
    arrs = [_arrange(c, pitch, radius, sizes, d) for c in columns]
    levels = max(len(c.frames) for c in columns)
    flows, flow_len = _flows(columns, arrs, captions, d, _link_span(cross_len, scale, fixed), scale,
                             2 * levels * FRAME_PAD * f)
    core_cross = band + CAPTION_GAP + cross_len + levels * FRAME_PAD * f  # frames close past the neurons
    width = 2 * MARGIN + max(flow_len if d == "LR" else core_cross, others_w)
    rows = rows if fixed else place_legend_rows(legend, f, width - 2 * MARGIN)
    bottom_h = bottom_height(len(rows), f, has_colorbar)
    height = 2 * MARGIN + top_h + bottom_h + (core_cross if d == "LR" else flow_len)
    if fixed:
        fits = fits and width <= fig_w + 0.01 and height <= fig_h + 0.01
        width, height = max(width, fig_w), max(height, fig_h)
        spare = (width - 2 * MARGIN if d == "LR" else height - 2 * MARGIN - top_h - bottom_h) - flow_len
        if len(flows) > 1 and spare > 0:
            flows, flow_len = _spread(flows, spare), flow_len + spare
    core_w, core_h = (flow_len, core_cross) if d == "LR" else (core_cross, flow_len)
    room_h = height - 2 * MARGIN - top_h - bottom_h
    origin = ((width - core_w) / 2, MARGIN + top_h + max(room_h - core_h, 0) / 2)
    return Page(sizes, width, height, pitch, radius, cross_len, band, flows, arrs, origin, bottom_h, rows, fits,
                 frame_band)


def at_width(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
              has_colorbar: bool, width: float) -> NodeOptions:
    """The options that draw exactly ``width`` points wide: a page that wide and as tall as the content
    at its natural size, its fonts shrunk no smaller than :data:`MIN_FONT`; a left-to-right drawing
    too long for that turns top to bottom, where the neurons spread across the width instead."""
    from dataclasses import replace

    tried = []
    for direction in dict.fromkeys((options.direction, "TB")):
        free = replace(options, direction=direction, width=None)
        natural = fit_columns(columns, free, title, legend, has_colorbar, 1.0)
        fixed = replace(free, figsize=(width / 72.0, max(natural.height, 36.0) / 72.0))
        tried.append(fixed)
        if any(fit_columns(columns, fixed, title, legend, has_colorbar, s).fits for s in SCALES
               if options.theme.font_size * s >= MIN_FONT - 1e-9):
            return fixed
    return tried[0]


def _spread(flows: list[float], extra: float) -> list[float]:
    """Share spare room along the flow out between the gaps (a fixed figsize fills its page)."""
    step = extra / (len(flows) - 1)
    return [p + i * step for i, p in enumerate(flows)]
