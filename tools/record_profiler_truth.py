"""Record TensorFlow's profiler FLOPs of every keras.applications model as test truth.

The cost tests (``tests/costs/test_profiler.py``) compare nnviz's counts per op type with
what ``tf.compat.v1.profiler`` counts on Keras's own graphs. Profiling needs TensorFlow and
a few minutes per model, so it runs once here and the answers are committed as small JSON
files under ``tests/data/truth/tfprof/`` (the tests then need no TensorFlow; the ``oracle``
test profiles again and compares)::

    python tools/record_profiler_truth.py                # record the missing ones
    python tools/record_profiler_truth.py MobileNetV2    # only these
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main(argv: list[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(TESTS))
    from keras_zoo import APPLICATIONS
    from truth import tfprof_truth

    for name in argv or sorted(APPLICATIONS):
        value = tfprof_truth(name)
        print(f"{name}: {value['total_float_ops']:,} FLOPs over {len(value['layers'])} layers", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
