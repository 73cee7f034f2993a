"""``--build`` (``build=True``): a model built by Keras from its config, then walked as a live one.

A subclassed or KerasHub model's file stores no graph (:mod:`nnviz.readers.tree`). With keras
(3.14 or later) and keras_hub installed, nnviz can build the model from its config and walk and trace
it as a live model (:mod:`nnviz.readers.live`, :mod:`nnviz.readers.trace`). That imports the
classes the config names, so it is never the default, and it is the one exception to "nnviz imports
nothing a file names". Keras's ``safe_mode`` alone has been bypassed repeatedly (CVE-2025-1550,
-8747, -9905, -9906, CVE-2026-1462), so:

1. :func:`screen_config` first checks the config in this process, without Keras: every class it
   names comes from the ``keras`` or ``keras_hub`` packages, none is ``Lambda``, ``TFSMLayer`` or
   another layer that runs stored code or reads other files, and no serialized function is anything
   but one of Keras's named activations;
2. the build runs in a fresh child interpreter, bounded in time and memory
   (:func:`nnviz.readers.isolate.run_fresh`), which sends back only the walked graph;
3. there, the model is built inside ``keras.StatelessScope(initialize_variables=False)``: its
   variables get shapes but no values, so a Gemma-2B-shaped backbone (10 GB of float32 weights)
   builds in a few hundred MB (``benchmarks/bench_build.py``).

A built model has no weights: its graph carries none, and says so.

>>> screen_config({"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}, path="m.keras")
>>> screen_config({"module": "keras.layers", "class_name": "Lambda", "config": {}}, path="m.keras")
Traceback (most recent call last):
...
nnviz.errors.ReadError: m.keras: --build refuses class 'Lambda': it runs code stored in the file
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from ..errors import MissingDependencyError, OptionError, ReadError
from ..graph import LayerGraph

__all__ = ["screen_config", "build_graph", "read_built", "graphless_config", "run_built", "import_keras",
           "build_model", "BUILT_NOTE", "BUILD_TIME_LIMIT_S", "BUILD_MEMORY_BYTES", "MIN_KERAS"]

BUILT_NOTE = "built from its config by --build: the model's graph, without its weights"
BUILD_TIME_LIMIT_S = 600.0          # importing TensorFlow and KerasHub alone takes 5-30 s
BUILD_MEMORY_BYTES = 8 * 1024 ** 3  # address space beyond a fresh interpreter's (TensorFlow maps ~2 GB)
MIN_KERAS = (3, 14)
HUB_INSTALL = 'pip install "nnviz-keras[hub]"   (keras >= 3.14 and keras-hub, with TensorFlow)'

_PACKAGES = ("keras", "keras_hub")
# classes that run code stored in the config, load other files or unpickle: never built
_REFUSED = {
    "Lambda": "it runs code stored in the file",
    "TFSMLayer": "it loads a SavedModel named in the file",
    "TorchModuleWrapper": "it unpickles a torch module stored in the file",
    "JaxLayer": "it calls functions stored in the file",
    "FlaxLayer": "it calls functions stored in the file",
}
# serialized data Keras rebuilds without naming a class (anything else spelled __x__ is refused:
# __lambda__ is bytecode, __typespec__ names a class)
_DATA = {"__numpy__", "__tensor__", "__bytes__", "__ellipsis__", "__slice__", "__keras_tensor__", "__tuple__"}
_ACTIVATION_MODULES = ("keras.activations", "keras.src.activations", "keras.src.activations.activations")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# parts of a task's config that need files besides the config (a tokenizer's vocabulary): not built
_NOT_BUILT = re.compile(r"(Tokenizer|Preprocessor|ImageConverter|AudioConverter)$")


def _in_packages(module: Any) -> bool:
    return isinstance(module, str) and any(module == p or module.startswith(p + ".") for p in _PACKAGES)


def screen_config(config: Any, *, path: object) -> None:
    """Refuse a config that names anything but classes of ``keras`` and ``keras_hub`` (no Keras needed).

    Raises:
        ReadError: naming the first class, module or function the screen refuses.
    """
    stack: list[tuple[Any, int]] = [(config, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > 200:
            raise ReadError("the config nests more than 200 levels deep", path=path)
        if isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
            continue
        if not isinstance(item, dict):
            continue
        stack.extend((v, depth + 1) for v in item.values())
        name = item.get("class_name")
        if not isinstance(name, str):
            continue
        module = item.get("module")
        if name.startswith("__") and name.endswith("__"):
            if name not in _DATA:
                raise ReadError(f"--build refuses a serialized {name!r}: it is code or names a class", path=path)
            continue
        if name == "function":
            fn = item.get("config")
            if module in _ACTIVATION_MODULES and isinstance(fn, str) and _IDENTIFIER.fullmatch(fn):
                continue
            raise ReadError(f"--build refuses the serialized function {fn!r} of module {module!r}: only Keras's "
                            "named activations are built", path=path)
        if name in _REFUSED:
            raise ReadError(f"--build refuses class {name!r}: {_REFUSED[name]}", path=path)
        if _NOT_BUILT.search(name):
            raise ReadError(f"--build refuses class {name!r}: it needs files besides the config", path=path)
        if not _in_packages(module):
            raise ReadError(f"--build refuses class {name!r} of module {module!r}: it builds only classes "
                            "of the keras and keras_hub packages", path=path,
                            hint="a model of your own classes: draw it live, nnviz.draw(model)")
        registered = item.get("registered_name")
        if registered is not None and registered != name and not (
                isinstance(registered, str) and registered.partition(">")[0] in _PACKAGES
                and registered.partition(">")[2] == name):
            raise ReadError(f"--build refuses class {name!r} registered as {registered!r}", path=path)


def _buildable(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config to build: a task's preprocessor (which needs vocabulary files) and the compile
    settings (optimizer, losses) left out."""
    out = {k: v for k, v in config.items() if k != "compile_config"}
    inner = out.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("preprocessor"), dict):
        out["config"] = {**inner, "preprocessor": None}
    return out


def build_graph(config: Mapping[str, Any], *, path: str | Path, hyperparameters: Mapping[str, Any] | None = None,
                metadata: Mapping[str, Any] | None = None, input_shape: Any = None) -> LayerGraph:
    """Build the model of ``config`` in a child interpreter and return its walked (and traced) graph.

    Args:
        config: the model's Keras 3 config (``config.json`` of a ``.keras`` file or a preset).
        path: the file or folder, for messages and the graph's source.
        hyperparameters: shown with the graph (a KerasHub config's values).
        metadata: shown with the graph (a preset's ``metadata.json``).
        input_shape: sizes for the inputs' free axes (no batch axis; ``{input name: shape}`` for
            several inputs, as :func:`nnviz.load` takes it): Keras computes every shape at them.

    Raises:
        ReadError: the screen refuses the config, or building fails, runs out of time or memory.
        OptionError: ``input_shape`` names no input of the model, or has another number of axes.
        MissingDependencyError: keras >= 3.14 or keras_hub is not installed.
    """
    extra = {} if input_shape is None else {"input_shape": _plain_shape(input_shape)}
    graph = run_built("nnviz.readers.build:_build_in_child", config, path=path, doing="building it", **extra)
    return graph.replace(source=str(path),
                         model_class=config.get("class_name") if isinstance(config.get("class_name"), str) else None,
                         hyperparameters=dict(hyperparameters) if hyperparameters else None,
                         metadata=dict(metadata) if metadata else None, warnings=(*graph.warnings, BUILT_NOTE))


def run_built(target: str, config: Mapping[str, Any], *, path: str | Path, doing: str,
              **payload: Any) -> Any:
    """``target({"config", "path", **payload})`` in a fresh, bounded child, once the screen passed ``config``.

    The one way to run what builds a model from a file's config: :func:`screen_config` here,
    without Keras (a refused config never starts a child), then :func:`nnviz.readers.isolate.run_fresh`
    with the build's bounds. ``target`` builds the model there with :func:`build_model`.
    """
    from .isolate import run_fresh

    config = _buildable(config)
    screen_config(config, path=path)
    return run_fresh(target, {**payload, "config": config, "path": str(path)}, path=path,
                     time_limit=BUILD_TIME_LIMIT_S, memory_limit=BUILD_MEMORY_BYTES, doing=doing)


def graphless_config(path: Path, kind: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The model config (and metadata) of a file or preset folder that stores no graph, to build.

    ``kind`` is what :func:`nnviz.readers.sniff.sniff` says the path is. Returns ``None`` for a
    file that stores its graph (nothing needs building: it is read as always).

    Raises:
        ReadError: a file without a model config (a bare weights file).
    """
    from .tree import _read_json, is_graphless_config, is_preset

    metadata: dict[str, Any] = {}
    if kind == "preset" and is_preset(path):
        config = _read_json(path / "config.json", 64 << 20)
        if (path / "metadata.json").is_file():
            meta = _read_json(path / "metadata.json")
            metadata = {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool, list))} \
                if isinstance(meta, dict) else {}
    elif kind == "keras":
        from .keras_zip import read_zip_config

        config, meta = read_zip_config(path)
        metadata = {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}
    elif kind == "json":
        config = _read_json(path, 64 << 20)
    else:
        config = None
    if config is None:
        if kind == "h5":
            return None  # an HDF5 model stores its graph; a weights file is refused by the reader below
        raise ReadError("--build needs the model's config: this file has none", path=path)
    if not is_graphless_config(config):
        return None
    return config, metadata


def _plain_shape(input_shape: Any) -> Any:
    """``input_shape`` as plain data for the child: a tuple, or a dict of tuples by input name."""
    from collections.abc import Mapping as _Mapping

    from .trace import parse_input_shape

    shape = parse_input_shape(input_shape)
    if isinstance(shape, _Mapping):
        return {str(k): tuple(v) for k, v in shape.items()}
    return tuple(shape)


def read_built(path: Path, kind: str, *, input_shape: Any = None) -> LayerGraph | None:
    """The graph of the model a file or preset folder configures, built (``--build``); ``kind`` is
    what :func:`nnviz.readers.sniff.sniff` says the path is.

    A preset folder needs only ``config.json`` (and ``metadata.json``); a ``.keras`` file or a
    JSON config of a subclassed or KerasHub model is built from its config. Returns ``None`` for a
    file that stores its graph (nothing needs building: it is read as always). With ``input_shape``
    the model is called by Keras on inputs of those sizes, and every shape is the one Keras computes.

    Raises:
        ReadError: a file without a model config (a bare weights file), or see :func:`build_graph`.
    """
    from .tree import hyperparameters_of

    found = graphless_config(path, kind)
    if found is None:
        return None
    config, metadata = found
    return build_graph(config, path=path, hyperparameters=hyperparameters_of(config), metadata=metadata,
                       input_shape=input_shape)


def _without_loaders(graph: LayerGraph) -> LayerGraph:
    """The graph with no weights loader anywhere (a built model has no weights; a loader cannot travel)."""
    layers = [layer.replace(subgraph=_without_loaders(layer.subgraph)) if layer.subgraph is not None else layer
              for layer in graph.layers]
    return graph.replace(layers=layers, weights_loader=None)


def import_keras(payload: Mapping[str, Any]) -> Any:
    """In a child of :func:`run_built`: import Keras (3.14 or later), and KerasHub when the config names it.

    Raises:
        MissingDependencyError: keras >= 3.14 or keras_hub is not installed.
    """
    path = payload["path"]
    try:
        import keras
    except ImportError as err:
        raise MissingDependencyError("--build needs keras (3.14 or later)", path=path, hint=HUB_INSTALL) from err
    version = tuple(int(p) for p in re.findall(r"\d+", keras.__version__)[:2])
    if version < MIN_KERAS:
        raise MissingDependencyError(f"--build needs keras 3.14 or later (this is {keras.__version__})", path=path,
                                     hint=HUB_INSTALL)
    config = payload["config"]
    module = config.get("module") or ""
    if module.split(".")[0] == "keras_hub" or "keras_hub" in str(config):
        try:
            import keras_hub  # noqa: F401 - registers its classes with Keras
        except ImportError as err:
            raise MissingDependencyError(f"--build of a {config.get('class_name')} needs keras_hub", path=path,
                                         hint=HUB_INSTALL) from err
    return keras


def build_model(payload: Mapping[str, Any]) -> Any:
    """In a child of :func:`run_built`: the screened config built by Keras (``safe_mode=True``).

    Call it inside ``keras.StatelessScope(initialize_variables=False)`` to give the variables
    shapes but no values (enough to walk the model, not to run it).

    Raises:
        MissingDependencyError: see :func:`import_keras`.
        ReadError: Keras cannot build it, or it made something else than a keras.Model of the
            keras or keras_hub packages.
    """
    keras = import_keras(payload)
    path = payload["path"]
    try:
        model = keras.saving.deserialize_keras_object(payload["config"], safe_mode=True)
    except Exception as err:  # noqa: BLE001 - Keras's own errors on a config it cannot build
        raise ReadError(f"Keras cannot build it from its config ({_first_line(err)})", path=path) from None
    cls = type(model)
    if not _in_packages(cls.__module__) or not isinstance(model, keras.Model):
        raise ReadError(f"--build made a {cls.__name__} of {cls.__module__}, not a keras.Model of the keras "
                        "or keras_hub packages", path=path)
    return model


def _first_line(err: BaseException) -> str:
    first = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
    return f"{type(err).__name__}: {first}"


def _build_in_child(payload: Mapping[str, Any]) -> LayerGraph:
    """In the fresh child: import Keras and KerasHub, build without variable values, walk the model."""
    from .live import read_live

    keras = import_keras(payload)
    with keras.StatelessScope(initialize_variables=False):
        model = build_model(payload)
        try:
            if payload.get("input_shape") is None:
                graph = read_live(model)
            else:
                graph = _read_at_input_shape(keras, model, payload["input_shape"], payload["path"])
        except (ReadError, OptionError):
            raise
        except Exception as err:  # noqa: BLE001 - Keras's own errors on a model it cannot walk
            raise ReadError(f"Keras cannot build it from its config ({_first_line(err)})",
                            path=payload["path"]) from None
    return _without_loaders(graph)


def _read_at_input_shape(keras: Any, model: Any, input_shape: Any, path: str) -> LayerGraph:
    """In the child: the built model's graph with its inputs' free axes fixed, every shape Keras's own.

    A Functional model (a KerasHub backbone or task) is run through by Keras once more, from new
    ``keras.Input`` tensors of the given sizes: each of its operations is called on them, as
    ``Model.call`` does, and the graph is walked from those calls (the same operations and wiring,
    the shapes Keras computed at these sizes). Another model is traced from its ``call`` at them.
    """
    from .live import read_live
    from .opgraph import is_functional3, walk_functional
    from .trace import expand_layers

    if not is_functional3(model):
        return read_live(model, input_shape=input_shape)
    inputs = list(keras.tree.flatten(model._inputs_struct))
    names = [t._keras_history.operation.name for t in inputs]
    if isinstance(input_shape, dict):
        unknown = sorted(k for k in input_shape if k not in names)
        if unknown:
            raise OptionError(f"input_shape names {unknown}, not inputs of the model (its inputs: {names})",
                              path=path)
        given = dict(input_shape)
    elif len(names) == 1:
        given = {names[0]: tuple(input_shape)}
    else:
        raise OptionError(f"the model has {len(names)} inputs: give input_shape as {{input name: shape}} "
                          f"(its inputs: {names})", path=path)
    fresh = {}
    for tensor, name in zip(inputs, names):
        old = tuple(tensor.shape)
        shape = given.get(name)
        if shape is not None and len(shape) != len(old) - 1:
            raise OptionError(f"input_shape of {name!r} has {len(shape)} axes; the input has {len(old) - 1} "
                              "(without the batch axis)", path=path)
        batch = old[:1] + tuple(shape) if shape is not None else old
        fresh[id(tensor)] = keras.Input(batch_shape=batch, dtype=tensor.dtype, name=name)
    new_inputs = keras.tree.map_structure(lambda t: fresh[id(t)], model._inputs_struct)
    # what Model.call does, without its input conversion (it would add a step of its own): each
    # operation called on the new tensors, in the model's order
    outputs = model._run_through_graph(new_inputs, operation_fn=lambda op: op)
    rewired = keras.Model(new_inputs, outputs, name=model.name)
    label = f"<{type(model).__name__} {model.name!r}>"
    graph = expand_layers(walk_functional(rewired, path=label), rewired, path=label)
    return graph.replace(keras_version=getattr(keras, "__version__", None), source=label)
