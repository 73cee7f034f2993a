"""The HTML view of large models in Chromium: the page as written before and after it built its
expanded view itself (issue 18), side by side.

Usage: python benchmarks/bench_html.py [--layers 10000 50000] [--before-layers 10000] [--runs 3]
                                       [--model "residual chain" "transformer blocks"] [--before-ref REF]

For each generated model (the generators of ``bench_large.py``) and size, the page is written by
a cold ``nnviz draw SRC -o page.html`` process, once with the sources of ``--before-ref`` (the
commit before the change: the fully expanded drawing inlined as SVG) and once with this tree's,
and then opened in headless Chromium through Playwright, a fresh browser per page. Printed per
page: CPU seconds and peak memory to write it, its size; in the browser (medians over ``--runs``
fresh browsers), in milliseconds measured
in the page (an event dispatched, until the frame after it has been painted; medians of several
tries): time to interactive (from navigation start to the first frame painted after the load
event), a zoom step and a click on a block in the collapsed view, a double-click that opens its last
folded repeat, "Expand all", a zoom step and a
click there, a search for a layer deep inside a repeat (Enter) and whether the panel then shows
that layer; the peak resident memory of all Chromium processes above that of a one-line page
opened the same way (MB; the first row gives that page's figures, what the machine itself takes)
and the page's JavaScript heap.

Targets (issue 18) at 50,000 layers: written < 10 s, interactive < 2 s, zoom/click < 100 ms,
expanding < 500 ms, < 1 GB; at 10,000 layers a quarter of those times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import bench_large  # beside this script: its generators and its child that reports CPU time and memory

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRIES = 5


# model -> (generator, a layer deep inside a repeat of the n-layer model)
def _models() -> dict[str, tuple[Callable[[int], dict], Callable[[int], str]]]:
    return {"residual chain": (bench_large.large_spec, lambda n: f"l{n - 7}"),
            "transformer blocks": (bench_large.large_transformer_spec, lambda n: f"b{n // 10 - 3}_ffn1")}


def write_page(src: Path, out: Path, sources: Path, timeout: float) -> tuple[float, float]:
    """``nnviz draw src -o out`` in a cold process on the sources in ``sources``: (CPU s, peak MB)."""
    env = dict(os.environ, PYTHONPATH=str(sources))
    try:
        proc = subprocess.run([sys.executable, "-c", bench_large._CHILD, "draw", str(src), "-o", str(out)],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return float("inf"), float("nan")
    if proc.returncode != 0:
        raise SystemExit(f"writing {out.name} failed:\n{proc.stderr[-2000:]}")
    usage = [line.split() for line in proc.stderr.splitlines() if line.startswith("RUSAGE ")][-1]
    return float(usage[1]), int(usage[2]) / 1024


def _tree_rss_mb() -> float:
    """Resident memory of every process below this one (Chromium's), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[int(d.name)] = int((d / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    me, total = os.getpid(), 0
    for pid in rss:
        p = pid
        while p in parents and p not in (0, 1, me):
            p = parents[p]
        if p == me and pid != me:
            total += rss[pid]
    return total / 2**20


# In the page: an event dispatched, then the time until the frame after it has been painted
# (requestAnimationFrame, then a task): what the page costs, without the automation's round trips.
_AFTER = "new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"
_ZOOM = """async () => { const c = document.getElementById('canvas'), r = c.getBoundingClientRect(), out = [];
  for (let i = 0; i < %d; i++) { const t = performance.now();
    const target = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    target.dispatchEvent(new WheelEvent('wheel', {deltaY: i %% 2 ? 120 : -120, clientX: r.left + r.width / 2,
      clientY: r.top + r.height / 2, bubbles: true, cancelable: true}));
    await %s; out.push(performance.now() - t); }
  return out; }""" % (TRIES, _AFTER)
_CLICK = """async (at) => { const out = [];
  for (let i = 0; i < %d; i++) { const t = performance.now(), target = document.elementFromPoint(at.x, at.y);
    target.dispatchEvent(new MouseEvent('click', {clientX: at.x, clientY: at.y, bubbles: true, cancelable: true}));
    await %s; out.push(performance.now() - t); }
  return out; }""" % (TRIES, _AFTER)
_TIMED = "async (code) => { const t = performance.now(); eval(code); await %s; return performance.now() - t; }" % _AFTER
_LOADED = "async () => { await %s; return performance.now(); }" % _AFTER  # since navigation start
_WHERE = """key => { if (window.nnviz) return window.nnviz.where(key);
  const el = Array.from(document.querySelectorAll('.view.active .nnviz-block')).find(b => b.dataset.layer === key);
  if (!el) return null; const r = el.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }"""
_FIRST_BLOCK = """() => { const el = document.querySelector('.view.active .nnviz-block');
  if (!el) return null; const r = el.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }"""
# a double-click on the collapsed drawing's last folded repeat: that group opened (the view, laid out, drawn)
_OPEN_GROUP = """async () => { const all = Array.from(document.querySelectorAll('.view.active .nnviz-block'))
    .filter(b => +b.dataset.repeat > 1);
  if (!all.length) return null; const el = all[all.length - 1], r = el.getBoundingClientRect(), t = performance.now();
  el.dispatchEvent(new MouseEvent('dblclick', {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true}));
  await %s; return performance.now() - t; }""" % _AFTER
_CANVAS_MIDDLE = """() => { const r = document.getElementById('canvas').getBoundingClientRect();
  return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }"""
_SEARCH = """const q = document.getElementById('search'); q.value = %s; q.dispatchEvent(new Event('input'));
q.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));"""


def measure(page_path: Path, deep: str, timeout_ms: float) -> dict[str, Any]:
    """Open the page in a fresh Chromium and time, in the page, what a user does."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    mem: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.set_default_timeout(timeout_ms)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def clicks(at: dict | None) -> float:
            return float("nan") if at is None else statistics.median(page.evaluate(_CLICK, at))

        page.goto(page_path.resolve().as_uri(), wait_until="load")
        out["interactive"] = page.evaluate(_LOADED)
        mem.append(_tree_rss_mb())
        out["zoom"] = statistics.median(page.evaluate(_ZOOM))
        out["click"] = clicks(page.evaluate(_FIRST_BLOCK))
        mem.append(_tree_rss_mb())
        if page.locator("#toggle").count():
            opened = page.evaluate(_OPEN_GROUP)
            if opened is not None:
                out["open group"] = opened
                mem.append(_tree_rss_mb())
                if page.evaluate("document.querySelector('.view.active').id") != "view-default":
                    page.click("#toggle")  # back to the collapsed drawing
            page.click("#fit")
            out["expand"] = page.evaluate(_TIMED, "document.getElementById('toggle').click()")
            mem.append(_tree_rss_mb())
            out["zoom expanded"] = statistics.median(page.evaluate(_ZOOM))
            out["click expanded"] = clicks(page.evaluate(_CANVAS_MIDDLE))
            mem.append(_tree_rss_mb())
            page.evaluate(_TIMED, "document.getElementById('toggle').click()")
        out["search"] = page.evaluate(_TIMED, _SEARCH % json.dumps(deep))
        out["panel shows hit"] = (page.text_content("#panel-body") or "").find(deep) >= 0
        mem.append(_tree_rss_mb())
        out["memory"] = max(mem)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        out["js heap"] = metrics.get("JSHeapTotalSize", float("nan")) / 2**20
        out["errors"] = errors
        browser.close()
    return out


def baseline() -> dict[str, float]:
    """A one-line page opened the same way: what the machine itself takes (it may be shared)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = Path(tmp) / "blank.html"
        path.write_text("<!DOCTYPE html><p>nnviz</p>")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(path.resolve().as_uri(), wait_until="load")
        out = {"interactive": page.evaluate(_LOADED), "memory": _tree_rss_mb()}
        browser.close()
    return out


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the median over runs; the panel must show the hit in every run; errors of all runs."""
    out: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if key in r]
        if key == "errors":
            out[key] = [e for v in values for e in v]
        elif key == "panel shows hit":
            out[key] = all(values)
        else:
            out[key] = statistics.median(values)
    return out


def _export(ref: str, folder: Path) -> Path:
    """The ``src`` folder of commit ``ref``, unpacked into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="*", default=[10_000, 50_000])
    ap.add_argument("--before-layers", type=int, nargs="*", default=[10_000],
                    help="sizes also measured with the pages written before (50,000: minutes, 4+ GB)")
    ap.add_argument("--model", nargs="*", choices=list(_models()), default=list(_models()))
    ap.add_argument("--before-ref", default="7831782",
                    help="the commit whose sources write the 'before' pages (default: before issue 18's HTML)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds for writing or one browser step")
    ap.add_argument("--runs", type=int, default=3,
                    help="fresh browsers per page; each figure printed is the median of the runs (the machine may be shared)")
    args = ap.parse_args()
    models = _models()
    cols = ["write s", "MB", "page MB", "interactive", "zoom", "click", "open group", "expand", "zoom exp", "click exp",
            "search", "panel", "browser +MB", "JS heap MB"]
    print(f"{'model':<19}{'layers':>7} {'page':<7}" + "".join(f"{c:>12}" for c in cols), flush=True)
    base = _median_of([baseline() for _ in range(args.runs)])
    print(f"{'a one-line page':<19}{'':>7} {'':<7}" + "".join(f"{c:>12}" for c in ["", "", ""])
          + f"{base['interactive']:12.0f}" + "".join(f"{c:>12}" for c in [""] * 8) + f"{base['memory']:12.0f}",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        before_src = _export(args.before_ref, folder / "before") if args.before_layers else None
        for model in args.model:
            make, deep_of = models[model]
            for n in args.layers:
                src = folder / f"{model.split()[0]}{n}.json"
                src.write_text(json.dumps(make(n)))
                for label, sources in (("before", before_src), ("after", ROOT / "src")):
                    if label == "before" and (sources is None or n not in args.before_layers):
                        continue
                    out = folder / f"{src.stem}-{label}.html"
                    cpu, mb = write_page(src, out, sources, args.timeout)
                    r = _median_of([measure(out, deep_of(n), args.timeout * 1000) for _ in range(args.runs)])
                    cells = [f"{cpu:.1f}", f"{mb:.0f}", f"{out.stat().st_size / 1e6:.1f}"]
                    cells += [f"{r.get(k, float('nan')):.0f}" for k in
                              ("interactive", "zoom", "click", "open group", "expand", "zoom expanded",
                                                         "click expanded", "search")]
                    cells += ["yes" if r["panel shows hit"] else "no", f"{r['memory'] - base['memory']:.0f}",
                              f"{r['js heap']:.0f}"]
                    print(f"{model:<19}{n:>7} {label:<7}" + "".join(f"{c:>12}" for c in cells), flush=True)
                    if r["errors"]:
                        print("  page errors:", r["errors"][:3], flush=True)


if __name__ == "__main__":
    main()
