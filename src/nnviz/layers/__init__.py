"""Shape and parameter inference: a registry keyed by Keras class name, one module per family."""

from . import families  # noqa: F401  (every family module registers its classes in the registry)
from .infer import infer_graph
from .registry import Inferred, UnknownShape, infers, lookup, registered, weight

__all__ = ["infer_graph", "Inferred", "UnknownShape", "infers", "lookup", "registered", "weight"]
