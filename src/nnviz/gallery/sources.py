"""Stage 1 of a build, **find**: the sources under a folder, their slugs, their descriptions and the hash of
everything their outputs depend on (a pair source's two models included)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import NnvizError
from ..fileio import open_regular
from .entries import MANIFEST, PAIR_SUFFIX, SOURCE_SUFFIXES, Failure

__all__ = ["Source", "Pair", "read_pair", "find_sources", "readme_descriptions", "HASH_CHUNK"]

MAX_PAIR_BYTES = 64 * 1024  # a pair file names two files and says a line about them
# a Keras file's description in the sources' README.md: "- `keras/cnn.keras`: A small CNN."
_README_LINE = re.compile(r"^\s*[-*]\s+`([^`]+)`\s*(?::|-|\u2014)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Source:
    """A source file and the hash of everything its outputs depend on."""

    rel: str
    path: Path
    slug: str
    hash: str
    description: str | None
    pair: "Pair | None" = None


@dataclass(frozen=True)
class Pair:
    """A pair source: the two models its diff compares, and what the gallery says about it.

    Attributes:
        a, b: the two model files (resolved, inside the sources folder).
        name: the entry's title, or ``None`` for "A's name → B's name".
        description: its one-line description.
        weights: also compare the weight values (``nnviz diff --weights``).
    """

    a: Path
    b: Path
    name: str | None = None
    description: str | None = None
    weights: bool = False


def read_pair(path: Path, root: Path) -> Pair:
    """Read a pair source: ``{"a": path, "b": path, "name"?, "description"?, "weights"?}``.

    The paths are relative to the pair file and must name model files inside ``root`` (the
    sources folder): a pair file in a pull request cannot make the gallery read, and draw,
    any other file of the machine that builds it.

    Raises:
        ReadError: the file is not such an object, or a path is absolute, leaves ``root``,
            is a pair itself or is no model file.

    >>> import tempfile, pathlib, json
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "p.diff.json").write_text(json.dumps({"a": "../../etc/passwd", "b": "x.json"}))
    >>> try:
    ...     read_pair(d / "p.diff.json", d)
    ... except NnvizError as err:
    ...     print(err.message)
    'a' must name a model file inside the sources folder, not '../../etc/passwd'
    """
    from ..errors import ReadError

    with open_regular(path) as fh:
        raw = fh.read(MAX_PAIR_BYTES + 1)
    if len(raw) > MAX_PAIR_BYTES:
        raise ReadError(f"a pair file is a few lines, this one is over {MAX_PAIR_BYTES // 1024} KB", path=path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise ReadError(f"not a pair file: {err}", path=path) from None
    allowed = {"a": str, "b": str, "name": str, "description": str, "weights": bool}
    if not isinstance(data, dict) or not {"a", "b"} <= set(data):
        raise ReadError('a pair file is an object {"a": model, "b": model} (and "name", "description", '
                        '"weights")', path=path)
    for key, value in data.items():
        if key not in allowed:
            raise ReadError(f"unknown key {key!r} in a pair file (one of {sorted(allowed)})", path=path)
        if not isinstance(value, allowed[key]):
            raise ReadError(f"{key!r} must be a {allowed[key].__name__}", path=path)
    top = root.resolve()
    sides = []
    for side in ("a", "b"):
        target = (path.parent / data[side]).resolve()
        if (Path(data[side]).is_absolute() or top not in target.parents
                or target.suffix.lower() not in SOURCE_SUFFIXES or target.name.lower().endswith(PAIR_SUFFIX)):
            raise ReadError(f"{side!r} must name a model file inside the sources folder, not {data[side]!r}",
                            path=path)
        sides.append(target)
    return Pair(sides[0], sides[1], data.get("name"), data.get("description"), data.get("weights", False))


def find_sources(src: str | os.PathLike, *, exclude: str | os.PathLike | None = None) -> list[Path]:
    """The model files under ``src``, sorted: specs and Keras files, hidden ones skipped.

    Args:
        src: the sources folder.
        exclude: a folder to skip (the gallery itself, when it lies inside ``src``).

    Returns:
        The paths, sorted by their path relative to ``src``. A FIFO, device or socket with a
        source's suffix is listed too, so that a build refuses it by name.

    Raises:
        NnvizError: ``src`` is not a folder.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.json", "a.keras", "notes.txt", ".hidden.json"):
    ...     _ = (d / name).write_text("{}")
    >>> [p.name for p in find_sources(d)]
    ['a.keras', 'b.json']
    """
    root = Path(src)
    if not root.is_dir():
        raise NnvizError("the sources folder does not exist", path=root)
    skip = Path(exclude).resolve() if exclude is not None else None
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        if skip is not None and (path.resolve() == skip or skip in path.resolve().parents):
            continue
        if (path.suffix.lower() in SOURCE_SUFFIXES and path.name != MANIFEST
                and path.exists() and not path.is_dir()):
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _slug(rel: str) -> str:
    """The stem of a source's output files: ``lenet5.json`` -> ``lenet5``, ``keras/cnn.keras`` -> ``keras-cnn-keras``.

    >>> _slug("lenet5.json"), _slug("keras/cnn.keras"), _slug("keras/lstm.h5"), _slug("-.json"), _slug("d/x.diff.json")
    ('lenet5', 'keras-cnn-keras', 'keras-lstm-h5', 'model', 'd-x')
    """
    if rel.lower().endswith(PAIR_SUFFIX):  # diffs/cnn.diff.json -> diffs-cnn
        rel = rel[: -len(PAIR_SUFFIX)] + ".json"
    stem = rel[: -len(".json")] if rel.lower().endswith(".json") else rel
    return re.sub(r"[^A-Za-z0-9_]+", "-", stem).strip("-") or "model"


def _slugs(rels: Iterable[str]) -> dict[str, str]:
    """Every source's slug, no two alike (ignoring case, for case-insensitive file systems).

    Sources whose slugs clash (``a-b.json`` and ``a.b.json``, ``keras/cnn.json`` and
    ``keras-cnn.json``) are told apart deterministically: the first in sorted order keeps
    the plain slug, each other one gets a hash of its path appended (which clashes with
    no other source's slug).

    >>> _slugs(["a.b.json", "a-b.json", "c.json"])
    {'a-b.json': 'a-b', 'a.b.json': 'a-b-11c93f', 'c.json': 'c'}
    """
    rels = sorted(rels)
    plain = {rel: _slug(rel) for rel in rels}
    taken = {slug.lower() for slug in plain.values()}
    used: set[str] = set()
    slugs = {}
    for rel in rels:
        slug = plain[rel]
        if slug.lower() in used:
            digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()
            n = 6
            while f"{plain[rel]}-{digest[:n]}".lower() in taken | used and n < len(digest):
                n += 1
            slug = f"{plain[rel]}-{digest[:n]}"
        used.add(slug.lower())
        slugs[rel] = slug
    return slugs


def readme_descriptions(src: Path) -> dict[str, str]:
    """One-line descriptions of Keras files from ``src/README.md`` (``- `keras/cnn.keras`: A CNN.``).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "README.md").write_text("- `keras/cnn.keras`: A small CNN.\\n| `x.json` | table rows are not read |\\n")
    >>> readme_descriptions(d)
    {'keras/cnn.keras': 'A small CNN.'}
    """
    readme = src / "README.md"
    if not readme.is_file():
        return {}
    found = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = _README_LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


HASH_CHUNK = 1 << 20  # the source hash reads this many bytes at a time: memory stays flat for a 3 GB .h5


def _hash(path: Path, rel: str, description: str | None, key: Mapping[str, Any]) -> str:
    """The hash of a source's bytes and what else its outputs depend on, read in chunks.

    Raises:
        ReadError: the source is no regular file (a FIFO would hang, ``/dev/zero`` never end).
        OSError: it cannot be read.
    """
    crlf = rel.lower().endswith(".json")  # a checkout with Windows line endings is not a change
    digest = hashlib.sha256(json.dumps({"options": key, "description": description}, sort_keys=True).encode())
    digest.update(b"\0")
    held = b""  # a chunk's last CR, which may begin a CRLF the next chunk ends
    with open_regular(path) as fh:
        while chunk := fh.read(HASH_CHUNK):
            if crlf:
                chunk = held + chunk
                held = chunk[-1:] if chunk.endswith(b"\r") else b""
                chunk = chunk[: len(chunk) - len(held)].replace(b"\r\n", b"\n")
            digest.update(chunk)
    digest.update(held)
    return digest.hexdigest()


def _sources(src: Path, out: Path, key: Mapping[str, Any]) -> tuple[list[Source], list[Failure]]:
    """The sources with their hashes, and those that cannot be read (no regular file, unreadable)."""
    described = readme_descriptions(src)
    paths = {path.relative_to(src).as_posix(): path for path in find_sources(src, exclude=out)}
    slugs = _slugs(paths)
    sources, refused = [], []
    for rel, path in paths.items():
        # a spec carries its own description; a Keras file (a to_json() .json too) has its README line
        description = described.get(rel)
        pair = None
        try:
            digest = _hash(path, rel, description, key)
            if rel.lower().endswith(PAIR_SUFFIX):  # its drawing depends on both models' bytes too
                pair = read_pair(path, src)
                description = pair.description
                both = [_hash(p, p.name, None, key) for p in (pair.a, pair.b)]
                digest = hashlib.sha256("\0".join([digest, *both]).encode()).hexdigest()
        except NnvizError as err:
            refused.append(Failure(rel, str(err)))
            continue
        except OSError as err:
            refused.append(Failure(rel, f"{getattr(err, 'filename', None) or path}: cannot be read "
                                        f"({err.strerror or err})"))
            continue
        sources.append(Source(rel, path, slugs[rel], digest, description, pair))
    return sources, refused
