"""The training modules' docstring examples run (they need TensorFlow and scikit-learn)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import nnviz.training

pytestmark = pytest.mark.needs_tf

MODULES = sorted(info.name for info in pkgutil.walk_packages(nnviz.training.__path__, "nnviz.training."))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name, monkeypatch):
    monkeypatch.chdir(nnviz.training.__path__[0])  # examples must not depend on the working folder
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
