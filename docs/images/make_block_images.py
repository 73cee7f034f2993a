"""Write README's block pictures beside this script: ResNet50 before and after collapsing, a small CNN.

Run ``python docs/images/make_block_images.py`` from the repository root. ResNet50 is built with
``keras.applications`` (TensorFlow needed for that one); the small CNN is an example spec.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def resnet50() -> nnviz.LayerGraph:
    import keras

    return nnviz.load(json.loads(keras.applications.ResNet50(weights=None).to_json()))


def main() -> None:
    written = []
    lenet = ROOT / "examples" / "lenet5.json"
    written.append(nnviz.draw(lenet, dpi=150).save(HERE / "block-lenet5.png"))
    written.append(nnviz.draw(lenet, direction="LR", dpi=150).save(HERE / "block-lenet5-lr.png"))
    written.append(nnviz.draw(ROOT / "examples" / "inception_module.json", dpi=150)
                   .save(HERE / "block-inception-module.png"))
    if shutil.which("dot"):
        written.append(nnviz.draw(lenet, engine="graphviz", dpi=150).save(HERE / "block-lenet5-graphviz.png"))
    graph = resnet50()
    written.append(nnviz.draw(graph, dpi=150).save(HERE / "resnet50-collapsed.png"))
    full = nnviz.draw(graph, collapse=False, dpi=100)
    written += [full.save(HERE / "resnet50-full.png"), full.save(HERE / "resnet50-full.svg")]
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
