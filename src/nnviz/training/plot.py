"""The tutorials' training plot: one panel for the loss, one per metric, training beside validation.

>>> fig = history_figure({"loss": [0.9, 0.5], "val_loss": [1.0, 0.6],
...                       "accuracy": [0.6, 0.8], "val_accuracy": [0.5, 0.7]})
>>> [ax.get_title() for ax in fig.axes]
['loss', 'accuracy']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from ..errors import OptionError
from ..fileio import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["history_figure", "save_figure", "check_plot_path", "PLOT_FORMATS"]

PLOT_FORMATS = ("png", "svg", "pdf")
_TRAIN, _VALIDATION = "#1f77b4", "#ff7f0e"  # matplotlib's first two colours, as in the tutorials


def _panels(history: Mapping[str, Sequence[float]]) -> list[str]:
    """The quantities to plot: ``loss`` first, then each metric (validation curves ride along)."""
    names = [k for k in history if not k.startswith("val_") and k not in ("loss", "learning_rate")]
    return (["loss"] if "loss" in history else []) + names


def history_figure(history: Mapping[str, Sequence[float]], *, title: str | None = None,
                   loss_name: str | None = None) -> "Figure":
    """A Figure with the loss and each metric per epoch, for training and validation.

    Args:
        history: Keras's ``History.history``: ``{"loss": [...], "val_loss": [...], "accuracy": [...]}``.
        title: a title above the panels (the model's name).
        loss_name: the loss function, to label the loss axis with.

    Returns:
        A matplotlib Figure (made without pyplot, so no window opens).
    """
    from matplotlib.figure import Figure

    names = _panels(history)
    if not names:
        raise OptionError("the training history has no loss or metric to plot")
    fig = Figure(figsize=(5.0 * len(names), 4.0), layout="constrained")
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
        label = loss_name.replace("_", " ") if name == "loss" and loss_name else name
        _panel(ax, name, label, history[name], history.get(f"val_{name}"))
    if title:
        fig.suptitle(title)
    return fig


def _panel(ax: "Axes", name: str, label: str, train: Sequence[float],
           validation: Sequence[float] | None) -> None:
    from matplotlib.ticker import MaxNLocator

    epochs = range(1, len(train) + 1)
    ax.plot(epochs, train, color=_TRAIN, label="training")
    if validation:
        ax.plot(epochs, validation, color=_VALIDATION, label="validation")
    ax.set_title(name)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(label)
    ax.grid(True, alpha=0.3)
    ax.legend()


def check_plot_path(path: str | Path) -> Path:
    """The path, if its suffix is an image format a figure can be saved as.

    Raises:
        OptionError: another suffix.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise OptionError(f"unknown plot format {fmt!r} (must be one of {list(PLOT_FORMATS)})", path=path)
    return path


def save_figure(fig: "Figure", path: str | Path, *, dpi: float = 100.0) -> Path:
    """Write a figure atomically; the format follows the suffix (png, svg, pdf)."""
    path = check_plot_path(path)
    fmt = path.suffix.lower().lstrip(".")
    write_atomic(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))
    return path
