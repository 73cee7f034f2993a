"""Stage 2 of a build, **plan**: the manifest of the last build (untrusted input: only file names nnviz
writes, directly in the gallery folder, are kept) and what is stale against it."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .._version import __version__
from ..errors import NnvizError
from .entries import ENTRY_STYLES, FORMATS, MANIFEST, Entry
from .sources import Source

__all__ = ["Manifest", "read_manifest", "Plan", "plan"]

# the only names nnviz writes for a source's images: the slug, a style, a format (or a thumbnail)
_SLUG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_FILE_NAME = re.compile(rf"({_SLUG.pattern})\.(?:{'|'.join(ENTRY_STYLES)})\.(?:{'|'.join(FORMATS)}|thumb\.png)")


@dataclass
class Manifest:
    """What the last build made: its entries, the index files it wrote, and what was wrong with it."""

    entries: dict[str, Entry] = field(default_factory=dict)
    made: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)

    def to_json(self, key: Mapping[str, Any]) -> str:
        data = {"nnviz": __version__, "options": key, "made": sorted(self.made),
                "sources": {rel: _entry_json(e) for rel, e in sorted(self.entries.items())}}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _entry_json(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    data["styles"], data["files"] = list(entry.styles), list(entry.files)
    return data


def read_manifest(out: Path) -> Manifest:
    """The manifest in ``out`` (empty when there is none).

    Raises:
        NnvizError: the file is not a manifest nnviz wrote.
    """
    path = out / MANIFEST
    if not path.is_file():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {str(rel): Entry.from_json(e) for rel, e in data["sources"].items()}
        made = tuple(str(name) for name in data.get("made", ()))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise NnvizError("not a gallery manifest nnviz wrote", path=path,
                         hint="delete it and build again: every source is drawn anew") from err
    manifest = Manifest(made=made)
    for rel, entry in entries.items():
        bad = _unsafe_name(out, entry)
        if bad is None:
            manifest.entries[rel] = entry
        else:  # its files are neither probed nor deleted; the source, if still there, is drawn anew
            manifest.warnings.append(f"{path}: ignored the entry {rel!r}: {bad}")
    return manifest


def _unsafe_name(out: Path, entry: Entry) -> str | None:
    """Why an entry of a manifest may not be trusted with files in ``out``, or ``None`` when it may.

    Its slug must be one nnviz makes, and each file a plain name nnviz writes for that slug,
    which is no link and whose resolved parent is ``out``.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> e = Entry("net.json", "h", "net", "Net", None, 4, ("block",), ("net.block.svg", "../victim.txt"))
    >>> _unsafe_name(out, e)
    "'../victim.txt' is not a file name nnviz writes"
    """
    if not _SLUG.fullmatch(entry.slug):
        return f"{entry.slug!r} is not a name nnviz makes"
    if not set(entry.styles) <= set(ENTRY_STYLES):
        return f"the styles {list(entry.styles)} are not nnviz's"
    for name in entry.files:
        match = _FILE_NAME.fullmatch(name)
        if match is None or match.group(1) != entry.slug:
            return f"{name!r} is not a file name nnviz writes"
        if not _inside(out, name):
            return f"{name!r} is a link or does not lie in the gallery folder"
    return None


def _inside(out: Path, name: str) -> bool:
    """Whether ``out / name`` is no link and lies directly in ``out`` (missing is fine)."""
    path = out / name
    return not path.is_symlink() and path.resolve().parent == out.resolve()


@dataclass
class Plan:
    """What a build has to do."""

    render: list[Source]
    keep: list[Entry]
    reasons: list[str]


def plan(sources: Sequence[Source], manifest: Manifest, out: Path, *, unread: Iterable[str] = ()) -> Plan:
    """Compare the sources with the manifest: what to draw and what to keep.

    Args:
        sources: the sources found, with their hashes.
        manifest: what the last build made.
        out: the output folder (to see whether the files are still there).
        unread: sources found but not read (they keep what they had, so are not "removed").

    Returns:
        The plan, with one line per stale or vanished source in ``reasons``.
    """
    result = Plan([], [], [])
    for source in sources:
        old = manifest.entries.get(source.rel)
        reason = _stale_reason(source, old, out)
        if reason is None:
            result.keep.append(old)  # type: ignore[arg-type]
        else:
            result.render.append(source)
            result.reasons.append(f"{source.rel}: {reason}")
    present = {s.rel for s in sources} | set(unread)
    for rel in sorted(manifest.entries):
        if rel not in present:  # its files go in _remove
            result.reasons.append(f"{rel}: removed (its files are still in the gallery)")
    return result


def _stale_reason(source: Source, old: Entry | None, out: Path) -> str | None:
    if old is None:
        return "new"
    if old.hash != source.hash:
        return "changed"
    if old.slug != source.slug:  # another source with the same slug came or went
        return f"renamed {old.slug} -> {source.slug}"
    missing = [f for f in old.files if not (out / f).is_file()]
    if missing:
        return f"{missing[0]} is missing"
    return None
