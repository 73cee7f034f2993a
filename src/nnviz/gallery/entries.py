"""The gallery's vocabulary: its styles, formats and file names, its options, and what a build records
(:class:`Entry`, :class:`Failure`) and returns (:class:`GalleryResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from .._version import __version__
from ..errors import OptionError
from ..options import check_choice, strict_options

if TYPE_CHECKING:  # pragma: no cover
    from ..render.diagram import Diagram

__all__ = ["GalleryOptions", "GalleryResult", "Entry", "Failure", "STYLES", "DIFF_STYLE", "ENTRY_STYLES",
           "PAIR_SUFFIX", "FORMATS", "SOURCE_SUFFIXES", "MANIFEST", "INDEX_MD", "INDEX_HTML", "SCHEMA", "Renderer"]

STYLES = ("block", "node", "volume")
# a pair source's drawing: the block diagram of a diff, made whenever the block style is wanted
DIFF_STYLE = "diff"
ENTRY_STYLES = STYLES + (DIFF_STYLE,)
PAIR_SUFFIX = ".diff.json"
MAX_PAIR_BYTES = 64 * 1024  # a pair file names two files and says a line about them
FORMATS = ("svg", "png", "pdf")
SOURCE_SUFFIXES = (".json", ".keras", ".h5", ".hdf5")
MANIFEST = "manifest.json"
INDEX_MD = "README.md"
INDEX_HTML = "index.html"
# bump when what an entry holds or how a gallery is drawn changes: every entry becomes stale
SCHEMA = 2  # 2: the volume style, for convolutional networks

Renderer = Callable[..., "Diagram"]


# -- options and results -------------------------------------------------------------------

@strict_options
@dataclass(frozen=True, kw_only=True)
class GalleryOptions:
    """What a gallery holds; part of every source's hash, so changing it re-renders all.

    Attributes:
        styles: the styles to draw, or ``None`` for every style that suits each source.
        formats: the image formats, each of ``svg``, ``png``, ``pdf``.
        thumb_size: the largest thumbnail, ``(width, height)`` in pixels.

    >>> GalleryOptions(formats=("gif",))
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown format: 'gif' (must be one of ['svg', 'png', 'pdf'])
    """

    styles: tuple[str, ...] | None = None
    formats: tuple[str, ...] = ("svg", "png")
    thumb_size: tuple[int, int] = (320, 320)

    def __post_init__(self) -> None:
        if self.styles is not None:
            styles = _choices("style", self.styles, STYLES)
            # every style is what None means (each model in the styles that suit it): one hash for both
            object.__setattr__(self, "styles", None if styles == STYLES else styles)
        object.__setattr__(self, "formats", _choices("format", self.formats, FORMATS))
        w, h = self.thumb_size
        if not (isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0):
            raise OptionError(f"thumb_size must be two positive integers, got {self.thumb_size!r}")

    def key(self, renderer: Renderer | None) -> dict[str, Any]:
        """The options as plain data for the hash (and the manifest)."""
        key: dict[str, Any] = {"schema": SCHEMA, "nnviz": __version__,
                               "styles": list(self.styles) if self.styles else "auto",
                               "formats": list(self.formats), "thumb_size": list(self.thumb_size)}
        if renderer is not None:
            key["renderer"] = f"{renderer.__module__}.{renderer.__qualname__}"
        return key


def _choices(name: str, values: Iterable[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """Validated, deduplicated and in the order of ``allowed`` (so the hash does not depend on order)."""
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    values = list(values)
    for v in values:
        check_choice(name, v, tuple(allowed))
    if not values:
        raise OptionError(f"give at least one {name} (of {list(allowed)})")
    return tuple(a for a in allowed if a in values)


@dataclass(frozen=True)
class Entry:
    """One source in the gallery, as the manifest records it.

    Attributes:
        source: the source's path relative to the sources folder (``/``-separated).
        hash: the hash of its inputs when it was drawn.
        slug: the stem of its output files.
        name: the model's name (the title on the index pages).
        description: its one-line description, or ``None``.
        total_params: its parameter count.
        styles: the styles it was drawn in.
        files: the files drawn for it, relative to the output folder.
    """

    source: str
    hash: str
    slug: str
    name: str
    description: str | None
    total_params: int
    styles: tuple[str, ...]
    files: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Entry":
        """The entry from the manifest's plain data."""
        return cls(source=str(data["source"]), hash=str(data["hash"]), slug=str(data["slug"]),
                   name=str(data["name"]),
                   description=None if data.get("description") is None else str(data["description"]),
                   total_params=int(data["total_params"]), styles=tuple(str(s) for s in data["styles"]),
                   files=tuple(str(f) for f in data["files"]))

    def image(self, style: str, fmt: str) -> str:
        """The file name of one image of this entry."""
        return f"{self.slug}.{style}.{fmt}"

    def thumb(self, style: str) -> str:
        """The file name of one thumbnail of this entry."""
        return f"{self.slug}.{style}.thumb.png"


@dataclass(frozen=True)
class Failure:
    """A source that could not be drawn.

    Attributes:
        source: the source's relative path.
        message: one line: the file, the layer and what went wrong.
        traceback: the traceback for an unexpected error (a bug), ``None`` for an NnvizError.
    """

    source: str
    message: str
    traceback: str | None = None


@dataclass
class GalleryResult:
    """What a build did (or, with ``check``, would do).

    Attributes:
        out: the output folder.
        entries: the gallery's contents after the build, sorted by source.
        rendered: the sources read and drawn in this build (in the styles that suit them).
        unchanged: the sources whose outputs were current.
        failed: the sources that could not be drawn.
        removed: the files deleted (their source disappeared or no longer makes them).
        warnings: what was wrong with the manifest (entries ignored), one line each.
        written: the files written, relative to ``out``.
        stale: with ``check``, what is out of date, one line each.
        check: whether this was a check (nothing written).
    """

    out: Path
    entries: list[Entry] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    check: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """2 when a source failed, 1 when a check found the gallery stale, else 0."""
        if self.failed:
            return 2
        return 1 if self.check and self.stale else 0
