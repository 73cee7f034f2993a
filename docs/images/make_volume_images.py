"""Write README's volume-style pictures beside this script: a VGG-like net with kernels, and ResNet50.

Run ``python docs/images/make_volume_images.py`` from the repository root (no TensorFlow needed:
ResNet50 is read from ``examples/keras/resnet50.json``, its ``to_json()`` architecture).
"""

from __future__ import annotations

from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> None:
    written = [
        nnviz.draw(ROOT / "examples" / "vgg.json", style="volume", kernels=True, dpi=110)
        .save(HERE / "volume-vgg.png"),
        nnviz.draw(ROOT / "examples" / "keras" / "resnet50.json", style="volume", dpi=110)
        .save(HERE / "volume-resnet50.png"),
    ]
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
