"""An animated GIF of a network learning: one node-and-link diagram per weight snapshot.

While training, a callback copies the weights every few epochs (see
:mod:`nnviz.training.fit`); afterwards each copy is drawn by the node renderer with
link colours and widths following the weights, captioned with the epoch and its
metrics, and the frames are written as a looping GIF with pillow.

:func:`render_frame` is the one place that turns (graph, weights) into a picture.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..errors import OptionError
from ..fileio import atomic_path
from ..graph import LayerGraph
from .weights import Snapshot, with_weights

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

__all__ = ["render_frame", "write_animation", "write_gif", "check_gif_path", "caption"]

FRAME_MS = 250
LAST_FRAME_MS = 2000  # hold the trained network a moment before the loop starts again


def check_gif_path(path: str | os.PathLike) -> Path:
    """The path, if it ends in ``.gif``.

    Raises:
        OptionError: another suffix.

    >>> check_gif_path("w.gif").name
    'w.gif'
    """
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise OptionError(f"an animation is written as .gif, not {path.suffix or 'no suffix'!r}", path=path)
    return path


def caption(epoch: int, logs: Mapping[str, float]) -> str:
    """The text under a frame: the epoch and the training loss and metrics (validation left out).

    >>> caption(0, {})
    'before training'
    >>> caption(3, {"accuracy": 0.9167, "loss": 0.41234, "val_loss": 0.5})
    'epoch 3 · loss 0.412 · accuracy 0.917'
    """
    if epoch == 0:
        return "before training"
    shown = sorted((k for k in logs if not k.startswith("val_")), key=lambda k: k != "loss")
    return " · ".join([f"epoch {epoch}", *(f"{k} {logs[k]:.3g}" for k in shown)])


def render_frame(graph: LayerGraph, weights: Snapshot, *, text: str | None = None,
                 node_options: Mapping[str, Any] | None = None) -> "Image.Image":
    """Draw the network with these weights as a node-and-link diagram; return it as a PIL image.

    Args:
        graph: the layer graph.
        weights: a snapshot: ``{layer name: [(variable path, array), ...]}``.
        text: a caption under the diagram.
        node_options: further fields of :class:`~nnviz.layout.neurons.nodeoptions.NodeOptions` (``dpi``,
            ``feature_names``, ``output_names``...).
    """
    from PIL import Image

    from ..api import draw_nodes

    diagram = draw_nodes(with_weights(graph, weights), weights=True, **(node_options or {}))
    if text:
        diagram.figure.text(0.5, 0.01, text, ha="center", va="bottom", fontsize=9)
    # frames of a GIF stay at 100 dpi unless asked: a default PNG's 1,200 px would make every frame heavy
    return Image.open(io.BytesIO(diagram.to_bytes("png", dpi=diagram.dpi or 100))).convert("RGB")


def write_gif(path: str | os.PathLike, frames: Sequence["Image.Image"], *, frame_ms: int = FRAME_MS,
              last_frame_ms: int = LAST_FRAME_MS) -> Path:
    """Write frames as a looping GIF, atomically; every frame takes the first one's size.

    >>> from PIL import Image
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.gif"
    >>> _ = write_gif(p, [Image.new("RGB", (8, 8), c) for c in ("red", "blue")])
    >>> Image.open(p).n_frames
    2
    """
    path = check_gif_path(path)
    if not frames:
        raise OptionError("an animation needs at least one frame", path=path)
    size = frames[0].size
    images = [f if f.size == size else f.resize(size) for f in frames]
    durations = [frame_ms] * (len(images) - 1) + [last_frame_ms]
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations,
                       loop=0, disposal=1)
    return path


def _largest_weight(snapshots: Sequence[tuple[int, Mapping[str, float], Snapshot]]) -> float | None:
    import numpy as np

    def arrays(snap: Any) -> Any:  # a snapshot nests one level per nested model
        for value in snap.values():
            if isinstance(value, Mapping):
                yield from arrays(value)
            else:
                yield from (a for _, a in value)

    peaks = [float(np.abs(a).max()) for _, _, snap in snapshots for a in arrays(snap) if getattr(a, "size", 0)]
    return max(peaks) if peaks and max(peaks) > 0 else None


def write_animation(graph: LayerGraph, snapshots: Sequence[tuple[int, Mapping[str, float], Snapshot]],
                    path: str | os.PathLike, *, node_options: Mapping[str, Any] | None = None,
                    frame_ms: int = FRAME_MS, last_frame_ms: int = LAST_FRAME_MS) -> Path:
    """Render each ``(epoch, logs, weights)`` snapshot and write them as a GIF.

    Args:
        graph: the layer graph of the trained model.
        snapshots: what the training callback recorded.
        path: the ``.gif`` to write.
        node_options: passed to :func:`render_frame`.
        frame_ms, last_frame_ms: how long each frame, and the last one, shows.
    """
    check_gif_path(path)
    # one colour scale for every frame, so that a colour means the same weight all through
    opts = {"weight_scale": _largest_weight(snapshots), **(node_options or {})}
    frames = [render_frame(graph, weights, text=caption(epoch, logs), node_options=opts)
              for epoch, logs, weights in snapshots]
    return write_gif(path, frames, frame_ms=frame_ms, last_frame_ms=last_frame_ms)
