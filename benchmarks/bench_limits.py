"""How fast nnviz refuses a model over its documented layer limit, in every file form.

Usage: python benchmarks/bench_limits.py [--layers 1000000] [--groups 50000]

Writes a model of N layers (default a million, five times nnviz's limit of 200,000) as an
nnviz spec, a Keras ``to_json()`` config, a legacy ``.h5``, a ``.keras`` zip and a SavedModel
``keras_metadata.pb``, and times ``nnviz.load`` of each until it is refused, beside the time
json.loads alone takes for the same text (the floor: the file must be parsed to be counted).
The ``.h5 + weights`` form also stores a weight group for each of the first ``--groups`` layers,
and the last line times the walk of those groups that the ``.h5`` reader did before counting
(its old order; it now counts first).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import nnviz  # noqa: E402
from nnviz.readers.savedmodel import varint_bytes  # noqa: E402


def _field(number: int, payload: bytes) -> bytes:
    return varint_bytes(number << 3 | 2) + varint_bytes(len(payload)) + payload


def write_forms(n: int, folder: Path, groups: int = 50_000) -> dict[str, tuple[Path, str]]:
    """The model in each form, with the JSON text each form holds."""
    spec = json.dumps({"input_shape": [3], "layers": [{"type": "Dropout", "rate": 0.1}] * n})
    config = json.dumps({"class_name": "Sequential", "config": {"name": "big", "layers": [
        {"class_name": "Dropout", "config": {"rate": 0.1}}] * n}})
    forms: dict[str, tuple[Path, str]] = {}
    (folder / "spec.json").write_text(spec)
    forms["spec"] = (folder / "spec.json", spec)
    (folder / "config.json").write_text(config)
    forms["to_json config"] = (folder / "config.json", config)
    import h5py

    with h5py.File(folder / "big.h5", "w") as f:
        f.attrs["model_config"] = config
        f.attrs["keras_version"] = "2.4.0"
        f.create_group("model_weights").attrs["layer_names"] = []
    forms[".h5"] = (folder / "big.h5", config)
    # the same with a weight group for each of the first `groups` layers (model.save() of a real
    # model has one per layer; HDF5 takes minutes to write a million): the reader must count the
    # layers before it walks the groups for their shapes
    names = [f"d{i}" for i in range(min(n, groups))]
    with h5py.File(folder / "big_weights.h5", "w", libver="latest") as f:
        f.attrs["model_config"] = config
        f.attrs["keras_version"] = "2.4.0"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [x.encode() for x in names]
        for name in names:
            g.create_group(name).attrs["weight_names"] = [f"{name}/bias:0".encode()]
            g.create_dataset(f"{name}/{name}/bias:0", shape=(1,), dtype="f4")
    forms[".h5 + weights"] = (folder / "big_weights.h5", config)
    with zipfile.ZipFile(folder / "big.keras", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("config.json", config)
        zf.writestr("metadata.json", '{"keras_version": "3.5.0"}')
    forms[".keras"] = (folder / "big.keras", config)
    sm = folder / "savedmodel"
    sm.mkdir()
    (sm / "saved_model.pb").write_bytes(b"")
    node = _field(3, b"root") + _field(4, b"_tf_keras_sequential") + _field(5, config.encode())
    (sm / "keras_metadata.pb").write_bytes(_field(1, node))
    forms["SavedModel"] = (sm, config)
    return forms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=1_000_000)
    ap.add_argument("--groups", type=int, default=50_000, help="weight groups in the '.h5 + weights' form")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        forms = write_forms(args.layers, Path(tmp), args.groups)
        print(f"{'form':<16}{'MB':>8}{'json.loads s':>14}{'nnviz.load s':>14}  result")
        for name, (path, text) in forms.items():
            t0 = time.perf_counter()
            json.loads(text)
            parse = time.perf_counter() - t0
            t0 = time.perf_counter()
            try:
                nnviz.load(path)
                result = "read (not refused!)"
            except nnviz.NnvizError as err:
                result = err.message
            took = time.perf_counter() - t0
            print(f"{name:<16}{len(text) / 1e6:>8.1f}{parse:>14.2f}{took:>14.2f}  {result}", flush=True)
        # what the .h5 reader spent before refusing when it read the weight shapes first
        from nnviz.readers.h5 import _stored_shapes
        from nnviz.readers.h5safe import open_h5

        path = forms[".h5 + weights"][0]
        t0 = time.perf_counter()
        with open_h5(path, path=path) as f:
            walked = len(_stored_shapes(f))
        print(f"the walk of {walked:,} weight groups that the .h5 reader did before counting (its old order): "
              f"{time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
