"""Without TensorFlow, training says how to install it (and nnviz still imports)."""

from __future__ import annotations

import subprocess
import sys

_WITHOUT = """
import sys
sys.modules["tensorflow"] = sys.modules["keras"] = None  # as if not installed
import nnviz
try:
    {call}
except nnviz.MissingDependencyError as err:
    print(err)
"""


def _run(call: str) -> str:
    code = _WITHOUT.format(call=call)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_train_without_tensorflow_names_the_install_line():
    out = _run('nnviz.train({"input_shape": [4], "layers": [{"type": "Dense", "units": 3}]}, "iris")')
    assert out == 'training needs tensorflow, which is not installed (pip install "nnviz-keras[tensorflow]")'


def test_to_keras_without_keras_names_the_install_line():
    out = _run('nnviz.to_keras({"input_shape": [4], "layers": [{"type": "Dense", "units": 3}]})')
    assert out.startswith("building a Keras model needs keras") and 'nnviz-keras[tensorflow]' in out
