"""Stage 3 of a build, **render**: which styles suit a model, and drawing each stale source in its styles and
formats with thumbnails, in worker processes when asked (a broken source or a dead worker fails that source only)."""

from __future__ import annotations

import json
import os
import sys
import traceback
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from ..dataflow import follow_chain
from ..errors import NnvizError
from ..fileio import open_regular, write_atomic
from .entries import DIFF_STYLE, STYLES, Entry, Failure, GalleryOptions, Renderer
from .sources import Pair, Source

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph
    from ..render.diagram import Diagram

__all__ = ["Task", "suits_node", "suits_volume", "styles_for", "render_source", "thumbnail", "run_tasks"]

# layers a node-and-link diagram can show: a pure chain of these is an MLP
NODE_TYPES = frozenset({"InputLayer", "Dense", "Dropout", "Activation", "BatchNormalization"})


@dataclass(frozen=True)
class Task:
    """One source to draw, as handed to a worker process (plain, picklable data)."""

    source: Source
    out: Path
    options: GalleryOptions
    renderer: Renderer | None = None


def suits_node(graph: "LayerGraph") -> bool:
    """Whether a model is an MLP a node-and-link diagram can show.

    That is one flat input and a pure chain of Dense, Dropout, Activation and
    BatchNormalization layers, each read by the next.

    >>> from nnviz import load
    >>> suits_node(load({"input_shape": [3], "layers": [{"type": "Dense", "units": 1}]}))
    True
    >>> suits_node(load({"input_shape": [8, 8, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 1}]}))
    False
    """
    layers = graph.layers
    names, broken = follow_chain(graph.calls, graph.inputs, graph.outputs)
    if broken is not None or len(names) != len(layers):
        return False
    if any(layer.type not in NODE_TYPES or layer.is_model for layer in layers):
        return False
    if not any(layer.type == "Dense" for layer in layers):
        return False
    shape = graph.layer(graph.input_names[0]).output_shape
    return isinstance(shape, tuple) and len(shape) == 2


def suits_volume(graph: "LayerGraph") -> bool:
    """Whether a model has feature maps a volume figure shows: an output of images or volumes
    (rank 4 or more with the batch), in a model stored with its graph.

    >>> from nnviz import load
    >>> suits_volume(load({"input_shape": [8, 8, 1], "layers": [{"type": "Conv2D", "filters": 2, "kernel_size": 3}]}))
    True
    >>> suits_volume(load({"input_shape": [3], "layers": [{"type": "Dense", "units": 1}]}))
    False
    """
    if not graph.has_graph:
        return False
    for _, layer in graph.walk():
        shape = layer.output_shape
        while shape and isinstance(shape[0], tuple):  # several outputs: the first
            shape = shape[0]
        if isinstance(shape, tuple) and len(shape) >= 4:
            return True
    return False


def styles_for(graph: "LayerGraph", wanted: Sequence[str] | None) -> tuple[str, ...]:
    """The styles to draw a model in: those wanted (all by default) that suit it."""
    suits = tuple(s for s in STYLES if s == "block" or (s == "node" and suits_node(graph))
                  or (s == "volume" and suits_volume(graph)))
    return suits if wanted is None else tuple(s for s in suits if s in wanted)


def render_source(task: Task) -> Entry | Failure:
    """Draw one source in its styles and formats, with thumbnails (the work of one worker).

    Files written before a failure are removed again unless they existed before.

    Args:
        task: the source, the output folder and the options.

    Returns:
        The new manifest entry, or a :class:`Failure` saying what went wrong.
    """
    created: list[Path] = []
    try:
        return _render(task, created)
    except NnvizError as err:
        message = str(err) if err.path else f"{task.source.path}: {err}"
        failure = Failure(task.source.rel, message)
    except Exception as err:  # noqa: BLE001 - one broken source must not stop the gallery
        failure = Failure(task.source.rel, f"{task.source.path}: {type(err).__name__}: {err}",
                          traceback.format_exc())
    for path in created:
        path.unlink(missing_ok=True)
    return failure


def _render(task: Task, created: list[Path]) -> Entry:
    from ..loading import load

    source = task.source
    if source.pair is not None:
        return _render_pair(task, source.pair, created)
    graph = load(source.path)
    styles = styles_for(graph, task.options.styles)  # none: recorded, so it is not read again
    draw = task.renderer or _default_renderer()
    options = _example_options(source.path)
    files: list[str] = []
    for style in styles:
        files += _save(draw(graph, style=style, **options), task, style, created)
    return Entry(source=source.rel, hash=source.hash, slug=source.slug, name=graph.name,
                 description=source.description or graph.description, total_params=graph.total_params,
                 styles=styles, files=tuple(files))


def _render_pair(task: Task, pair: Pair, created: list[Path]) -> Entry:
    """A pair source: the diff of its two models, drawn when the block style is wanted."""
    from ..modeldiff import diff

    source = task.source
    d = diff(pair.a, pair.b, weights=pair.weights)
    wanted = task.options.styles
    styles = (DIFF_STYLE,) if wanted is None or "block" in wanted else ()
    files: list[str] = []
    for style in styles:
        files += _save(d.draw(), task, style, created)
    return Entry(source=source.rel, hash=source.hash, slug=source.slug,
                 name=pair.name or f"{d.a.name} → {d.b.name}", description=source.description,
                 total_params=d.b.total_params, styles=styles, files=tuple(files))


def _example_options(path: Path) -> dict[str, Any]:
    """A spec's ``"gallery"`` object: drawing options for this example, e.g. ``{"color_by": "macs"}``.

    They reach :func:`nnviz.draw`, which rejects unknown names; they are part of the source's
    bytes, so changing them makes the gallery stale.
    """
    if path.suffix.lower() != ".json":
        return {}
    with open_regular(path) as f:
        try:
            spec = json.loads(f.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}  # not a spec: load() has said what it is
    options = spec.get("gallery") if isinstance(spec, dict) else None
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise NnvizError('"gallery" must be an object of drawing options, e.g. {"color_by": "macs"}', path=str(path))
    return dict(options)


def _default_renderer() -> Renderer:
    from ..api import draw

    return draw


def _save(diagram: "Diagram", task: Task, style: str, created: list[Path]) -> list[str]:
    """Write the diagram in every format, and its thumbnail; returns the file names."""
    names = []
    stem = f"{task.source.slug}.{style}"
    for fmt in task.options.formats:
        names.append(f"{stem}.{fmt}")
        _note_new(task.out / names[-1], created)
        diagram.save(task.out / names[-1])
    kept = task.out / f"{stem}.png"
    png = kept.read_bytes() if "png" in task.options.formats else _png_bytes(diagram, task.out)
    thumb = task.out / f"{stem}.thumb.png"
    _note_new(thumb, created)
    write_atomic(thumb, thumbnail(png, task.options.thumb_size))
    return names + [thumb.name]


def _note_new(path: Path, created: list[Path]) -> None:
    if not path.exists():
        created.append(path)


def _png_bytes(diagram: "Diagram", folder: Path) -> bytes:
    """A PNG of the diagram when no PNG is kept (through a file: some engines only save)."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder, prefix=".thumb-") as tmp:
        path = Path(tmp) / "diagram.png"
        diagram.save(path)
        return path.read_bytes()


def thumbnail(png: bytes, size: tuple[int, int]) -> bytes:
    """A PNG thumbnail no larger than ``size``, on white (transparency reads badly in a grid).

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGBA", (1000, 500)).save(buf, format="PNG")
    >>> Image.open(io.BytesIO(thumbnail(buf.getvalue(), (320, 240)))).size
    (320, 160)
    """
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image = image.convert("RGBA")
        image.thumbnail(size, Image.Resampling.LANCZOS)
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
    buf = io.BytesIO()
    flat.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def run_tasks(tasks: Sequence[Task], *, jobs: int, progress: bool) -> Iterator[Entry | Failure]:
    """Draw the tasks, in ``jobs`` worker processes (in this one when one suffices).

    Yields:
        An entry or a failure per task, in the order they finish.
    """
    workers = min(jobs, len(tasks))
    bar = _progress_bar(len(tasks), progress)
    try:
        if workers <= 1:
            for task in tasks:
                yield render_source(task)
                bar.update()
            return
        with ProcessPoolExecutor(workers, mp_context=_mp_context(), initializer=_init_worker) as pool:
            futures: dict[Future, Task] = {pool.submit(render_source, task): task for task in tasks}
            for future in as_completed(futures):
                yield _outcome(future, futures[future])
                bar.update()
    finally:
        bar.close()


def _outcome(future: Future, task: Task) -> Entry | Failure:
    """A finished future's result; a worker that died (killed, out of memory) fails its source."""
    try:
        return future.result()
    except BrokenProcessPool as err:
        return Failure(task.source.rel, f"{task.source.path}: the worker process drawing it died ({err})",
                       traceback.format_exc())


def _mp_context() -> Any:
    """``fork`` where it is safe (workers start at once, modules already imported), else ``spawn``.

    A fork of a process running other threads (TensorFlow starts some) can hang on a lock
    a vanished thread held, so such processes spawn fresh workers instead.
    """
    import multiprocessing
    import threading

    safe = ("fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
            and threading.active_count() == 1 and "tensorflow" not in sys.modules)
    return multiprocessing.get_context("fork" if safe else "spawn")


def _init_worker() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, show: bool) -> Any:
    if not show or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="nnviz gallery", unit="model", file=sys.stderr)
