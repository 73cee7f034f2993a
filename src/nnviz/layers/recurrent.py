"""Inference for the recurrent family of Keras layers."""

from __future__ import annotations

from .registry import Inferred, UnknownShape, infers, one_input, weight  # noqa: F401
