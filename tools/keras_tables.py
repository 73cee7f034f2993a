"""Write ``src/nnviz/layers/keras_names.json``: each Keras layer class's argument names, and the activations.

nnviz checks hand-written specs against these tables (a typo such as ``"kernal_size"`` or
``"rleu"`` is an error with "did you mean ...?"), and TensorFlow is not there at run time, so
the tables are generated once from Keras 3 and tf_keras and committed as data::

    python tools/keras_tables.py            # rewrite the table
    python tools/keras_tables.py --check    # exit 1 if the committed table differs

A class's names are its ``__init__`` parameters (through its base classes where it passes
``**kwargs`` on) plus the keyword arguments every Keras layer takes; the union over Keras 3
and tf_keras, so that a spec written for either passes.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "nnviz" / "layers" / "keras_names.json"

# what every layer accepts through **kwargs in some Keras version
BASE_KWARGS = {"name", "trainable", "dtype", "autocast", "input_shape", "batch_input_shape", "batch_size",
               "input_dim", "weights", "activity_regularizer", "input_length", "dynamic", "seed_generator"}


def _init_names(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            continue
        names |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break  # this __init__ takes nothing more
    return names


def _layer_classes(module: object) -> dict[str, type]:
    out = {}
    for name in dir(module):
        obj = getattr(module, name)
        if inspect.isclass(obj) and name[0].isupper():
            out[name] = obj
    return out


def _activations(module: object) -> set[str]:
    return {name for name in dir(module) if not name.startswith("_") and name.islower()
            and callable(getattr(module, name)) and name not in ("get", "serialize", "deserialize")}


def build() -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tf_keras

    classes: dict[str, set[str]] = {}
    for module in (keras.layers, tf_keras.layers):
        for name, cls in _layer_classes(module).items():
            if not issubclass(cls, (keras.layers.Layer, tf_keras.layers.Layer)):
                continue
            classes.setdefault(name, set()).update(_init_names(cls) | BASE_KWARGS)
    activations = _activations(keras.activations) | _activations(tf_keras.activations) | {"linear"}
    return {
        "generated_by": "tools/keras_tables.py",
        "keras": keras.__version__,
        "tf_keras": tf_keras.__version__,
        "activations": sorted(activations),
        "arguments": {name: sorted(names) for name, names in sorted(classes.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed table differs")
    args = parser.parse_args()
    text = json.dumps(build(), indent=1, sort_keys=False) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print("up to date" if same else f"{OUT} differs: run python tools/keras_tables.py")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
