"""Write README's training pictures: iris-history.png and iris-weights.png, beside this script.

Run ``python docs/images/make_training_images.py`` from the repository root (needs the
``tensorflow`` extra); training is seeded, so the pictures come out the same each time.
"""

from __future__ import annotations

from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

if __name__ == "__main__":
    run = nnviz.train(ROOT / "examples" / "iris.json", "iris", epochs=50, learning_rate=0.01, seed=0)
    print(run)
    history = HERE / "iris-history.png"
    run.plot_history(history)
    weights = nnviz.draw(run.graph, style="node", weights=True, **run.neuron_names()).save(HERE / "iris-weights.png")
    print(f"wrote {history} and {weights}")
