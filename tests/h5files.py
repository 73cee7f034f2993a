"""Small legacy-HDF5 Keras files for the tests, written with h5py (no TensorFlow)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import h5py
import numpy as np


def write_h5_model(path: Path, config: Any, weights: Mapping[str, Mapping[str, Any]], *,
                   keras_version: str = "2.4.0") -> None:
    """A ``model.save()``-style ``.h5``: the config attribute and ``model_weights``.

    ``weights`` maps layer name -> {weight name: array, or a shape tuple to declare a dataset
    without writing it (an absurd shape then costs no disk)}.
    """
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config) if not isinstance(config, str) else config
        f.attrs["keras_version"] = keras_version
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([name.encode() for name in weights])
        for name, arrays in weights.items():
            d = g.create_group(name)
            d.attrs["weight_names"] = np.array([w.encode() for w in arrays])
            for wname, value in arrays.items():
                if isinstance(value, tuple):
                    d.create_dataset(wname, shape=value, dtype="f4")
                else:
                    d.create_dataset(wname, data=value)
