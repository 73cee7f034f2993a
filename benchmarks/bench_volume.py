"""The volume style against the block style: ResNet50 and InceptionV3, laid out and written.

Run from the repository (no TensorFlow: the models are read from ``examples/keras/resnet50.json``
and the tests' recorded ``to_json()`` of InceptionV3)::

    python benchmarks/bench_volume.py            # 5 runs each
    python benchmarks/bench_volume.py --runs 3

It prints, side by side and measured in this one run, in a warm process: the layout (``nnviz.draw``,
folding until the page fits) and each output (PNG, PDF, SVG) of the block and the volume style, and
the ratio volume / block (issue 15 asks for the volume style within 1.5x of the block style).
Times are medians of the runs, in seconds, wall clock.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from benchkit import ROOT, median_time, parser


def _models() -> dict[str, object]:
    import nnviz

    sys.path.insert(0, str(ROOT / "tests"))
    from truth import app_json

    return {"ResNet50": nnviz.load(ROOT / "examples" / "keras" / "resnet50.json"),
            "InceptionV3": nnviz.load(json.loads(app_json("InceptionV3")))}


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__, runs=5).parse_args(argv)
    import nnviz

    out = Path(tempfile.mkdtemp())
    print(f"{'model':<12} {'step':<8} {'block s':>8} {'volume s':>9} {'ratio':>6}")
    for name, graph in _models().items():
        rows = []
        layout = {s: median_time(lambda s=s: nnviz.draw(graph, style=s), args.runs) for s in ("block", "volume")}
        rows.append(("layout", layout))
        drawn = {s: nnviz.draw(graph, style=s) for s in ("block", "volume")}
        for fmt in ("png", "pdf", "svg"):
            t = {}
            for s, d in drawn.items():
                d.figure  # drawn once; each save renders the figure again
                t[s] = median_time(lambda d=d, s=s: d.save(out / f"{name}.{s}.{fmt}"), args.runs)
            rows.append((fmt, t))
        total = {s: sum(r[1][s] for r in rows) for s in ("block", "volume")}
        rows.append(("total", total))
        for step, t in rows:
            print(f"{name:<12} {step:<8} {t['block']:>8.3f} {t['volume']:>9.3f} {t['volume'] / t['block']:>6.2f}")


if __name__ == "__main__":
    main()
