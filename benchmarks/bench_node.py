"""Node-and-link diagrams: nnviz against the notebook recipe it replaces, side by side in one run.

Usage: python benchmarks/bench_node.py [--repeat 3] [--skip-recipe]

1. 27-128-128-1 (the stock-price regressor) to PNG: the recipe (a copy below, written from
   ``../shared/reference/README.md``: one ``Circle`` per neuron, one ``Line2D`` per link, one
   text per neuron) against nnviz with its defaults (wide layers collapsed) and against nnviz
   drawing every neuron and link (``max_neurons=128``, the recipe's content). Both warm: same
   process, matplotlib and fonts already loaded. Target: nnviz >= 20x faster.
2. 784-512-256-10 (the MNIST MLP) to PNG with nnviz's defaults, in a fresh process so its memory
   is its own: warm time (median of --repeat), Python's peak allocation during one drawing
   (tracemalloc) and the process's peak resident memory (imports included). Targets: < 2 s warm,
   < 300 MB. The recipe is not run on it (minutes); its figure from the reference README is
   printed, labelled as such.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

from benchkit import median_time, parser

os.environ.setdefault("MPLBACKEND", "Agg")

STOCK = (27, 128, 128, 1)
MNIST = (784, 512, 256, 10)
RECIPE_MNIST = "268 s, 7 GB (reference README figure, not run here)"


def spec(widths: tuple[int, ...], name: str) -> dict:
    """An nnviz spec of Dense layers: ReLU inside, linear output."""
    layers = [{"type": "Dense", "units": w, "activation": "relu" if i < len(widths) - 2 else "linear"}
              for i, w in enumerate(widths[1:])]
    return {"name": name, "input_shape": [widths[0]], "layers": layers}


# -- the recipe, as the reference README describes it ---------------------------

def recipe_visualize_nn(widths: tuple[int, ...], name: str, description: bool = True,
                        figsize: tuple[float, float] = (10, 8)):
    """The familiar notebook function: one artist per neuron, per link and per label."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    ax = fig.gca()
    ax.set(title=name)
    ax.axis("off")
    left, right, bottom, top = 0.1, 0.9, 0.1, 0.9
    x_space = (right - left) / float(len(widths) - 1)
    y_space = (top - bottom) / float(max(widths))
    p = 0.025
    last = len(widths) - 1
    for i, n in enumerate(widths):
        top_on_layer = y_space * (n - 1) / 2.0 + (top + bottom) / 2.0
        color = "green" if i in (0, last) else "blue"
        if description:
            d = i if i == 0 else i - 0.5
            lines = ["INPUT"] if i == 0 else [f"DENSE_{i}", "relu (", f"Σ{widths[i - 1]}[X*w]+b",
                                              f") = {n} {'Y' if i == last else 'out'}"]
            for k, s in enumerate(lines):
                ax.text(left + d * x_space, top - k * p, s, fontsize=10, color=color)
        for m in range(n):
            y = top_on_layer - m * y_space - 4 * p
            ax.add_artist(Circle((left + i * x_space, y), radius=y_space / 4.0,
                                 color="limegreen" if color == "green" else color, ec="k", zorder=4))
            if i == 0:
                ax.text(left - 4 * p, y, rf"$X_{{{m + 1}}}$", fontsize=10)
            elif i == last:
                ax.text(right + 4 * p, y, rf"$y_{{{m + 1}}}$", fontsize=10)
            else:
                ax.text(left + i * x_space + p, y + y_space / 8.0 + 0.01 * y_space, rf"$H_{{{m + 1}}}$",
                        fontsize=10)
    for i, (n_a, n_b) in enumerate(zip(widths[:-1], widths[1:])):
        color = "green" if i == last - 1 else "blue"
        top_a = y_space * (n_a - 1) / 2.0 + (top + bottom) / 2.0 - 4 * p
        top_b = y_space * (n_b - 1) / 2.0 + (top + bottom) / 2.0 - 4 * p
        for m in range(n_a):
            for o in range(n_b):
                ax.add_artist(Line2D([i * x_space + left, (i + 1) * x_space + left],
                                     [top_a - m * y_space, top_b - o * y_space], c=color, alpha=0.5))
    return fig


# -- timing -----------------------------------------------------------------------

def png_of_figure(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def nnviz_png(widths: tuple[int, ...], name: str, **options) -> bytes:
    import nnviz

    return nnviz.draw(spec(widths, name), style="node", description=True, **options).to_bytes("png")


def mnist_child(repeat: int) -> None:
    """Runs in a fresh process: prints the MNIST figures as JSON."""
    seconds = median_time(lambda: nnviz_png(MNIST, "mnist"), repeat, warmup=True)
    tracemalloc.start()
    nnviz_png(MNIST, "mnist")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    print(json.dumps({"seconds": seconds, "traced_peak": peak, "max_rss": rss}))


def main() -> None:
    ap = parser(__doc__, runs=3, flag="--repeat", runs_help="timed runs per nnviz measurement (median)")
    ap.add_argument("--skip-recipe", action="store_true", help="do not run the recipe (it takes ~15 s)")
    ap.add_argument("--mnist-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mnist_child:
        mnist_child(args.repeat)
        return

    child = subprocess.run([sys.executable, __file__, "--mnist-child", "--repeat", str(args.repeat)],
                           capture_output=True, text=True, check=True)
    mnist = json.loads(child.stdout.strip().splitlines()[-1])

    collapsed = median_time(lambda: nnviz_png(STOCK, "stock_mlp"), args.repeat, warmup=True)
    full = median_time(lambda: nnviz_png(STOCK, "stock_mlp", max_neurons=128, figsize=(10, 8)), args.repeat,
                       warmup=True)
    recipe = None
    if not args.skip_recipe:
        start = time.perf_counter()
        png_of_figure(recipe_visualize_nn(STOCK, "stock_mlp"))
        recipe = time.perf_counter() - start

    def ratio(t: float) -> str:
        return f"{recipe / t:6.1f}x faster" if recipe else "(recipe skipped)"

    print("27-128-128-1 to PNG, warm (description=True, as the recipe draws it)")
    print(f"  recipe (one artist per link, 20,224 Line2D)   {recipe if recipe else float('nan'):8.2f} s")
    print(f"  nnviz, defaults (collapsed to 10 per layer)   {collapsed:8.3f} s   {ratio(collapsed)}   target >= 20x")
    print(f"  nnviz, every neuron and link (max_neurons=128){full:8.3f} s   {ratio(full)}")
    print()
    print("784-512-256-10 to PNG, nnviz defaults, fresh process")
    print(f"  nnviz warm time            {mnist['seconds']:8.3f} s      target < 2 s")
    print(f"  Python peak (tracemalloc)  {mnist['traced_peak'] / 2**20:8.1f} MB")
    print(f"  process peak RSS           {mnist['max_rss'] / 2**20:8.1f} MB     target < 300 MB (imports included)")
    print(f"  recipe                     {RECIPE_MNIST}")


if __name__ == "__main__":
    main()
