"""Write README's node-and-link pictures: node-deepnn.png and node-mnist.png, beside this script.

Run ``python docs/images/make_node_images.py`` from the repository root (no TensorFlow needed).
"""

from __future__ import annotations

from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MNIST = {"name": "mnist_mlp", "input_shape": [784], "layers": [
    {"type": "Dense", "name": "hidden1", "units": 512, "activation": "relu"},
    {"type": "Dense", "name": "hidden2", "units": 256, "activation": "relu"},
    {"type": "Dense", "name": "digits", "units": 10, "activation": "softmax"}]}

if __name__ == "__main__":
    deepnn = nnviz.draw(ROOT / "examples" / "deepnn.json", style="node", description=True, dpi=120)
    mnist = nnviz.draw(MNIST, style="node", dpi=120)
    for path in (deepnn.save(HERE / "node-deepnn.png"), mnist.save(HERE / "node-mnist.png")):
        print(f"wrote {path}")
