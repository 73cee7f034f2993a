"""Write README's "Figures for papers" pictures beside this script: examples in the named themes and
at a paper's column width.

Run ``python docs/images/make_theme_images.py`` from the repository root (no TensorFlow needed).
"""

from __future__ import annotations

from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> None:
    written = [
        nnviz.draw(ROOT / "examples" / "inception_module.json", theme="colorblind", dpi=110)
        .save(HERE / "theme-colorblind-inception.png"),
        nnviz.draw(ROOT / "examples" / "alexnet.json", theme="paper", direction="LR", dpi=110)
        .save(HERE / "theme-paper-alexnet.png"),
        nnviz.draw(ROOT / "examples" / "residual_block.json", theme="paper", width="ieee-column", dpi=220)
        .save(HERE / "width-ieee-column-residual.png"),
    ]
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
