"""Packaging promises: light import, version, docstring examples that run."""

import doctest
import importlib
import pkgutil
import subprocess
import sys

import pytest

import nnviz


def test_import_loads_neither_matplotlib_nor_tensorflow():
    code = ("import sys, nnviz; g = nnviz.load({'input_shape': [3], 'layers': [{'type': 'Dense', 'units': 2}]});"
            "print(','.join(m for m in ('matplotlib', 'tensorflow', 'keras', 'tf_keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_reading_a_file_does_not_import_tensorflow(tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text('{"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]}')
    code = (f"import sys, nnviz.cli as c; sys.argv=['nnviz','summary',{str(spec)!r}];\n"
            "try:\n    c.main()\nexcept SystemExit: pass\n"
            "print('TF' if 'tensorflow' in sys.modules or 'keras' in sys.modules else 'clean', file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("clean"), proc.stderr


def test_version_is_a_string():
    assert isinstance(nnviz.__version__, str) and nnviz.__version__.count(".") == 2


def _modules():
    for info in pkgutil.walk_packages(nnviz.__path__, "nnviz."):
        if ".training" in info.name:
            continue  # needs TensorFlow at import of some functions; doctested in tests/training
        yield info.name


@pytest.mark.parametrize("name", sorted(_modules()))
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_atomic_writes_get_normal_permissions(tmp_path):
    import os

    from nnviz.fileio import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.txt", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
