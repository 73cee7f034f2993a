"""Drawing a :class:`~nnviz.modeldiff.ModelDiff`: its Scenes as a diagram and as a page.

The Scenes come laid out (:mod:`nnviz.layout.diff` of the views of :mod:`nnviz.view.diff`: the
union of both models, coloured by status; each model apart for the page); :mod:`nnviz.modeldiff` runs the stages. This module
lays nothing out: :func:`diff_diagram` wraps the union's Scene in a block diagram (``.svg``,
``.png``, ``.pdf``), :func:`diff_page` writes the two models side by side as a self-contained
page (a click on a layer highlights its match and lists its differences).
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from ..view.diff import STATUSES, WEIGHT_LIMITS, diff_title
from ..scene import ONE_SIDED_EDGES
from .block import BlockDiagram, render_scene
from .html import page_colors
from .svg import scene_to_svg

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph
    from ..view import View
    from ..modeldiff import ModelDiff
    from ..scene import Scene
    from ..theme import Theme

__all__ = ["diff_diagram", "diff_page"]


def diff_diagram(union: "LayerGraph", view: "View", scene: "Scene", options: Any) -> BlockDiagram:
    """The union's Scene as a block diagram (matplotlib; SVG from the Scene's own writer)."""
    return BlockDiagram(union, view=view, scene=scene, engine="matplotlib", dpi=options.dpi, options=options,
                        render=lambda: render_scene(scene, options.theme))


# -- the HTML page: both models side by side --------------------------------------------------------

def diff_page(d: "ModelDiff", scene_a: "Scene", scene_b: "Scene", theme: "Theme") -> str:
    """A self-contained page of A's and B's Scenes side by side, in step; a click shows a layer's
    match (the Scenes are :func:`nnviz.layout.diff.side_scenes`)."""
    svg_a = scene_to_svg(scene_a, theme)
    svg_b = scene_to_svg(scene_b, theme)
    data = d.to_dict()
    data["pairs"] = {bn: an for bn, (an, _) in d.pairs.items()}
    payload = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    title, sub = diff_title(d)
    legend = _legend(theme, (scene_a, scene_b))
    items = [("added", n, n) for n in d.added] + [("removed", n, n) for n in d.removed] + \
            [("changed", c.b, f"{c.b}: " + "; ".join(f"{k} {v[0]} → {v[1]}" for k, v in c.fields.items()))
             for c in d.changed]
    changes = "".join(f'<li class="{k}" data-layer="{html.escape(n, quote=True)}">{k}: {html.escape(t)}</li>'
                      for k, n, t in items) or "<li>no differences</li>"
    return _PAGE.format(title=html.escape(title), sub=html.escape(sub), legend=legend, changes=changes,
                        colors=page_colors(theme),
                        svg_a=svg_a, svg_b=svg_b, data=payload,
                        name_a=html.escape(d.a.name), name_b=html.escape(d.b.name))


def _legend(theme: "Theme", scenes: "tuple[Scene, ...]") -> str:
    """The page's legend, in the colours the blocks and links are drawn in (the theme's palettes):
    every status, the weight changes the drawings show, the two kinds of one-sided link."""
    shown = {box.family for scene in scenes for box in scene.boxes}
    keys = [*STATUSES, *(label for _, label in WEIGHT_LIMITS if label in shown)]
    out = "".join(f'<span class="sw" style="background:{html.escape(theme.color(k), quote=True)}"></span>'
                  f'{html.escape(k)} ' for k in keys)
    return out + "".join(f'<span class="ln" style="border-color:{html.escape(theme.edge_style(k)[0], quote=True)}">'
                         f'</span>{html.escape(text)} ' for k, text in ONE_SIDED_EDGES.items())


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>
{colors}
body {{ font-family: 'DejaVu Sans', sans-serif; margin: 0; color: var(--fg); background: var(--bg); }}
header {{ padding: 8px 12px; border-bottom: 1px solid var(--line); }}
h1 {{ font-size: 16px; margin: 0; }} .sub {{ font-size: 12px; color: var(--soft); }}
.sw {{ display: inline-block; width: 10px; height: 10px; border: 1px solid var(--soft); margin: 0 3px 0 8px; }}
.ln {{ display: inline-block; width: 16px; height: 0; border-top: 2px dashed; margin: 0 3px 3px 8px; }}
main {{ display: flex; height: calc(100vh - 160px); }}
.pane {{ flex: 1; overflow: auto; border-right: 1px solid var(--line); }}
.pane h2 {{ font-size: 13px; margin: 4px 8px; position: sticky; top: 0; background: var(--bg); }}
#changes {{ max-height: 90px; overflow: auto; font-size: 12px; margin: 0; padding: 4px 24px; border-top: 1px solid var(--line); }}
#changes li {{ cursor: pointer; }} #detail {{ font-size: 12px; padding: 2px 12px; min-height: 16px; }}
.nnviz-block.hit rect {{ stroke: #d62728; stroke-width: 3; }}
</style></head><body>
<header><h1>{title}</h1><div class="sub">{sub}</div><div class="sub">{legend}
<button id="zoom-out" title="zoom out">−</button><button id="zoom-in" title="zoom in">+</button></div></header>
<main><div class="pane" id="pane-a"><h2>A: {name_a}</h2>{svg_a}</div>
<div class="pane" id="pane-b"><h2>B: {name_b}</h2>{svg_b}</div></main>
<div id="detail"></div><ul id="changes">{changes}</ul>
<script id="nnviz-diff-data" type="application/json">{data}</script>
<script>
(function () {{
  const data = JSON.parse(document.getElementById('nnviz-diff-data').textContent);
  const aOfB = data.pairs, bOfA = {{}};
  for (const b in aOfB) bOfA[aOfB[b]] = b;
  const changed = {{}};
  for (const c of data.changed) changed[c.b] = c;
  const panes = [document.getElementById('pane-a'), document.getElementById('pane-b')];
  let syncing = false;
  panes.forEach((p, i) => p.addEventListener('scroll', () => {{
    if (syncing) {{ syncing = false; return; }}
    const q = panes[1 - i]; syncing = true;
    q.scrollTop = p.scrollTop / Math.max(1, p.scrollHeight) * q.scrollHeight;
    q.scrollLeft = p.scrollLeft / Math.max(1, p.scrollWidth) * q.scrollWidth;
  }}));
  let zoom = 1;
  const svgs = panes.map(p => p.querySelector('svg'));
  const natural = svgs.map(s => [s.width.baseVal.value, s.height.baseVal.value]);
  function setZoom(z) {{  // both sides at one scale, so they stay in step
    zoom = Math.min(8, Math.max(0.1, z));
    svgs.forEach((s, i) => {{ s.setAttribute('width', natural[i][0] * zoom); s.setAttribute('height', natural[i][1] * zoom); }});
    document.body.dataset.zoom = zoom.toFixed(2);
  }}
  document.getElementById('zoom-in').addEventListener('click', () => setZoom(zoom * 1.25));
  document.getElementById('zoom-out').addEventListener('click', () => setZoom(zoom / 1.25));
  panes.forEach(p => p.addEventListener('wheel', e => {{
    if (!e.ctrlKey) return; e.preventDefault(); setZoom(zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1));
  }}, {{passive: false}}));
  function block(pane, name) {{  // a layer inside a closed nested model: the model's block
    const all = Array.from(pane.querySelectorAll('.nnviz-block'));
    for (let n = name; n; n = n.includes('/') ? n.slice(0, n.lastIndexOf('/')) : '') {{
      const g = all.find(g => g.dataset.layer === n);
      if (g) return g;
    }}
  }}
  function show(side, name) {{
    document.querySelectorAll('.nnviz-block.hit').forEach(g => g.classList.remove('hit'));
    const a = side === 'a' ? name : aOfB[name], b = side === 'b' ? name : bOfA[name];
    const ga = a && block(panes[0], a), gb = b && block(panes[1], b);
    [ga, gb].forEach(g => {{ if (g) {{ g.classList.add('hit'); g.scrollIntoView({{block: 'center', inline: 'center'}}); }} }});
    let text = (a || '(none in A)') + ' ↔ ' + (b || '(none in B)');
    const c = b && changed[b];
    if (c) text += ': ' + Object.entries(c.fields).map(([k, v]) => k + ' ' + JSON.stringify(v[0]) + ' → ' + JSON.stringify(v[1])).join('; ');
    document.getElementById('detail').textContent = text;
  }}
  panes.forEach((p, i) => p.addEventListener('click', e => {{
    const g = e.target.closest('.nnviz-block'); if (g) show(i ? 'b' : 'a', g.dataset.layer);
  }}));
  document.querySelectorAll('#changes li[data-layer]').forEach(li => li.addEventListener('click',
    () => show(li.className === 'removed' ? 'a' : 'b', li.dataset.layer)));
}})();
</script></body></html>
"""
