"""The interactive HTML view: one self-contained file, no network needed to open it.

Inline SVG (drawn from the block Scene by :mod:`nnviz.render.svg`), CSS and a small
script: pan and zoom, click or hover a block for its config, shapes and
parameters, search by name or type, expand nested models and collapsed repeats,
a header with the model's totals and the summary table below.

Above :data:`INLINE_LIMIT` layers the page does not carry the expanded drawing: it carries the
collapsed one and the layer data in compact tables (:func:`flat_data`), and its script lays the
expanded view (or a nested model's) out itself when a group is expanded or a search hit lies
inside one, drawing on a canvas only what is on screen, text only once it can be read. Search
then brings the hit to the middle of the view, zoomed in, and shows it in the panel.
"""

from __future__ import annotations

import base64
import gc
import gzip
import html
import json
from typing import TYPE_CHECKING, Any

from ..text import display, printable
from .svg import scene_to_svg

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph
    from ..view import View
    from .diagram import Diagram
    from ..theme import Theme

__all__ = ["diagram_to_html", "flat_data", "group_ends", "layer_count", "layer_details", "to_html"]

_CSS = """
*{box-sizing:border-box}body{margin:0;font:14px system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1em;align-items:center;flex-wrap:wrap;padding:.5em 1em;background:var(--bar);
border-bottom:1px solid var(--line)}header h1{font-size:1.1em;margin:0}header .totals{color:var(--soft)}
header input{padding:.3em .5em;min-width:16em}header button{padding:.3em .7em}
main{display:flex;height:calc(100vh - 3.2em)}#canvas{flex:1;overflow:hidden;cursor:grab;background:var(--bg);position:relative}
#canvas.dragging{cursor:grabbing}#canvas svg{width:100%;height:100%;display:block}
#panel{width:24em;overflow:auto;border-left:1px solid var(--line);padding:.8em;background:var(--side)}
#panel h2{font-size:1em;margin:.2em 0}#panel table{border-collapse:collapse}#panel td{padding:.1em .4em;vertical-align:top}
#panel pre{white-space:pre-wrap;font-size:11px;background:var(--bg);border:1px solid var(--cell);padding:.4em}
#canvas rect,#canvas polyline{vector-effect:non-scaling-stroke}.nnviz-block{cursor:pointer}.nnviz-block:hover rect{stroke:var(--fg);stroke-width:2}
.nnviz-block.hit rect{stroke:#e6550d;stroke-width:3}.nnviz-block.selected rect{stroke:#3182bd;stroke-width:3}
.nnviz-block.dim{opacity:.35}.view{display:none}.view.active{display:block;height:100%}
#canvas canvas{width:100%;height:100%;display:block}
#summary{padding:1em}#summary td{white-space:pre}#summary td.r{text-align:right}#summary table{border-collapse:collapse}#summary td,#summary th{border:1px solid var(--cell);padding:.2em .5em}
"""

_JS = r"""
(function(){
// The layer data is parsed when first needed, not before the first paint; then, one idle slot each,
// a large page lays its expanded view out, indexes its layers for search and notes where each is, so
// that Expand and search find them ready. Data that takes longer to parse than a click may wait
// (a megabyte: 50,000 layers, 0.1-0.3 s) is parsed in the first idle moment after the first paint.
let data = null, flat = null;  // flat: large models, whose expanded view is built here from the layer data
const source = document.getElementById('nnviz-data'), large = !!document.getElementById('nnviz-summary');
const later = window.requestIdleCallback || (f => setTimeout(f, 1));
function need(){ if(data) return; data=JSON.parse(source.textContent); flat=data.flat||null;
  if(large) later(() => { laid(''); later(() => { index(); later(() => locate('')); }); }); }
const canvas = document.getElementById('canvas');
const panel = document.getElementById('panel-body');
let view = document.querySelector('.view.active');
function box(s){ const v=s.viewBox.baseVal; return {x:v.x,y:v.y,w:v.width,h:v.height}; }
function setBox(s,b){ s.setAttribute('viewBox', [b.x,b.y,b.w,b.h].join(' ')); }
// what a view shows: the viewBox of its SVG, or the box a built view draws
function cam(){ if(view.flat) return view.flat.cam; const s=view.querySelector('svg');
  return {el:s, get:()=>box(s), set:b=>setBox(s,b), world:()=>box(s)}; }
const home = new Map();
function fit(){ const c=cam(); if(!home.has(view)) home.set(view, c.world()); c.set(home.get(view)); }
canvas.addEventListener('wheel', e => { e.preventDefault(); const c=cam(), b=c.get(), r=c.el.getBoundingClientRect();
  const k = e.deltaY < 0 ? 0.85 : 1/0.85; const px=(e.clientX-r.left)/r.width, py=(e.clientY-r.top)/r.height;
  c.set({x:b.x+b.w*px*(1-k), y:b.y+b.h*py*(1-k), w:b.w*k, h:b.h*k}); }, {passive:false});
let drag=null, moved=0;
canvas.addEventListener('mousedown', e => { drag={x:e.clientX,y:e.clientY,b:cam().get()}; moved=0; canvas.classList.add('dragging'); });
window.addEventListener('mouseup', () => { drag=null; canvas.classList.remove('dragging'); });
window.addEventListener('mousemove', e => { if(!drag) return; const c=cam(), r=c.el.getBoundingClientRect();
  const sx=drag.b.w/r.width, sy=drag.b.h/r.height; moved=Math.max(moved, Math.abs(e.clientX-drag.x)+Math.abs(e.clientY-drag.y));
  c.set({x:drag.b.x-(e.clientX-drag.x)*sx, y:drag.b.y-(e.clientY-drag.y)*sy, w:drag.b.w, h:drag.b.h}); });
// undefined: a figure this page does not carry (its row is left out); null: unknown ('?')
const NF = new Intl.NumberFormat('en-US');  // what toLocaleString('en-US') makes anew on every call
function num(n){ return n === undefined ? '' : n === null ? '?' : NF.format(n); }
function bytes(n){ if(n === undefined) return ''; if(n === null) return '?'; const u=['B','kB','MB','GB','TB']; let i=0, v=n;
  while(v >= 999.5 && i < u.length-1){ v/=1000; i++; } return (i ? v.toPrecision(3) : String(v))+' '+u[i]; }
function esc(t){ return String(t).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function unselect(){ document.querySelectorAll('.nnviz-block.selected').forEach(b => b.classList.remove('selected')); }
function show(el){
  unselect(); el.classList.add('selected');
  describe(el.dataset.layer, Array.from(el.querySelectorAll('text')).map(t => t.textContent), el.dataset.repeat); }
function group(name){ need(); return data.groups && Object.prototype.hasOwnProperty.call(data.groups, name) ? data.groups[name] : null; }
function opener(label){ return '<p><button id="open-nested">expand '+esc(label)+'</button></p>'; }
function describe(name, lines, repeat){
  const d = info(name);
  if(!d){ panel.innerHTML = '<h2>'+esc(lines[0]||name)+'</h2><p>'+lines.slice(1).map(esc).join('<br>')+'</p>'
      + (repeat > 1 ? '<p>repeated ×'+repeat+'</p>' : '')
      + (flat && group(name) ? opener(lines[0]||name) : '');
    panel.dataset.layer=name; const g=document.getElementById('open-nested'); if(g) g.onclick = () => expand(name); return; }
  const rows = [['type',d.type],['output shape',d.output_shape],['params',num(d.params)],
    ['trainable',num(d.trainable_params)],['non-trainable',num(d.non_trainable_params)],
    ['units',d.units],['activation',d.activation],['inputs',d.inbound],
    ['MACs',num(d.macs)],['FLOPs',num(d.flops)],['activation memory',bytes(d.activation_bytes)],
    ['weight memory',bytes(d.weight_bytes)]];
  if(data.color && data.color.values[name] !== undefined) rows.push([data.color.label, String(data.color.values[name])]);
  panel.innerHTML = '<h2>'+esc(name)+'</h2><table>'+rows.filter(r => r[1]!==null && r[1]!=='')
    .map(r => '<tr><td>'+esc(r[0])+'</td><td class="v-'+r[0].replace(/[^A-Za-z0-9]/g,'-')+'">'+esc(r[1])+'</td></tr>').join('')
    +'</table>'+(d.nested ? opener(name) : '')
    +'<h2>config</h2><pre>'+esc(JSON.stringify(d.config,null,1))+'</pre>';
  panel.dataset.layer = name;
  const b = document.getElementById('open-nested'); if(b) b.onclick = () => expand(name);
}
function bind(root){ root.querySelectorAll('.nnviz-block').forEach(el => {
  el.addEventListener('click', e => { e.stopPropagation(); show(el); });
  el.addEventListener('dblclick', e => { e.stopPropagation(); expand(el.dataset.layer); });
  el.addEventListener('keydown', e => { if(e.key==='Enter') show(el); }); }); }
document.querySelectorAll('.view').forEach(bind);
const t=document.getElementById('toggle');
function switchTo(el){ document.querySelectorAll('.view').forEach(v => v.classList.toggle('active', v===el));
  view = el; fit(); if(t) t.textContent = el.id==='view-default' ? 'Expand all' : 'Collapse'; if(!large) search(); }
// a block brought to the middle of the view, zoomed in when it is small there
function reveal(el){ const c=cam(), b=c.get(), bb=el.getBBox(); let w=b.w, h=b.h;
  if(w > bb.width*8){ h *= bb.width*8/w; w = bb.width*8; }
  c.set({x:bb.x+bb.width/2-w/2, y:bb.y+bb.height/2-h/2, w:w, h:h}); }

// -- the expanded view of a large model: laid out here, on demand; only what is on screen is drawn,
// text only once it is large enough to read (level of detail)
const W=170, H=52, GX=16, GY=30, CG=90, FS=9, LH=11, PIX=10;  // PIX: boxes drawn as paths from this height on
const built = new Map();
let where = null;
function locate(key){ need(); if(!where){ where = new Map();
    for(const p in flat.scopes) flat.scopes[p].n.forEach((n,i) => where.set(p+n, [p,i])); }
  return where.get(key); }
// a layer's details, as the panel shows them, from the compact tables of a large page
const infos = new Map();
function info(key){ need(); if(!flat) return data.layers[key]; if(infos.has(key)) return infos.get(key);
  const w=locate(key); if(!w) return undefined; const S=flat.scopes[w[0]], i=w[1], x=S.x[i]||{};
  const kd=flat.kinds[S.k[i]], all=Object.assign({}, kd[3]), config={};
  if(!('name' in x)) all.name=S.n[i]; else if(x.name!==null) all.name=x.name;
  for(const k of Object.keys(all).sort()) config[k]=all[k];
  const p=S.p[i], t=S.t[i], d={type:kd[0], output_shape:flat.shapes[S.s[i]], params:p, trainable_params:t,
    non_trainable_params: 'non_trainable_params' in x ? x.non_trainable_params : (p!==null && t!==null ? p-t : null),
    units:kd[1], activation:kd[2], inbound: 'inbound' in x ? x.inbound : (S.i[i].map(u => S.n[u]).join(', ') || '-'),
    config:config, nested: flat.scopes[key+'/']!==undefined,
    macs:S.c[i][0], flops:S.c[i][1], activation_bytes:S.c[i][2], weight_bytes:S.c[i][3]};
  infos.set(key, d); return d; }
function layout(S){
  const n=S.n.length, rank=new Int32Array(n); let R=1;
  for(let i=0;i<n;i++){ let r=0; for(const u of S.i[i]) if(u<i && rank[u]+1>r) r=rank[u]+1; rank[i]=r; if(r+1>R) R=r+1; }
  const start=new Int32Array(R+1); for(let i=0;i<n;i++) start[rank[i]+1]++;
  let widest=1; for(let r=0;r<R;r++){ widest=Math.max(widest,start[r+1]); start[r+1]+=start[r]; }
  const byRank=new Int32Array(n), put=start.slice(0,R); for(let i=0;i<n;i++) byRank[put[rank[i]]++]=i;
  const colW=widest*(W+GX)-GX+CG, rowH=H+GY;  // columns as many as suit the screen's shape
  const aspect=Math.max(0.2, canvas.clientWidth/Math.max(1, canvas.clientHeight));
  const per=Math.max(1, Math.min(R, Math.ceil(Math.sqrt(R*colW/(aspect*rowH)))));
  const cols=Math.ceil(R/per), X=new Float64Array(n), Y=new Float64Array(n);
  for(let r=0;r<R;r++){ const c=Math.floor(r/per), k=start[r+1]-start[r], x0=c*colW+(colW-(k*(W+GX)-GX))/2;
    for(let j=0;j<k;j++){ const i=byRank[start[r]+j]; X[i]=x0+j*(W+GX); Y[i]=GY/2+(r%per)*rowH; } }
  return {rank, R, start, byRank, per, cols, colW, rowH, X, Y, width:cols*colW, height:per*rowH};
}
function mapping(F){ const cw=F.cv.clientWidth||1, ch=F.cv.clientHeight||1, b=F.b, k=Math.min(cw/b.w, ch/b.h);
  return {k:k, tx:(cw-b.w*k)/2-b.x*k, ty:(ch-b.h*k)/2-b.y*k, cw:cw, ch:ch}; }
function lines(key, label){ const d=info(key); label=label||key; if(!d) return [label];
  const out=[label, d.type+(d.activation && d.activation!=='linear' ? ' · '+d.activation : ''), d.output_shape];
  if(d.params) out.push(num(d.params)+' params'); return out; }
function cut(s){ const m=Math.floor(W/(FS*0.6)); return s.length>m ? s.slice(0,m-1)+'…' : s; }
let hits=[], hitAt=-1, hitGen=0;
function marks(F){ if(F.hitGen!==hitGen){ F.hitGen=hitGen; F.hit=new Uint8Array(F.S.n.length);
    for(const k of hits){ const w=locate(k); if(w && w[0]===F.prefix) F.hit[w[1]]=1; } } return F.hit; }
function boxes(ctx, F, list, stroke, px){ const X=F.L.X, Y=F.L.Y, fam=new Map();
  for(const i of list){ const f=F.S.f[i]; if(!fam.has(f)) fam.set(f,[]); fam.get(f).push(i); }
  for(const [f,some] of fam){ ctx.beginPath(); for(const i of some) ctx.rect(X[i],Y[i],W,H);
    ctx.fillStyle=flat.colors[f]; ctx.fill(); if(stroke){ ctx.strokeStyle=flat.edge; ctx.lineWidth=px; ctx.stroke(); } } }
// far out, boxes a few pixels tall are written straight into the screen's pixels: a frame costs
// what the screen holds, not a path of thousands of boxes for the rasterizer
function rgba32(c){ const t=rgba32.t||(rgba32.t=document.createElement('canvas').getContext('2d',{willReadFrequently:true}));
  t.clearRect(0,0,1,1); t.fillStyle=c; t.fillRect(0,0,1,1); const d=t.getImageData(0,0,1,1).data;
  return ((d[3]<<24)|(d[2]<<16)|(d[1]<<8)|d[0])>>>0; }
// (from 6 px on with the links between neighbouring rows, as 1-px lines)
function pixels(F, ctx, vis, m, dpr, outline, links){ const w=F.cv.width, h=F.cv.height;
  if(!F.img || F.img.width!==w || F.img.height!==h){ F.img=ctx.createImageData(w,h); F.px=new Uint32Array(F.img.data.buffer); }
  if(!F.pal){ F.pal=flat.colors.map(rgba32); F.pal.bg=rgba32(flat.bg); F.pal.edge=rgba32(flat.edge); }
  const P=F.px, pal=F.pal, X=F.L.X, Y=F.L.Y, fam=F.S.f, k=m.k*dpr, tx=m.tx*dpr, ty=m.ty*dpr;
  P.fill(pal.bg);
  for(const i of vis){ const x0=Math.round(X[i]*k+tx), x1=Math.max(x0+1,Math.round((X[i]+W)*k+tx));
    const y0=Math.round(Y[i]*k+ty), y1=Math.max(y0+1,Math.round((Y[i]+H)*k+ty));
    const a=Math.max(x0,0), b=Math.min(x1,w), c=pal[fam[i]], e=outline ? pal.edge : c;
    if(a>=b) continue;
    for(let y=Math.max(y0,0), ye=Math.min(y1,h); y<ye; y++){ const row=y*w, v=(y===y0 || y===y1-1) ? e : c;
      for(let o=row+a, end=row+b; o<end; o++) P[o]=v;
      if(outline){ if(x0===a) P[row+a]=e; if(x1===b) P[row+b-1]=e; } } }
  if(links){ const L=F.L, S=F.S, e=pal.edge;
    for(const v of vis) for(const u of S.i[v]) if(L.rank[v]-L.rank[u]===1 && Math.floor(L.rank[u]/L.per)===Math.floor(L.rank[v]/L.per)){
      const xa=(X[u]+W/2)*k+tx, xb=(X[v]+W/2)*k+tx, ya=Math.round((Y[u]+H)*k+ty), yb=Math.round(Y[v]*k+ty);
      for(let y=Math.max(ya,0), ye=Math.min(yb,h); y<ye; y++){ const x=Math.round(xa+(xb-xa)*(y-ya)/Math.max(1,yb-ya));
        if(x>=0 && x<w) P[y*w+x]=e; } } }
  ctx.putImageData(F.img,0,0); }
function drawFlat(F){
  const cv=F.cv, L=F.L, X=L.X, Y=L.Y, S=F.S, dpr=window.devicePixelRatio||1, m=mapping(F);
  if(cv.width!==Math.round(m.cw*dpr) || cv.height!==Math.round(m.ch*dpr)){ cv.width=Math.round(m.cw*dpr); cv.height=Math.round(m.ch*dpr); }
  const x0=-m.tx/m.k, y0=-m.ty/m.k, x1=x0+m.cw/m.k, y1=y0+m.ch/m.k, vis=[];
  const c0=Math.max(0,Math.floor(x0/L.colW)), c1=Math.min(L.cols-1,Math.floor(x1/L.colW));
  const r0=Math.max(0,Math.floor(y0/L.rowH)-1), r1=Math.min(L.per-1,Math.floor(y1/L.rowH)+1);
  for(let c=c0;c<=c1;c++) for(let row=r0;row<=r1;row++){ const r=c*L.per+row; if(r>=L.R) break;
    for(let j=L.start[r];j<L.start[r+1];j++){ const i=L.byRank[j]; if(X[i]+W>=x0 && X[i]<=x1) vis.push(i); } }
  const px=1/m.k, big=m.k*H, ctx=cv.getContext('2d');
  if(big<PIX) pixels(F, ctx, vis, m, dpr, big>=4, big>=6);
  else { ctx.setTransform(1,0,0,1,0,0); ctx.fillStyle=flat.bg; ctx.fillRect(0,0,cv.width,cv.height); }
  ctx.setTransform(m.k*dpr,0,0,m.k*dpr,m.tx*dpr,m.ty*dpr);
  if(big>=PIX){ ctx.beginPath();  // edges into what is on screen
    for(const v of vis) for(const u of S.i[v]){ const cu=Math.floor(L.rank[u]/L.per), cv2=Math.floor(L.rank[v]/L.per);
      if(cu===cv2 && L.rank[v]-L.rank[u]<=1){ ctx.moveTo(X[u]+W/2,Y[u]+H); ctx.lineTo(X[v]+W/2,Y[v]); }
      else if(cu===cv2){ const o=24+8*Math.min(L.rank[v]-L.rank[u],6);
        ctx.moveTo(X[u]+W,Y[u]+H/2); ctx.bezierCurveTo(X[u]+W+o,Y[u]+H/2,X[v]+W+o,Y[v]+H/2,X[v]+W,Y[v]+H/2); }
      else { const yb=L.height-GY/4, gx=cv2*L.colW+CG/4;
        ctx.moveTo(X[u]+W/2,Y[u]+H); ctx.lineTo(X[u]+W/2,yb); ctx.lineTo(gx,yb); ctx.lineTo(gx,GY/4);
        ctx.lineTo(X[v]+W/2,GY/4); ctx.lineTo(X[v]+W/2,Y[v]); } }
    ctx.strokeStyle=flat.edge; ctx.lineWidth=px; ctx.stroke();
    if(big>=20){ ctx.beginPath(); for(const v of vis) if(S.i[v].length){ const hx=X[v]+W/2, hy=Y[v];  // arrowheads
        ctx.moveTo(hx,hy); ctx.lineTo(hx-3.5,hy-7); ctx.lineTo(hx+3.5,hy-7); ctx.closePath();
        for(const u of S.i[v]) if(L.rank[v]-L.rank[u]>1 && Math.floor(L.rank[u]/L.per)===Math.floor(L.rank[v]/L.per)){
          const ax=X[v]+W, ay=Y[v]+H/2; ctx.moveTo(ax,ay); ctx.lineTo(ax+7,ay-3.5); ctx.lineTo(ax+7,ay+3.5); ctx.closePath(); } }
      ctx.fillStyle=flat.edge; ctx.fill(); } }
  if(big>=PIX) boxes(ctx, F, vis, true, px);
  F.text=m.k*FS>=5;
  if(F.text){ ctx.textAlign='center'; ctx.textBaseline='middle';  // each family's text colour, on its fill
    if(!F.tl) F.tl=new Map();  // each box's lines, cut to its width, made once
    const ls=vis.map(i => { let l=F.tl.get(i); if(!l){ l=lines(F.prefix+S.n[i], S.n[i]).map(cut); F.tl.set(i,l); } return l; });
    for(const bold of [true,false]){ ctx.font=(bold?'bold ':'')+FS+'px '+flat.font;  // the names, then the rest
      let ink=-1; vis.forEach((i,j) => { const l=ls[j], top=Y[i]+H/2-(l.length-1)*LH/2;
        if(S.f[i]!==ink){ ink=S.f[i]; ctx.fillStyle=flat.text[ink]; }
        for(let k=bold?0:1; k<(bold?1:l.length); k++) ctx.fillText(l[k],X[i]+W/2,top+k*LH); }); } }
  const hit=marks(F), pad=Math.max(2*px,(8*px-H)/2);  // hits stay visible however far out
  ctx.beginPath(); for(const i of vis) if(hit[i]) ctx.rect(X[i]-pad,Y[i]-pad,W+2*pad,H+2*pad);
  ctx.strokeStyle='#e6550d'; ctx.lineWidth=3*px; ctx.stroke();
  if(F.sel>=0){ ctx.strokeStyle='#3182bd'; ctx.strokeRect(X[F.sel]-pad,Y[F.sel]-pad,W+2*pad,H+2*pad); }
  F.drawn=vis.length;
}
function redraw(F){ if(F.pending) return; F.pending=true; requestAnimationFrame(() => { F.pending=false; drawFlat(F); }); }
function at(F, e){ const r=F.cv.getBoundingClientRect(), m=mapping(F), L=F.L;
  const x=(e.clientX-r.left-m.tx)/m.k, y=(e.clientY-r.top-m.ty)/m.k, c=Math.floor(x/L.colW), row=Math.floor(y/L.rowH);
  if(c<0 || row<0 || row>=L.per || c*L.per+row>=L.R) return -1; const rk=c*L.per+row;
  for(let j=L.start[rk];j<L.start[rk+1];j++){ const i=L.byRank[j];
    if(x>=L.X[i] && x<=L.X[i]+W && y>=L.Y[i] && y<=L.Y[i]+H) return i; } return -1; }
function pick(F, i){ unselect(); F.sel=i; redraw(F); const key=F.prefix+F.S.n[i]; describe(key, lines(key), 1); }
const layouts = new Map();
function laid(prefix){ need(); if(!layouts.has(prefix)) layouts.set(prefix, layout(flat.scopes[prefix])); return layouts.get(prefix); }
function openScope(prefix){ need();
  let el=built.get(prefix);
  if(!el){ el=document.createElement('div'); el.className='view flat'; const cv=document.createElement('canvas');
    el.appendChild(cv); canvas.appendChild(el); built.set(prefix, el);
    const F={prefix:prefix, S:flat.scopes[prefix], cv:cv, sel:-1, b:null, hitGen:-1};
    F.L=laid(prefix); F.cam={el:cv, get:()=>F.b, set:b => { F.b=b; redraw(F); },
      world:() => { const w=Math.max(F.L.width, cv.clientWidth), h=Math.max(F.L.height, cv.clientHeight);
        return {x:(F.L.width-w)/2, y:0, w:w, h:h}; }};  // the whole, but never larger than life
    el.flat=F;
    cv.addEventListener('click', e => { if(moved>4) return; const i=at(F,e); if(i>=0) pick(F,i); });
    cv.addEventListener('dblclick', e => { const i=at(F,e); if(i>=0 && info(F.prefix+F.S.n[i]).nested)
      expand(F.prefix+F.S.n[i]); }); }
  if(view!==el) switchTo(el);
  return el.flat; }
// zoom to boxes of a built view, no further out than minK (so that their text reads)
function focus(F, idx, minK){ const L=F.L, cw=F.cv.clientWidth||1, ch=F.cv.clientHeight||1;
  let ax=Infinity, ay=Infinity, bx=-Infinity, by=-Infinity;
  for(const i of idx){ ax=Math.min(ax,L.X[i]); ay=Math.min(ay,L.Y[i]); bx=Math.max(bx,L.X[i]+W); by=Math.max(by,L.Y[i]+H); }
  let k=Math.min(cw/(bx-ax+2*W), ch/(by-ay+2*H)); k=Math.min(Math.max(k,minK),1);
  const cx=k===minK ? L.X[idx[0]]+W/2 : (ax+bx)/2, cy=k===minK ? L.Y[idx[0]]+H/2 : (ay+by)/2;
  F.cam.set({x:cx-cw/(2*k), y:cy-ch/(2*k), w:cw/k, h:ch/k}); }
function goTo(key, built){
  if(!view.flat && !built){ const el=Array.from(view.querySelectorAll('.nnviz-block')).find(b => b.dataset.layer===key);
    if(el){ show(el); reveal(el); return; } }
  const w=locate(key); if(!w) return; const F=openScope(w[0]); focus(F,[w[1]],0.8); pick(F,w[1]); }
function expand(name){
  if(large){ const g=group(name), d=info(name);
    if(d && d.nested){ const F=openScope(name+'/'); F.sel=-1; fit(); return; }
    if(g){ const a=locate(g[0]), b=locate(g[1]); if(!a) return; const F=openScope(a[0]);
      focus(F, b && b[0]===a[0] ? [a[1], b[1]] : [a[1]], 0.8); pick(F, a[1]); return; }
    goTo(name, true); return; }
  const ex = document.getElementById('view-expanded'); if(!ex) return;
  switchTo(ex);
  const inner = Array.from(view.querySelectorAll('.nnviz-block')).find(b => (b.dataset.layer||'').startsWith(name+'/'))
    || Array.from(view.querySelectorAll('.nnviz-block')).find(b => b.dataset.layer===name);
  if(inner){ show(inner); } }
if(t) t.onclick = () => { if(view.id==='view-default'){ if(large){ openScope(''); } else switchTo(document.getElementById('view-expanded')); }
  else switchTo(document.getElementById('view-default') || view); };
document.getElementById('fit').onclick = fit;
const q=document.getElementById('search');
function mark(v, term){ let n=0, first=null;
  v.querySelectorAll('.nnviz-block').forEach(el => { const d=info(el.dataset.layer);
    const hay=((el.dataset.layer||'')+' '+(d?d.type:'')+' '+el.textContent).toLowerCase();
    const hit = term && hay.includes(term); el.classList.toggle('hit', !!hit); el.classList.toggle('dim', !!term && !hit);
    if(hit){ n++; if(!first) first=el; } });
  return [n, first]; }
let keys=null;
function index(){ need(); if(!keys){ keys=[]; for(const p in flat.scopes){ const S=flat.scopes[p];
      S.n.forEach((n,i) => keys.push([p+n, (p+n+' '+flat.kinds[S.k[i]][0]).toLowerCase()])); } } }
function search(){ const term=q.value.trim().toLowerCase();
  if(large){ const dv=document.getElementById('view-default'); const first = dv ? mark(dv, term)[1] : null;
    index();
    hits = term ? keys.filter(k => k[1].includes(term)).map(k => k[0]) : []; hitAt=-1; hitGen++;
    if(view.flat) redraw(view.flat);
    document.getElementById('hits').textContent = term ? hits.length+' match'+(hits.length===1?'':'es') : '';
    return first; }
  let [n, first] = mark(view, term);
  const other = document.getElementById(view.id==='view-default' ? 'view-expanded' : 'view-default');
  if(term && !n && other && mark(other, term)[0]){ switchTo(other); return first_hit(); }
  document.getElementById('hits').textContent = term ? n+' match'+(n===1?'':'es') : '';
  return first; }
function first_hit(){ return view.querySelector('.nnviz-block.hit'); }
q.addEventListener('input', search);
q.addEventListener('keydown', e => { if(e.key!=='Enter') return;
  if(large){ if(!hits.length) search(); if(hits.length){ hitAt=(hitAt+1)%hits.length; goTo(hits[hitAt]); } return; }
  const f=search(); if(f){ show(f); reveal(f); } });
const more=document.getElementById('show-summary');
if(more) more.onclick = async () => {  // the table, gzipped in the page: unpacked by the browser itself
  const bytes = Uint8Array.from(atob(document.getElementById('nnviz-summary').textContent), c => c.charCodeAt(0));
  more.outerHTML = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text(); };
window.addEventListener('resize', () => { if(view.flat) redraw(view.flat); });
// for scripts and tests: where a layer is drawn on screen, and what the built view shows
window.nnviz = {
  where(key){ if(view.flat){ const w=locate(key), F=view.flat; if(!w || w[0]!==F.prefix) return null;
      const m=mapping(F), r=F.cv.getBoundingClientRect(), i=w[1];
      return {x:r.left+m.tx+(F.L.X[i]+W/2)*m.k, y:r.top+m.ty+(F.L.Y[i]+H/2)*m.k}; }
    const el=Array.from(view.querySelectorAll('.nnviz-block')).find(b => b.dataset.layer===key);
    if(!el) return null; const r=el.getBoundingClientRect(); return {x:r.left+r.width/2, y:r.top+r.height/2}; },
  info: info,
  state(){ const F=view.flat; return {view: F ? 'built:'+F.prefix : view.id, drawn: F ? F.drawn : null,
    k: F ? mapping(F).k : null, text: F ? !!F.text : null, selected: panel.dataset.layer || null,
    columns: F ? F.L.cols : null, width: F ? F.L.width : null, height: F ? F.L.height : null,
    ready: {data: data!==null, layout: layouts.has(''), index: keys!==null}}; },
};
if(view) fit(); else if(large) openScope('');
if(large && source.textContent.length > 1e6) requestAnimationFrame(() => setTimeout(() => later(need)));
})();
"""


def _mix(a: str, b: str, t: float) -> str:
    """``#rrggbb`` of ``a`` moved a fraction ``t`` toward ``b``."""
    x, y = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (a, b))
    return "#" + "".join(f"{round(u + (v - u) * t):02x}" for u, v in zip(x, y))


def page_colors(theme: "Theme | None") -> str:
    """The page's colours as CSS variables, from the theme's background and text: the page around
    the drawing (header, panel, summary table) follows the drawing, light or dark; a dark one
    asks the browser for dark controls and scroll bars too."""
    from ..theme import Theme, contrast

    theme = theme or Theme()
    bg, fg = theme.background, theme.text_color
    dark = contrast(bg, "#000000") < contrast(bg, "#ffffff")
    return (f":root{{--bg:{bg};--fg:{fg};--bar:{_mix(bg, fg, .06)};--side:{_mix(bg, fg, .03)};"
            f"--line:{_mix(bg, fg, .25)};--cell:{_mix(bg, fg, .15)};--soft:{_mix(fg, bg, .3)};"
            f"color-scheme:{'dark' if dark else 'light'}}}")


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


_SCALARS = (str, int, float, bool, type(None))  # config values _clip() keeps as they are


def layer_details(graph: "LayerGraph", prefix: str = "", costs: Any = None) -> dict[str, dict[str, Any]]:
    """Per layer (nested ones as ``outer/inner``), what the panel shows: its numbers, its costs
    (:mod:`nnviz.costs`, one sample) and its config.

    Keys are the blocks' ``data-layer`` values: the names with control characters escaped.
    """
    if costs is None:
        from ..costs import layer_costs

        costs = layer_costs(graph)
    shapes: dict[Any, str] = {}  # output shapes repeat from layer to layer: each is formatted once
    out: dict[str, dict[str, Any]] = {}
    for layer in graph.layers:
        name = layer.name
        key = prefix + printable(name)
        config = layer.config
        cfg = {k: v if type(v) in _SCALARS else _clip(v) for k, v in config.items()
               if k != "layers" and k != "function"}
        if "function" in config:
            cfg["function"] = "<code, not run>"
        try:
            shape = shapes[layer.output_shapes]
        except KeyError:
            shape = shapes[layer.output_shapes] = _shape(layer.output_shape)
        except TypeError:  # a shape that is not a tuple
            shape = _shape(layer.output_shape)
        cost = costs[name]
        out[key] = {
            "type": layer.type, "output_shape": shape, "params": layer.params,
            "trainable_params": layer.trainable_params, "non_trainable_params": layer.non_trainable_params,
            "units": layer.units, "activation": layer.activation,
            "inbound": "; ".join([", ".join([t.layer for t in c.inputs]) for c in graph.calls_of(name)]) or "-",
            "config": cfg, "nested": layer.subgraph is not None,
            **cost.to_dict(),
        }
        if layer.subgraph is not None:
            out.update(layer_details(layer.subgraph, key + "/", costs.nested.get(name)))
    return out


def _json_script(data: Any) -> str:
    # "</script>" (or "<!--") inside a string would change how the page parses: no "<" at all
    text = json.dumps(data, sort_keys=True, default=str).replace("<", "\\u003c")
    return f'<script type="application/json" id="nnviz-data">{text}</script>'


# Up to this many layers (nested ones counted) the fully expanded drawing is inlined in the page
# as SVG; above it the page builds the expanded view itself from the layer data, when asked
# (a 50,000-layer expanded SVG was 65 MB and took Chromium 4 GB and seconds per zoom step).
INLINE_LIMIT = 2_000
# A collapsed drawing of more blocks than this is not inlined either: the page opens its built view.
SVG_LIMIT = 2_000


def layer_count(graph: "LayerGraph") -> int:
    """Layers of ``graph`` with those of its nested models, at any depth.

    >>> import nnviz
    >>> layer_count(nnviz.load({"input_shape": [4], "layers": [{"type": "Dense", "units": 2}]}))
    2
    """
    return sum(1 + (layer_count(layer.subgraph) if layer.subgraph is not None else 0) for layer in graph.layers)


# json.dumps(..., sort_keys=True, default=str) makes an encoder per call; one serves every layer
_SORTED_JSON = json.JSONEncoder(sort_keys=True, default=str).encode
_MARK = object()  # stands between the items of a list encoded in one call by _sorted_json_each
_MARK_TEXT = "\ue000nnviz"
_MARKED_JSON = json.JSONEncoder(sort_keys=True, default=lambda o: _MARK_TEXT if o is _MARK else str(o)).encode
_MARK_SPLIT = ", " + _SORTED_JSON(_MARK_TEXT) + ", "


def _sorted_json_each(items: list[Any]) -> list[str]:
    """``[_SORTED_JSON(item) for item in items]``, in one call of the encoder (50,000 calls took 0.3 s).

    The items are encoded as one list with a mark between them, which is then split at the marks;
    should an item hold the mark's text itself, the split finds more parts, and each item is encoded
    on its own.

    >>> _sorted_json_each([[1, {"b": 2, "a": None}], "x"])
    ['[1, {"a": null, "b": 2}]', '"x"']
    >>> items = [1, [_MARK_TEXT], 2]  # the mark's text in an item: encoded one by one
    >>> _sorted_json_each(items) == [_SORTED_JSON(item) for item in items]
    True
    """
    if len(items) < 2:
        return [_SORTED_JSON(item) for item in items]
    marked: list[Any] = [_MARK] * (2 * len(items) - 1)
    marked[::2] = items
    parts = _MARKED_JSON(marked)[1:-1].split(_MARK_SPLIT)
    return parts if len(parts) == len(items) else [_SORTED_JSON(item) for item in items]


def flat_data(graph: "LayerGraph", theme: "Theme", details: dict[str, dict[str, Any]] | None = None
              ) -> dict[str, Any]:
    """What the page needs to lay out the expanded view itself and fill its panel, compactly.

    Per scope (``""`` for the model, ``"outer/"`` for a nested model's layers): the layer names
    in data-flow order (``n``), their colour family (``f``), the indices of the layers each reads
    (``i``) and, from :func:`layer_details`, what the panel shows, as indices into tables shared
    by all layers (``k``: type, units, activation and config but the name; ``s``: output shape)
    and the parameter counts (``p``, ``t`` trainable), the costs (``c``: MACs, FLOPs, activation
    and weight bytes); the few details that differ from what the
    page derives (the config's name, the inputs' text, non-trainable counts) are listed in ``x``.
    A 50,000-layer model's details take 2 MB this way instead of 12 MB.

    >>> import nnviz
    >>> from nnviz.theme import Theme
    >>> g = nnviz.load({"input_shape": [4], "layers": [{"type": "Dense", "units": 2, "name": "d"}]})
    >>> s = flat_data(g, Theme())["scopes"][""]
    >>> s["n"], s["i"], s["p"]
    (['input', 'd'], [[], [0]], [0, 10])
    """
    from ..view import topological_order
    from ..theme import family_of

    details = layer_details(graph) if details is None else details
    families: dict[str, int] = {}
    kinds: dict[str, int] = {}
    shapes: dict[str, int] = {}
    scopes: dict[str, dict[str, Any]] = {}

    def walk(g: "LayerGraph", prefix: str) -> None:
        by_name = {layer.name: layer for layer in g.layers}
        reads = {name: list(dict.fromkeys([t.layer for call in g.calls_of(name) for t in call.inputs
                                           if t.layer in by_name]))
                 for name in by_name}
        index = {name: i for i, name in enumerate(by_name)}
        if all(index[u] <= index[v] for v, us in reads.items() for u in us):
            order = list(by_name)  # stored in data-flow order already: the sort would keep it
            pos = index
        else:
            order = topological_order(list(by_name), [(u, v) for v, us in reads.items() for u in us])
            pos = {name: i for i, name in enumerate(order)}
        names = [printable(name) for name in order]
        family = {}
        for layer in by_name.values():
            if layer.type not in family:
                family[layer.type] = family_of(layer.type)
        inputs = [[pos[u] for u in reads[name]] for name in order]
        scope: dict[str, Any] = {
            "n": names, "f": [families.setdefault(family[by_name[name].type], len(families)) for name in order],
            "i": inputs, "k": [], "s": [], "p": [], "t": [], "c": [], "x": {}}
        found = [details[prefix + name] for name in names]
        extras = scope["x"]
        described = []
        for i, (name, d) in enumerate(zip(names, found)):
            config = dict(d["config"])
            cname = config.pop("name", None)
            described.append([d["type"], d["units"], d["activation"], config])
            derived_in = ", ".join([names[u] for u in inputs[i]]) or "-"
            params, trainable = d["params"], d["trainable_params"]
            derived_nt = params - trainable if params is not None and trainable is not None else None
            extra = {key: value for key, value, same in (
                ("name", cname, cname == name), ("inbound", d["inbound"], d["inbound"] == derived_in),
                ("non_trainable_params", d["non_trainable_params"], d["non_trainable_params"] == derived_nt)
            ) if not same}
            if extra:
                extras[str(i)] = extra
        scope["k"] = [kinds.setdefault(kind, len(kinds)) for kind in _sorted_json_each(described)]
        scope["s"] = [shapes.setdefault(d["output_shape"], len(shapes)) for d in found]
        scope["p"] = [d["params"] for d in found]
        scope["t"] = [d["trainable_params"] for d in found]
        scope["c"] = [[d["macs"], d["flops"], d["activation_bytes"], d["weight_bytes"]] for d in found]
        scopes[prefix] = scope
        for name in order:
            if by_name[name].subgraph is not None:
                walk(by_name[name].subgraph, prefix + printable(name) + "/")

    walk(graph, "")
    return {"scopes": scopes, "kinds": [json.loads(k) for k in kinds], "shapes": list(shapes),
            "colors": [theme.color(f) for f in families], "text": [theme.text_on(theme.color(f)) for f in families],
            "edge": theme.edge_color,
            "bg": theme.background, "font": f"{theme.font}, sans-serif"}


def group_ends(view: "View | None") -> dict[str, list[str]]:
    """Per block or cluster of the collapsed drawing that stands for several layers, its first and
    last layer: where the page's expanded view opens when the group is expanded."""
    if view is None:
        return {}
    out: dict[str, list[str]] = {}
    for node in view.blocks.values():
        if node.kind in ("repeat", "module", "chain") and node.members:
            out[printable(node.id)] = [printable(node.members[0]), printable(node.members[-1])]
    for cid in view.clusters:
        ids = view.scope(cid)
        if ids and view.clusters[cid].kind == "repeat":
            first, last = view.blocks[ids[0]], view.blocks[ids[-1]]
            tail = view.last_copy.get(last.members[-1] if last.members else last.id, last.id)
            out[printable(cid)] = [printable(first.members[0] if first.members else first.id), printable(tail)]
    return out


def diagram_to_html(diagram: "Diagram", *, expanded: "Diagram | None" = None, build: bool = False) -> str:
    """A self-contained HTML page for a block diagram.

    Args:
        diagram: the (collapsed) block diagram shown first.
        expanded: its fully expanded form, inlined as a second view (small models).
        build: instead, the page lays out the expanded view itself from the layer data when it is
            asked for (large models); the summary table is then shown on request.
    """
    # the page's data is hundreds of thousands of small objects, none of them on a cycle: the cyclic
    # collector's passes over the whole heap (a 50,000-layer graph and scene) took a third of the time
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _diagram_page(diagram, expanded=expanded, build=build)
    finally:
        if enabled:
            gc.enable()


def _diagram_page(diagram: "Diagram", *, expanded: "Diagram | None", build: bool) -> str:
    from ..costs import layer_costs
    from ..summary import summary_html

    graph = diagram.graph
    theme = getattr(diagram.options, "theme", None)
    esc = html.escape
    views = []
    scene = diagram.scene
    if scene is not None and not (build and len(scene.boxes) > SVG_LIMIT):
        views.append(f'<div class="view active" id="view-default">{scene_to_svg(scene, theme)}</div>')
    toggle = ""
    if expanded is not None and expanded.scene is not None:
        views.append(f'<div class="view" id="view-expanded">{scene_to_svg(expanded.scene, theme)}</div>')
        toggle = '<button id="toggle">Expand all</button>'
    costs = layer_costs(graph)  # counted once, for the panel and the summary table
    details = layer_details(graph, costs=costs)
    data: dict[str, Any] = {"name": graph.name, "layers": details}
    table = summary_html(graph, costs=costs)
    extra = ""
    if build:
        from ..theme import Theme

        data = {"name": graph.name, "flat": flat_data(graph, theme or Theme(), details)}
        # the same table with a class instead of a style on each of its 300,000 cells
        table = (table.replace('<td style="text-align:right;white-space:pre">', '<td class="r">')
                 .replace('<td style="text-align:left;white-space:pre">', "<td>"))
        data["groups"] = group_ends(getattr(diagram, "view", None))
        if views:
            toggle = '<button id="toggle">Expand all</button>'
        # 50,000 rows of table in the DOM cost seconds before the page answers, and 10 MB of it in the
        # file most of its loading time: gzipped (a twentieth), unpacked into the page when asked
        packed = base64.b64encode(gzip.compress(table.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")
        extra = f'<script type="text/plain" data-encoding="gzip+base64" id="nnviz-summary">{packed}</script>'
        table = (f'<button id="show-summary">show the summary table ({len(graph.layers):,} rows)</button>')
    painter = getattr(diagram, "painting", None)  # what the view stage coloured the blocks by
    panel = painter.panel() if painter is not None else None
    if panel is not None:  # the figure the blocks are coloured by (a profile's times), in the panel too
        data["color"] = panel
    title = esc(display(graph.name, _TITLE))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="nnviz"><title>{title} - nnviz</title><style>{page_colors(theme)}{_CSS}</style></head>
<body><header><h1>{title}</h1>
<span class="totals" id="totals">{len(graph.layers)} layers · {esc(graph.params_text())}
({graph.trainable_params:,} trainable, {graph.non_trainable_params:,} non-trainable)</span>
<input id="search" type="search" placeholder="search layer name or type" aria-label="search">
<span id="hits"></span><button id="fit">Fit</button>{toggle}<a href="#summary">summary table</a></header>
<main><div id="canvas">{''.join(views)}</div>
<aside id="panel"><div id="panel-body"><p>Click a block to see its config, shapes and parameters.
Scroll to zoom, drag to pan; double-click a nested model to open it.</p></div></aside></main>
<section id="summary">{table}<p><a href="#">back to the diagram</a></p></section>
{_json_script(data)}{extra}<script>{_JS}</script></body></html>
"""


def _has_hidden_parts(diagram: "Diagram") -> bool:
    scene = diagram.scene
    return scene is not None and (any(b.repeat > 1 or b.family == "model" for b in scene.boxes)
                                  or any(c.repeat > 1 for c in scene.clusters))


def to_html(diagram: "Diagram") -> str:
    """The page for any Diagram: interactive blocks for the block style, the picture for nodes.

    A model of more than :data:`INLINE_LIMIT` layers gets a page that builds its expanded view
    itself, on demand, instead of carrying it drawn. The expanded drawing comes from the pipeline
    (:meth:`Diagram.variant`): this module lays nothing out.
    """
    if diagram.style == "block":
        base = diagram if diagram.scene is not None else diagram.variant()
        if layer_count(diagram.graph) > INLINE_LIMIT:
            return diagram_to_html(base, build=True)
        expanded = diagram.variant(expand=("all",), collapse=False) if _has_hidden_parts(base) else None
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
<style>{page_colors(getattr(diagram.options, "theme", None))}
body{{margin:0;font:14px system-ui,sans-serif;color:var(--fg);background:var(--bg)}}header{{padding:.5em 1em;background:var(--bar);
border-bottom:1px solid var(--line)}}#picture svg{{max-width:100%;height:auto}}#summary{{padding:1em}}
#summary td,#summary th{{border:1px solid var(--cell);padding:.2em .5em}}table{{border-collapse:collapse}}</style></head>
<body><header><b>{title}</b> · {html.escape(graph.params_text())} · <a href="#summary">summary table</a></header>
<div id="picture">{svg}</div><section id="summary">{summary_html(graph)}</section></body></html>
"""

