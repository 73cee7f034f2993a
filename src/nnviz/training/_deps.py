"""Importing the training stack (Keras, TensorFlow, scikit-learn) with an error that says how to install it.

TensorFlow loads only when training is asked for: ``import nnviz`` never imports it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from ..errors import MissingDependencyError

__all__ = ["require", "INSTALL_HINT"]

INSTALL_HINT = 'pip install "nnviz-keras[tensorflow]"'


def require(module: str, *, purpose: str = "training") -> ModuleType:
    """Import ``module`` (``keras``, ``tensorflow``, ``sklearn.datasets``...) or say how to install it.

    Args:
        module: the module's dotted name.
        purpose: what needs it, for the message.

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: the module is not installed.

    >>> require("json").__name__
    'json'
    """
    if module.split(".")[0] in ("keras", "tensorflow"):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter
    try:
        return importlib.import_module(module)
    except ImportError as err:
        missing = (err.name or module).split(".")[0]
        raise MissingDependencyError(f"{purpose} needs {missing}, which is not installed",
                                     hint=INSTALL_HINT) from err
