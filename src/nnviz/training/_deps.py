"""Importing the training stack (Keras, TensorFlow, scikit-learn) with an error that says how to install it.

TensorFlow loads only when training is asked for: ``import nnviz`` never imports it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from types import ModuleType
from typing import Iterator

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
    first_tf = module.split(".")[0] in ("keras", "tensorflow") and "tensorflow" not in sys.modules
    try:
        with _native_stderr_silenced() if first_tf else contextlib.nullcontext():
            return importlib.import_module(module)
    except ImportError as err:
        missing = (err.name or module).split(".")[0]
        raise MissingDependencyError(f"{purpose} needs {missing}, which is not installed",
                                     hint=INSTALL_HINT) from err


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a while.

    TensorFlow's C++ start-up logs (oneDNN, CUDA drivers) ignore ``TF_CPP_MIN_LOG_LEVEL`` since
    TensorFlow 2.18 and would bury the one line the CLI prints; they are written once, at import.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no stderr at all
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
