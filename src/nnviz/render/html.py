"""The interactive HTML view: one self-contained file, no network needed to open it.

Inline SVG (drawn from the block Scene by :mod:`nnviz.render.svg`), CSS and a small
script: pan and zoom, click or hover a block for its config, shapes and
parameters, search by name or type, expand nested models and collapsed repeats,
a header with the model's totals and the summary table below.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from ..text import display, printable
from .svg import scene_to_svg

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph
    from .diagram import Diagram

__all__ = ["diagram_to_html", "layer_details", "to_html"]

_CSS = """
*{box-sizing:border-box}body{margin:0;font:14px system-ui,-apple-system,"Segoe UI",sans-serif;color:#222}
header{display:flex;gap:1em;align-items:center;flex-wrap:wrap;padding:.5em 1em;background:#f4f6f8;
border-bottom:1px solid #ccc}header h1{font-size:1.1em;margin:0}header .totals{color:#555}
header input{padding:.3em .5em;min-width:16em}header button{padding:.3em .7em}
main{display:flex;height:calc(100vh - 3.2em)}#canvas{flex:1;overflow:hidden;cursor:grab;background:#fff;position:relative}
#canvas.dragging{cursor:grabbing}#canvas svg{width:100%;height:100%;display:block}
#panel{width:24em;overflow:auto;border-left:1px solid #ccc;padding:.8em;background:#fafafa}
#panel h2{font-size:1em;margin:.2em 0}#panel table{border-collapse:collapse}#panel td{padding:.1em .4em;vertical-align:top}
#panel pre{white-space:pre-wrap;font-size:11px;background:#fff;border:1px solid #ddd;padding:.4em}
#canvas rect,#canvas polyline{vector-effect:non-scaling-stroke}.nnviz-block{cursor:pointer}.nnviz-block:hover rect{stroke:#000;stroke-width:2}
.nnviz-block.hit rect{stroke:#e6550d;stroke-width:3}.nnviz-block.selected rect{stroke:#3182bd;stroke-width:3}
.nnviz-block.dim{opacity:.35}.view{display:none}.view.active{display:block;height:100%}
#summary{padding:1em}#summary table{border-collapse:collapse}#summary td,#summary th{border:1px solid #ddd;padding:.2em .5em}
"""

_JS = r"""
(function(){
const data = JSON.parse(document.getElementById('nnviz-data').textContent);
const canvas = document.getElementById('canvas');
const panel = document.getElementById('panel-body');
let view = document.querySelector('.view.active');
function svg(){ return view.querySelector('svg'); }
function box(s){ const v=s.viewBox.baseVal; return {x:v.x,y:v.y,w:v.width,h:v.height}; }
function setBox(s,b){ s.setAttribute('viewBox', [b.x,b.y,b.w,b.h].join(' ')); }
const home = new Map();
function fit(){ const s=svg(); if(!home.has(s)) home.set(s, box(s)); setBox(s, home.get(s)); }
canvas.addEventListener('wheel', e => { e.preventDefault(); const s=svg(), b=box(s), r=s.getBoundingClientRect();
  const k = e.deltaY < 0 ? 0.85 : 1/0.85; const px=(e.clientX-r.left)/r.width, py=(e.clientY-r.top)/r.height;
  setBox(s,{x:b.x+b.w*px*(1-k), y:b.y+b.h*py*(1-k), w:b.w*k, h:b.h*k}); }, {passive:false});
let drag=null;
canvas.addEventListener('mousedown', e => { drag={x:e.clientX,y:e.clientY,b:box(svg())}; canvas.classList.add('dragging'); });
window.addEventListener('mouseup', () => { drag=null; canvas.classList.remove('dragging'); });
window.addEventListener('mousemove', e => { if(!drag) return; const s=svg(), r=s.getBoundingClientRect();
  const sx=drag.b.w/r.width, sy=drag.b.h/r.height;
  setBox(s,{x:drag.b.x-(e.clientX-drag.x)*sx, y:drag.b.y-(e.clientY-drag.y)*sy, w:drag.b.w, h:drag.b.h}); });
function num(n){ return n === null ? '?' : n.toLocaleString('en-US'); }
function esc(t){ return String(t).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function show(el){
  document.querySelectorAll('.nnviz-block.selected').forEach(b => b.classList.remove('selected'));
  el.classList.add('selected');
  const name = el.dataset.layer, d = data.layers[name];
  const lines = Array.from(el.querySelectorAll('text')).map(t => t.textContent);
  if(!d){ panel.innerHTML = '<h2>'+esc(lines[0]||name)+'</h2><p>'+lines.slice(1).map(esc).join('<br>')+'</p>'
      + (el.dataset.repeat > 1 ? '<p>repeated ×'+el.dataset.repeat+'</p>' : ''); panel.dataset.layer=name; return; }
  const rows = [['type',d.type],['output shape',d.output_shape],['params',num(d.params)],
    ['trainable',num(d.trainable_params)],['non-trainable',num(d.non_trainable_params)],
    ['units',d.units],['activation',d.activation],['inputs',d.inbound]];
  panel.innerHTML = '<h2>'+esc(name)+'</h2><table>'+rows.filter(r => r[1]!==null && r[1]!=='')
    .map(r => '<tr><td>'+r[0]+'</td><td class="v-'+r[0].replace(/ /g,'-')+'">'+esc(r[1])+'</td></tr>').join('')
    +'</table>'+(d.nested ? '<p><button id="open-nested">expand '+esc(name)+'</button></p>' : '')
    +'<h2>config</h2><pre>'+esc(JSON.stringify(d.config,null,1))+'</pre>';
  panel.dataset.layer = name;
  const b = document.getElementById('open-nested'); if(b) b.onclick = () => expand(name);
}
function bind(root){ root.querySelectorAll('.nnviz-block').forEach(el => {
  el.addEventListener('click', e => { e.stopPropagation(); show(el); });
  el.addEventListener('dblclick', e => { e.stopPropagation(); expand(el.dataset.layer); });
  el.addEventListener('keydown', e => { if(e.key==='Enter') show(el); }); }); }
document.querySelectorAll('.view').forEach(bind);
function switchTo(id){ document.querySelectorAll('.view').forEach(v => v.classList.toggle('active', v.id===id));
  view = document.getElementById(id); fit(); const t=document.getElementById('toggle');
  if(t) t.textContent = id==='view-expanded' ? 'Collapse' : 'Expand all'; search(); }
function expand(name){ if(!document.getElementById('view-expanded')) return;
  switchTo('view-expanded');
  const inner = Array.from(view.querySelectorAll('.nnviz-block')).find(b => (b.dataset.layer||'').startsWith(name+'/'))
    || Array.from(view.querySelectorAll('.nnviz-block')).find(b => b.dataset.layer===name);
  if(inner){ show(inner); } }
const t=document.getElementById('toggle');
if(t) t.onclick = () => switchTo(view.id==='view-expanded' ? 'view-default' : 'view-expanded');
document.getElementById('fit').onclick = fit;
const q=document.getElementById('search');
function mark(v, term){ let n=0, first=null;
  v.querySelectorAll('.nnviz-block').forEach(el => { const d=data.layers[el.dataset.layer];
    const hay=((el.dataset.layer||'')+' '+(d?d.type:'')+' '+el.textContent).toLowerCase();
    const hit = term && hay.includes(term); el.classList.toggle('hit', !!hit); el.classList.toggle('dim', !!term && !hit);
    if(hit){ n++; if(!first) first=el; } });
  return [n, first]; }
function search(){ const term=q.value.trim().toLowerCase(); let [n, first] = mark(view, term);
  const other = document.getElementById(view.id==='view-default' ? 'view-expanded' : 'view-default');
  if(term && !n && other && mark(other, term)[0]){ switchTo(other.id); return first_hit(); }
  document.getElementById('hits').textContent = term ? n+' match'+(n===1?'':'es') : '';
  return first; }
function first_hit(){ return view.querySelector('.nnviz-block.hit'); }
q.addEventListener('input', search);
q.addEventListener('keydown', e => { if(e.key==='Enter'){ const f=search(); if(f) show(f); } });
fit();
})();
"""


def _shape(shape: Any) -> str:
    from ..graph import format_shape

    return format_shape(shape)


_MAX_CONFIG_DEPTH = 32  # a config nested deeper is shown cut there (json.dumps would run out of stack)
_TITLE = 80  # characters of the page's title


def _clip(value: Any, depth: int = 0) -> Any:
    """A config with whatever is nested deeper than ``_MAX_CONFIG_DEPTH`` replaced by ``"…"``."""
    if isinstance(value, dict):
        return "…" if depth >= _MAX_CONFIG_DEPTH else {str(k): _clip(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return "…" if depth >= _MAX_CONFIG_DEPTH else [_clip(v, depth + 1) for v in value]
    return value


def layer_details(graph: "LayerGraph", prefix: str = "") -> dict[str, dict[str, Any]]:
    """Per layer (nested ones as ``outer/inner``), what the panel shows.

    Keys are the blocks' ``data-layer`` values: the names with control characters escaped.
    """
    out: dict[str, dict[str, Any]] = {}
    for layer in graph.layers:
        key = prefix + printable(layer.name)
        cfg = {k: _clip(v) for k, v in layer.config.items() if k not in ("layers", "function")}
        if "function" in layer.config:
            cfg["function"] = "<code, not run>"
        out[key] = {
            "type": layer.type, "output_shape": _shape(layer.output_shape), "params": layer.params,
            "trainable_params": layer.trainable_params, "non_trainable_params": layer.non_trainable_params,
            "units": layer.units, "activation": layer.activation,
            "inbound": "; ".join(", ".join(c) for c in graph.inbound(layer.name)) or "-",
            "config": cfg, "nested": layer.subgraph is not None,
        }
        if layer.subgraph is not None:
            out.update(layer_details(layer.subgraph, key + "/"))
    return out


def _json_script(data: Any) -> str:
    # "</script>" (or "<!--") inside a string would change how the page parses: no "<" at all
    text = json.dumps(data, sort_keys=True, default=str).replace("<", "\\u003c")
    return f'<script type="application/json" id="nnviz-data">{text}</script>'


def diagram_to_html(diagram: "Diagram", *, expanded: "Diagram | None" = None) -> str:
    """A self-contained HTML page for a block diagram (and optionally its fully expanded form)."""
    from ..summary import summary_html

    graph = diagram.graph
    theme = getattr(diagram.options, "theme", None)
    esc = html.escape
    views = [f'<div class="view active" id="view-default">{scene_to_svg(diagram.scene, theme)}</div>']
    toggle = ""
    if expanded is not None and expanded.scene is not None:
        views.append(f'<div class="view" id="view-expanded">{scene_to_svg(expanded.scene, theme)}</div>')
        toggle = '<button id="toggle">Expand all</button>'
    data = {"name": graph.name, "layers": layer_details(graph)}
    title = esc(display(graph.name, _TITLE))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="nnviz"><title>{title} - nnviz</title><style>{_CSS}</style></head>
<body><header><h1>{title}</h1>
<span class="totals" id="totals">{len(graph.layers)} layers · {esc(graph.params_text())}
({graph.trainable_params:,} trainable, {graph.non_trainable_params:,} non-trainable)</span>
<input id="search" type="search" placeholder="search layer name or type" aria-label="search">
<span id="hits"></span><button id="fit">Fit</button>{toggle}<a href="#summary">summary table</a></header>
<main><div id="canvas">{''.join(views)}</div>
<aside id="panel"><div id="panel-body"><p>Click a block to see its config, shapes and parameters.
Scroll to zoom, drag to pan; double-click a nested model to open it.</p></div></aside></main>
<section id="summary">{summary_html(graph)}<p><a href="#">back to the diagram</a></p></section>
{_json_script(data)}<script>{_JS}</script></body></html>
"""


def _block_variant(diagram: "Diagram", **changes: Any) -> "Diagram":
    """The same block diagram drawn by the matplotlib layout, with some options changed."""
    from dataclasses import fields

    from .block import draw_blocks

    opts = {f.name: getattr(diagram.options, f.name) for f in fields(diagram.options)}
    opts.update(engine="matplotlib", **changes)
    return draw_blocks(diagram.graph, **opts)


def _has_hidden_parts(diagram: "Diagram") -> bool:
    scene = diagram.scene
    return scene is not None and (any(b.repeat > 1 or b.family == "model" for b in scene.boxes)
                                  or any(c.repeat > 1 for c in scene.clusters))


def to_html(diagram: "Diagram") -> str:
    """The page for any Diagram: interactive blocks for the block style, the picture for nodes."""
    if diagram.style == "block":
        base = diagram if diagram.scene is not None else _block_variant(diagram)
        expanded = _block_variant(diagram, expand=("all",), collapse=False) if _has_hidden_parts(base) else None
        return diagram_to_html(base, expanded=expanded)
    return _picture_page(diagram)


def _picture_page(diagram: "Diagram") -> str:
    from ..summary import summary_html

    graph = diagram.graph
    svg = diagram.to_bytes("svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: the page is HTML
    title = html.escape(display(graph.name, _TITLE))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="nnviz"><title>{title} - nnviz</title>
<style>body{{margin:0;font:14px system-ui,sans-serif}}header{{padding:.5em 1em;background:#f4f6f8;
border-bottom:1px solid #ccc}}#picture svg{{max-width:100%;height:auto}}#summary{{padding:1em}}
#summary td,#summary th{{border:1px solid #ddd;padding:.2em .5em}}table{{border-collapse:collapse}}</style></head>
<body><header><b>{title}</b> · {html.escape(graph.params_text())} · <a href="#summary">summary table</a></header>
<div id="picture">{svg}</div><section id="summary">{summary_html(graph)}</section></body></html>
"""

