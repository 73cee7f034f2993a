"""Imports every family module so that each registers its classes."""

from . import (  # noqa: F401
    attention,
    conv,
    core,
    merge,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    reshaping,
    wrappers,
)
