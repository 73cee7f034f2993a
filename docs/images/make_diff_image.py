"""Write README's diff picture beside this script: ResNet50 against ResNet101.

Run ``python docs/images/make_diff_image.py`` from the repository root (TensorFlow needed to build
the two ``keras.applications`` models, with ``weights=None``).
"""

from __future__ import annotations

import json
from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent


def main() -> None:
    import keras

    a = json.loads(keras.applications.ResNet50(weights=None).to_json())
    b = json.loads(keras.applications.ResNet101(weights=None).to_json())
    out = nnviz.diff(a, b).draw(dpi=110).save(HERE / "diff-resnet.png")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
