"""Batch rendering: a folder of models becomes a gallery of images, thumbnails and index pages.

``build(src, out)`` draws every source in ``src`` (nnviz specs and Keras files)
in every style that suits it (node-and-link for MLPs, block for all), in every
format asked for, with a thumbnail, and writes two index pages: ``README.md``
(a grid that renders on a code-hosting site) and ``index.html`` (a static page).
A *pair* source (``name.diff.json``: ``{"a": path, "b": path}``, paths relative to
it and inside ``src``) is drawn as the :func:`nnviz.diff` of its two models.

The stages, each a plain function:

1. **find** the sources and hash their *inputs*: the source's bytes, the nnviz
   version and the options (never the image bytes, so a newer matplotlib does
   not make a gallery stale);
2. **plan** against ``manifest.json`` (what the last build made, from which
   hashes): unchanged sources are skipped, so a rebuild with nothing changed
   draws nothing;
3. **render** the stale sources, in worker processes when ``jobs`` > 1; a bad
   source becomes a :class:`Failure` and the rest still render;
4. **index**: the pages and the manifest, written only when their text changes.

One module per stage: ``sources`` (find), ``manifest`` (plan), ``workers`` (render),
``pages`` (index); ``entries`` holds the options and records they share, and
``builder`` runs the stages in order.

Every file is written atomically. Only files the previous manifest lists are
ever deleted (when their source disappears); anything else in ``out`` is left
alone. The manifest is untrusted input (it is committed, so a pull request can
edit it): a file name in it is used only when it is a plain name of the form
nnviz writes (``slug.style.fmt``, ``slug.style.thumb.png``) naming a file, not a
link, directly in ``out``; an entry with any other name is dropped with a warning,
so nothing outside ``out`` is ever deleted or even probed.

>>> import tempfile, pathlib, json
>>> src, out = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp()) / "gallery"
>>> _ = (src / "net.json").write_text(json.dumps({"input_shape": [3], "layers": [{"type": "Dense", "units": 1}]}))
>>> result = build(src, out, check=True)
>>> result.exit_code, result.stale
(1, ['net.json: new'])
"""

from __future__ import annotations

from .builder import build
from .entries import (FORMATS, INDEX_HTML, INDEX_MD, MANIFEST, PAIR_SUFFIX, STYLES, Entry, Failure, GalleryOptions,
                      GalleryResult)
from .pages import render_html
from .sources import Pair, find_sources, read_pair, readme_descriptions
from .workers import suits_node, suits_volume

__all__ = ["build", "GalleryOptions", "GalleryResult", "Entry", "Failure", "find_sources", "readme_descriptions",
           "suits_node", "suits_volume", "read_pair", "Pair", "STYLES", "FORMATS", "MANIFEST", "INDEX_MD",
           "INDEX_HTML", "PAIR_SUFFIX", "render_html"]
