"""Reading a saved ResNet50 (.h5, ~100 MB): `nnviz summary` vs Keras's own load_model, cold processes.

Usage: python benchmarks/bench_load.py [--repeat 3]

Generates resnet50.h5 once with TensorFlow (weights=None) in a temporary folder, then times, in
fresh processes each: `nnviz summary resnet50.h5` (base install, no TensorFlow) and
`keras.models.load_model("resnet50.h5")` + `model.summary()`. Prints the median of each and the ratio.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchkit import median_time, parser, run_quiet


def main() -> None:
    args = parser(__doc__, runs=3, flag="--repeat").parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet50.h5"
        subprocess.run([sys.executable, "-c",
                        "import keras; keras.applications.ResNet50(weights=None).save(%r)" % str(path)],
                       check=True, env=env, stderr=subprocess.DEVNULL)
        size = path.stat().st_size / 2**20
        a = median_time(lambda: run_quiet([sys.executable, "-m", "nnviz.cli", "summary", str(path)], env),
                        args.repeat)
        b = median_time(lambda: run_quiet([sys.executable, "-c", "import keras; m = keras.models.load_model("
                                           "%r, compile=False); m.summary()" % str(path)], env), args.repeat)
        c = median_time(lambda: run_quiet([sys.executable, "-c", "pass"], env), args.repeat)
    print(f"ResNet50 .h5 ({size:.0f} MB), median of {args.repeat} cold processes")
    print(f"  {'python -c pass (floor)':<42} {c:7.2f} s")
    print(f"  {'nnviz summary resnet50.h5':<42} {a:7.2f} s")
    print(f"  {'keras load_model + summary':<42} {b:7.2f} s")
    print(f"  nnviz is {b / a:.1f}x faster than Keras")


if __name__ == "__main__":
    main()
