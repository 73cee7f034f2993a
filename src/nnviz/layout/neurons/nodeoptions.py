"""The node style's options: :class:`NodeOptions`, one field per keyword of ``draw(style="node")``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import OptionError
from ...options import check_figure, strict_options
from ...theme import Theme

__all__ = ["NodeOptions"]


@strict_options
@dataclass(frozen=True, kw_only=True)
class NodeOptions:
    """How a node-and-link diagram is drawn; every field is a keyword of ``draw(style="node")``.

    Args:
        max_neurons: neurons shown per column; a wider layer shows its first and last few around
            an ellipsis and a "+N more" count (at least 4).
        weights: colour links by weight and neurons by bias (the source must carry weights).
        description: caption layers with the familiar formula (``RELU (`` / ``Σ8[X*w]+b`` / ``) = 16 out``).
        figsize: (width, height) in inches; ``None`` sizes the page to its content.
        width: the figure's exact width (``figsize`` overrides it): a length, ``"3.25in"``, ``"8.5cm"``,
            ``"252pt"``, a number of inches, or a named width (``ieee-column``, ``acm-page``,
            ``a4-text``..., see ``nnviz.options.WIDTHS``); the height follows the content.
        dpi: resolution of PNG output; ``None`` chooses it from the figure's size, so that the PNG
            is at least 1,200 pixels wide (100 dpi at least).
        direction: ``LR`` (data flows left to right) or ``TB`` (top to bottom).
        feature_names: labels of the input neurons instead of X_1, X_2...
        output_names: labels of the output neurons instead of y_1, y_2...
        title: the title; ``None`` for the model's name and parameter total, ``""`` for none.
        theme: colours and fonts: a ``Theme`` or a name, ``default``, ``paper``, ``colorblind``
            or ``dark`` (``None`` for the default theme).
        font: an installed font family for every text, measured from its font file (``None``: the theme's).
        page: ``a4`` (default), ``letter`` or ``None``: without a ``figsize``, a drawing larger than
            the page (either orientation) wraps into rows (``LR``; columns side by side for ``TB``)
            and shrinks to text no smaller than 6 pt, until it fits; ``None`` keeps its natural size.
        ax: a matplotlib Axes to draw into instead of a new figure.
        weight_scale: the |weight| at the ends of the colour bar; ``None`` for the largest drawn
            (give one value to several drawings, e.g. animation frames, to compare them).
        color_by: colour each layer's neurons by a cost instead of their role: ``"params"``,
            ``"macs"``, ``"flops"``, ``"memory"``, a ``.json`` file or a dict ``{layer: number}``
            (``nnviz profile``'s times); the legend is the scale. Not with ``weights=True``.

    Raises:
        OptionError: an unknown option or a value out of range.

    >>> NodeOptions(direction="XY")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown direction: 'XY' (must be one of ['LR', 'TB'])
    """

    max_neurons: int = 10
    weights: bool = False
    description: bool = False
    figsize: tuple[float, float] | None = None
    width: str | float | None = None
    dpi: float | None = None
    direction: str = "LR"
    feature_names: tuple[str, ...] | None = None
    output_names: tuple[str, ...] | None = None
    title: str | None = None
    theme: Theme | str | None = None
    page: str | None = "a4"
    ax: Any = field(default=None, compare=False)
    weight_scale: float | None = None
    color_by: Any = None
    font: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_neurons, bool) or not isinstance(self.max_neurons, int) or self.max_neurons < 4:
            raise OptionError(f"max_neurons must be an integer of at least 4, got {self.max_neurons!r}")
        for name in ("weights", "description"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} must be True or False, got {getattr(self, name)!r}")
        check_figure(self)  # direction, page, figsize, width, dpi, theme and font: the block style's rules
        for name in ("feature_names", "output_names"):
            object.__setattr__(self, name, _names(name, getattr(self, name)))
        if self.title is not None and not isinstance(self.title, str):
            raise OptionError(f"title must be a string, got {self.title!r}")
        if self.weight_scale is not None and (isinstance(self.weight_scale, bool) or not isinstance(
                self.weight_scale, (int, float)) or not self.weight_scale > 0):
            raise OptionError(f"weight_scale must be a positive number, got {self.weight_scale!r}")
        if self.ax is not None and not hasattr(self.ax, "add_collection"):
            raise OptionError(f"ax must be a matplotlib Axes, got {type(self.ax).__name__}")
        if self.color_by is not None:
            from ...view.paint import check_color_by

            check_color_by(self.color_by)
            if self.weights:
                raise OptionError("weights=True colours links and neurons by weight: it cannot go with color_by")


def _names(option: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"{option} must be a list of strings, got {value!r}")
    return tuple(value)
