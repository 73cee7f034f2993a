"""A build, the stages in order: find the sources, plan against the manifest, render what is stale, write the
index pages and the manifest (each only when its text changes), and delete only files the old manifest lists."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import OptionError
from ..fileio import write_atomic
from .entries import INDEX_HTML, INDEX_MD, MANIFEST, Entry, Failure, GalleryOptions, GalleryResult, Renderer
from .manifest import _FILE_NAME, Manifest, Plan, _inside, plan, read_manifest
from .pages import _guard_index, _read_text, index_pages
from .sources import _sources
from .workers import Task, run_tasks

__all__ = ["build"]


def build(src: str | os.PathLike, out: str | os.PathLike, *, styles: Sequence[str] | None = None,
          formats: Sequence[str] = ("svg", "png"), jobs: int | None = None, check: bool = False,
          progress: bool | None = None, force: bool = False, renderer: Renderer | None = None) -> GalleryResult:
    """Draw every model in ``src`` into the gallery ``out``, redrawing only what changed.

    Args:
        src: the sources folder: nnviz specs (``.json``) and Keras files (``.keras``,
            ``.h5``, ``.hdf5``), in subfolders too; a Keras file's description is its
            line ``- `path`: text`` in ``src/README.md``.
        out: the gallery folder (made if missing).
        styles: the styles to draw (``block``, ``node``); default every style that suits
            each model (``node`` for MLPs, ``block`` for all).
        formats: the image formats (``svg``, ``png``, ``pdf``).
        jobs: worker processes (default the CPU count; 1 draws in this process).
        check: write nothing; ``result.stale`` names what is out of date.
        progress: show a progress bar (default: when stderr is a terminal).
        force: draw every source again, current or not (after a change to the renderers
            that kept nnviz's version).
        renderer: the drawing function, with :func:`nnviz.draw`'s signature (default
            ``nnviz.draw``); with ``jobs`` > 1 it must be importable by name.

    Returns:
        A :class:`GalleryResult`; its ``exit_code`` is 2 if a source failed, 1 if a check
        found the gallery stale, else 0.

    Raises:
        OptionError: an unknown style or format, ``jobs`` < 1, or ``check`` with ``force``.
        NnvizError: ``src`` is missing, the manifest is not nnviz's, or an index page
            in ``out`` was not written by nnviz.

    >>> build("examples", "gallery", formats=("gif",))
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown format: 'gif' (must be one of ['svg', 'png', 'pdf'])
    """
    options = GalleryOptions(styles=None if styles is None else tuple(styles), formats=tuple(formats))
    jobs = _jobs(jobs)
    if check and force:
        raise OptionError("check and force exclude each other: a check writes nothing")
    src_path, out_path = Path(src), Path(out)
    key = options.key(renderer)
    sources, unread = _sources(src_path, out_path, key)
    manifest = read_manifest(out_path)
    todo = plan(sources, Manifest() if force else manifest, out_path, unread=[f.source for f in unread])
    result = GalleryResult(out_path, check=check, warnings=list(manifest.warnings))
    if check:
        result.failed = list(unread)
        return _check(todo, options, key, result)
    out_path.mkdir(parents=True, exist_ok=True)
    _guard_index(out_path, manifest)
    tasks = [Task(s, out_path, options, renderer) for s in todo.render]
    show = sys.stderr.isatty() if progress is None else progress
    entries = {e.source: e for e in todo.keep}
    for outcome in [*unread, *run_tasks(tasks, jobs=jobs, progress=show)]:
        _record(outcome, entries, manifest, result)
    result.removed = _remove(out_path, manifest, entries)
    result.unchanged = sorted(e.source for e in todo.keep)
    result.rendered.sort()
    result.failed.sort(key=lambda f: f.source)
    result.entries = [entries[rel] for rel in sorted(entries)]
    pages = _pages(result.entries, options, key)
    result.written = sorted(result.written + _write_changed(out_path, pages))
    return result


def _pages(entries: Sequence[Entry], options: GalleryOptions, key: Mapping[str, Any]) -> dict[str, str]:
    """The index pages and the manifest, by file name."""
    manifest = Manifest({e.source: e for e in entries}, (INDEX_MD, INDEX_HTML))
    return {**index_pages(entries, options.formats), MANIFEST: manifest.to_json(key)}


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise OptionError(f"jobs must be a positive integer, got {jobs!r}")
    return jobs


def _record(outcome: Entry | Failure, entries: dict[str, Entry], manifest: Manifest,
            result: GalleryResult) -> None:
    """File one task's outcome; a failed source keeps its previous entry (and files)."""
    if isinstance(outcome, Failure):
        result.failed.append(outcome)
        old = manifest.entries.get(outcome.source)
        if old is not None:
            entries[old.source] = old
        return
    entries[outcome.source] = outcome
    result.rendered.append(outcome.source)
    result.written += outcome.files


def _remove(out: Path, manifest: Manifest, entries: Mapping[str, Entry]) -> list[str]:
    """Delete the files the old manifest lists that no entry makes any more (and only those)."""
    keep = {f for e in entries.values() for f in e.files}
    old = {f for e in manifest.entries.values() for f in e.files}
    removed = []
    for name in sorted(old - keep):
        path = out / name
        # read_manifest let only such names through; checked again right before the delete
        if _FILE_NAME.fullmatch(name) and _inside(out, name) and path.is_file():
            path.unlink()
            removed.append(name)
    return removed


def _write_changed(out: Path, pages: Mapping[str, str]) -> list[str]:
    """Write the pages whose text differs from what is there; returns their names."""
    written = []
    for name, text in sorted(pages.items()):
        if _read_text(out / name) != text:
            write_atomic(out / name, text)
            written.append(name)
    return written


def _check(todo: Plan, options: GalleryOptions, key: Mapping[str, Any], result: GalleryResult) -> GalleryResult:
    """Fill ``result.stale`` without writing: stale sources, then pages and manifest out of date."""
    result.stale = list(todo.reasons)
    result.unchanged = sorted(e.source for e in todo.keep)
    if not result.stale:
        entries = sorted(todo.keep, key=lambda e: e.source)
        for name, text in sorted(_pages(entries, options, key).items()):
            if _read_text(result.out / name) != text:
                result.stale.append(f"{name}: out of date")
        result.entries = entries
    return result
