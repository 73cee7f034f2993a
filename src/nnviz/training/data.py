"""Data to train on, all of it offline: scikit-learn's data sets, CSV and ``.npz`` files, synthetic data.

:func:`load_data` turns a source into a :class:`Dataset`: a deterministic train,
validation and test split (stratified for classes), with the features standardised
by the training split's mean and spread only. Sources:

- ``iris``, ``digits``, ``wine``, ``breast_cancer``, ``diabetes``: the data sets scikit-learn ships;
- ``path.csv``: numeric features, non-numeric ones encoded (one-hot or ordinal), a ``target`` column
  (default: the last one);
- ``path.npz``: arrays ``x`` and ``y``;
- ``synthetic`` or ``synthetic:classification?n=500&features=20&classes=2`` (or ``synthetic:regression``),
  made by scikit-learn's ``make_classification`` / ``make_regression``.

:func:`fit_to_model` then checks the data against the model's input and output.

>>> d = load_data("iris", seed=0)
>>> d.x_train.shape, d.x_val.shape, d.x_test.shape, d.n_classes
((96, 4), (24, 4), (30, 4), 3)
"""

from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import parse_qs

import numpy as np

from ..errors import NnvizError, OptionError, ReadError
from ._deps import require

__all__ = ["Dataset", "load_data", "fit_to_model", "SKLEARN_DATASETS", "CATEGORICAL"]

SKLEARN_DATASETS = ("iris", "digits", "wine", "breast_cancer", "diabetes")
CATEGORICAL = ("onehot", "ordinal")
_MISSING = {"", "na", "nan", "null", "none", "?"}
_MAX_CLASSES = 20  # an integer target with more distinct values than this is a quantity, not a class
_SYNTHETIC_KEYS = {"n": "n_samples", "features": "n_features", "classes": "n_classes",
                   "informative": "n_informative", "noise": "noise"}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A split, standardised data set.

    Attributes:
        name: where it came from.
        x_train, y_train, x_val, y_val, x_test, y_test: the splits (the validation split may be empty).
        feature_names: one name per feature column.
        class_names: the classes, in label order; ``None`` for a regression target.
        mean, scale: the standardisation, fit on the training split (apply to new data as
            ``(x - mean) / scale``).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] | None
    mean: np.ndarray
    scale: np.ndarray

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    @property
    def is_classification(self) -> bool:
        return self.class_names is not None

    @property
    def target_width(self) -> int:
        """Columns of the target: 1 for labels or one value, more for one-hot or several values."""
        return 1 if self.y_train.ndim == 1 else int(self.y_train.shape[1])

    def __repr__(self) -> str:
        kind = f"{self.n_classes} classes" if self.is_classification else "regression"
        return (f"<Dataset {self.name!r}: {self.n_features} features, {kind}, train/val/test "
                f"{len(self.x_train)}/{len(self.x_val)}/{len(self.x_test)}>")


@dataclass(frozen=True, eq=False)
class _Raw:
    """Data as read, before splitting: features, target, names, which columns to standardise."""

    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] | None
    scaled: np.ndarray  # bool per column: standardise it (one-hot columns stay 0/1)


def load_data(source: str | Path, *, target: str | None = None, seed: int | None = 0,
              test_split: float = 0.2, validation_split: float = 0.2, categorical: str = "onehot",
              defaults: Mapping[str, Any] | None = None) -> Dataset:
    """Read, split and standardise data for training.

    Args:
        source: a scikit-learn data set's name, a ``.csv`` or ``.npz`` path, or ``synthetic[...]``.
        target: the CSV column to predict (default: the last column).
        seed: the seed of the split (and of synthetic data); ``None`` means 0.
        test_split: the fraction held out for the final test.
        validation_split: the fraction of the rest held out for validation (0 for none).
        categorical: how CSV text columns become numbers: ``onehot`` or ``ordinal``.
        defaults: synthetic data's parameters (``kind``, ``features``, ``classes``) where the source
            does not give them; training passes the model's input width and classes.

    Returns:
        The :class:`Dataset`.

    Raises:
        ReadError: a file that cannot be read, an unknown column.
        OptionError: an unknown source or option value.
    """
    _check_fractions(test_split, validation_split)
    if categorical not in CATEGORICAL:
        raise OptionError(f"unknown categorical encoding {categorical!r} (must be one of {list(CATEGORICAL)})")
    seed = 0 if seed is None else int(seed)
    raw = _read(str(source), target=target, seed=seed, categorical=categorical, defaults=defaults or {})
    return _split(raw, str(source), seed=seed, test_split=test_split, validation_split=validation_split)


def _check_fractions(test_split: float, validation_split: float) -> None:
    if not 0 < test_split < 1:
        raise OptionError(f"test_split must be between 0 and 1, got {test_split!r}")
    if not 0 <= validation_split < 1:
        raise OptionError(f"validation_split must be at least 0 and below 1, got {validation_split!r}")


def _read(source: str, *, target: str | None, seed: int, categorical: str,
          defaults: Mapping[str, Any]) -> _Raw:
    """Dispatch on the kind of source."""
    if source in SKLEARN_DATASETS or source.replace("-", "_") in SKLEARN_DATASETS:
        return _read_sklearn(source.replace("-", "_"))
    if source == "synthetic" or source.startswith(("synthetic:", "synthetic?")):
        return _read_synthetic(source, seed=seed, defaults=defaults)
    path = Path(source)
    if path.suffix.lower() == ".npz":
        return _read_npz(_existing(path))
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return _read_csv(_existing(path), target=target, categorical=categorical)
    close = difflib.get_close_matches(source, [*SKLEARN_DATASETS, "synthetic"], n=1)
    raise OptionError(f"unknown data {source!r}",
                      hint=f"did you mean {close[0]!r}?" if close else
                      f"use one of {', '.join(SKLEARN_DATASETS)}, synthetic, a .csv or an .npz file")


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise ReadError("no such data file", path=path)
    return path


# -- sources ----------------------------------------------------------------------------------

def _read_sklearn(name: str) -> _Raw:
    datasets = require("sklearn.datasets", purpose="the built-in data sets")
    bunch = getattr(datasets, f"load_{name}")()
    x = np.asarray(bunch.data, dtype="float32")
    classes = None if name == "diabetes" else tuple(str(c) for c in bunch.target_names)
    y = np.asarray(bunch.target, dtype="int64" if classes else "float32")
    return _Raw(x, y, tuple(str(f) for f in bunch.feature_names), classes, np.ones(x.shape[1], bool))


def _read_synthetic(source: str, *, seed: int, defaults: Mapping[str, Any]) -> _Raw:
    """``synthetic[:classification|:regression][?n=..&features=..&classes=..&informative=..&noise=..]``."""
    head, _, query = source.partition("?")
    kind = head.partition(":")[2] or defaults.get("kind", "classification")
    if kind not in ("classification", "regression"):
        raise OptionError(f"unknown synthetic data {kind!r} (must be one of ['classification', 'regression'])")
    params = {"n": 500, "features": defaults.get("features") or 20, "classes": defaults.get("classes") or 2}
    for key, values in parse_qs(query, keep_blank_values=True, strict_parsing=bool(query)).items():
        if key not in _SYNTHETIC_KEYS:
            raise OptionError(f"unknown synthetic data parameter {key!r} (must be one of {sorted(_SYNTHETIC_KEYS)})")
        params[key] = _number(key, values[-1])
    datasets = require("sklearn.datasets", purpose="synthetic data")
    if kind == "regression":
        x, y = datasets.make_regression(n_samples=int(params["n"]), n_features=int(params["features"]),
                                        noise=float(params.get("noise", 10.0)), random_state=seed)
        return _Raw(x.astype("float32"), y.astype("float32"), _numbered("x", x.shape[1]), None,
                    np.ones(x.shape[1], bool))
    x, y = datasets.make_classification(**_classification_args(params), random_state=seed)
    classes = tuple(str(c) for c in range(int(params["classes"])))
    return _Raw(x.astype("float32"), y.astype("int64"), _numbered("x", x.shape[1]), classes,
                np.ones(x.shape[1], bool))


def _number(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OptionError(f"synthetic data parameter {key!r} must be a number, got {text!r}") from None
    if value < 0 or (key != "noise" and (value < 1 or not value.is_integer())):
        raise OptionError(f"synthetic data parameter {key!r} must be a positive whole number, got {text!r}")
    return value


def _classification_args(params: Mapping[str, float]) -> dict[str, int]:
    """``make_classification`` arguments that always fit together (enough informative features)."""
    features, classes = int(params["features"]), int(params["classes"])
    needed = max(2, math.ceil(math.log2(max(classes, 2))) + 1)
    informative = int(params.get("informative", min(features, needed)))
    if informative > features or classes > 2 ** informative:
        raise OptionError(f"synthetic data with {classes} classes needs at least {needed} informative "
                          f"features, and there are {features} features")
    return {"n_samples": int(params["n"]), "n_features": features, "n_classes": classes,
            "n_informative": informative, "n_redundant": min(2, features - informative),
            "n_clusters_per_class": 1}


def _numbered(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i + 1}" for i in range(n))


def _read_npz(path: Path) -> _Raw:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k.lower(): npz[k] for k in npz.files}
    except (OSError, ValueError) as err:
        raise ReadError(f"not a readable .npz file ({err})", path=path) from err
    if "x" not in arrays or "y" not in arrays:
        raise ReadError(f"an .npz file needs arrays 'x' and 'y', this one has {sorted(arrays)}", path=path)
    x = arrays["x"].reshape(len(arrays["x"]), -1).astype("float32")
    if len(arrays["y"]) != len(x):
        raise ReadError(f"'x' has {len(x)} rows and 'y' has {len(arrays['y'])}", path=path)
    y, classes = _target(arrays["y"])
    return _Raw(x, y, _numbered("x", x.shape[1]), classes, np.ones(x.shape[1], bool))


def _target(y: np.ndarray) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Labels 0..k-1 and their class names for a class target; floats and ``None`` for a quantity."""
    if y.ndim > 1 or not _is_classes(y):
        return y.astype("float32"), None
    values, labels = np.unique(y, return_inverse=True)
    return labels.astype("int64"), tuple(str(_plain(v)) for v in values)


def _is_classes(y: np.ndarray) -> bool:
    if y.dtype.kind in "biuUSO":
        return True
    finite = y[np.isfinite(y)]
    return bool(np.all(finite == np.round(finite))) and len(np.unique(finite)) <= _MAX_CLASSES


def _plain(value: Any) -> Any:
    """``3.0`` -> ``3`` for class names."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


# -- CSV --------------------------------------------------------------------------------------

def _read_csv(path: Path, *, target: str | None, categorical: str) -> _Raw:
    header, rows = _csv_rows(path)
    column = header[-1] if target is None else target
    if column not in header:
        close = difflib.get_close_matches(column, header, n=1)
        raise ReadError(f"no column {column!r} in the CSV file", path=path,
                        hint=f"did you mean {close[0]!r}?" if close else f"columns: {', '.join(header)}")
    index = header.index(column)
    rows = [row for row in rows if row[index].lower() not in _MISSING]  # nothing to learn from
    if not rows:
        raise ReadError(f"the column {column!r} has no values", path=path)
    columns = list(zip(*rows))
    y_text = np.asarray(columns[index])
    y_num = _floats(y_text)
    y, classes = _target(y_text if y_num is None else y_num)
    parts = [_encode(name, col, categorical) for i, (name, col) in enumerate(zip(header, columns)) if i != index]
    if not parts:
        raise ReadError("the CSV file has no feature columns besides the target", path=path)
    x = np.concatenate([p[0] for p in parts], axis=1)
    names = tuple(n for p in parts for n in p[1])
    scaled = np.concatenate([np.full(len(p[1]), p[2]) for p in parts])
    return _Raw(x, y, names, classes, scaled)


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file (comma, semicolon or tab separated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ReadError(f"cannot read the CSV file ({err})", path=path) from err
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = [row for row in csv.reader(text.splitlines(), dialect) if row]
    if len(lines) < 2:
        raise ReadError("the CSV file needs a header row and at least one data row", path=path)
    header = [h.strip() for h in lines[0]]
    bad = [i + 2 for i, row in enumerate(lines[1:]) if len(row) != len(header)]
    if bad:
        raise ReadError(f"row {bad[0]} has a different number of fields than the header", path=path)
    return header, [[v.strip() for v in row] for row in lines[1:]]


def _floats(values: Sequence[str]) -> np.ndarray | None:
    """The column as floats (missing values as NaN), or ``None`` when it is text."""
    out = np.empty(len(values), dtype="float64")
    for i, v in enumerate(values):
        if v.lower() in _MISSING:
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except ValueError:
            return None
    return out


def _encode(name: str, values: Sequence[str], categorical: str) -> tuple[np.ndarray, list[str], bool]:
    """A CSV column as feature columns, their names, and whether to standardise them."""
    numbers = _floats(values)
    if numbers is not None:
        return numbers[:, None].astype("float32"), [name], True
    categories, codes = np.unique(np.asarray(values), return_inverse=True)
    if categorical == "ordinal":
        return codes[:, None].astype("float32"), [name], True
    onehot = np.eye(len(categories), dtype="float32")[codes]
    return onehot, [f"{name}={c}" for c in categories], False


# -- split and standardise --------------------------------------------------------------------

def _split(raw: _Raw, name: str, *, seed: int, test_split: float, validation_split: float) -> Dataset:
    """A stratified (for classes), seeded split, standardised on the training split."""
    model_selection = require("sklearn.model_selection", purpose="splitting data")
    n = len(raw.x)
    if n < 3:
        raise ReadError(f"the data has {n} rows, too few to split into training and test sets", path=name)

    def cut(x: np.ndarray, y: np.ndarray, fraction: float) -> list[np.ndarray]:
        return model_selection.train_test_split(x, y, test_size=fraction, random_state=seed,
                                                stratify=_stratify(y, raw.class_names, fraction))

    x_rest, x_test, y_rest, y_test = cut(raw.x, raw.y, test_split)
    if validation_split > 0:
        x_train, x_val, y_train, y_val = cut(x_rest, y_rest, validation_split)
    else:
        x_train, y_train = x_rest, y_rest
        x_val, y_val = x_rest[:0], y_rest[:0]
    mean, scale = _scaler(x_train, raw.scaled)
    norm = [_standardise(x, mean, scale) for x in (x_train, x_val, x_test)]
    return Dataset(name, norm[0], y_train, norm[1], y_val, norm[2], y_test, raw.feature_names,
                   raw.class_names, mean, scale)


def _stratify(y: np.ndarray, classes: tuple[str, ...] | None, fraction: float) -> np.ndarray | None:
    """Stratify on the labels when every class has enough rows for both sides of the cut."""
    if classes is None or y.ndim > 1:
        return None
    counts = np.bincount(y)
    counts = counts[counts > 0]
    held = math.ceil(fraction * len(y))
    if counts.min() < 2 or held < len(counts) or len(y) - held < len(counts):
        return None
    return y


def _scaler(x_train: np.ndarray, scaled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of the training split (identity for unscaled columns and constant ones)."""
    with np.errstate(all="ignore"):
        mean = np.where(scaled, np.nanmean(x_train, axis=0), 0.0)
        std = np.where(scaled, np.nanstd(x_train, axis=0), 1.0)
    mean = np.nan_to_num(mean)
    std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
    return mean.astype("float32"), std.astype("float32")


def _standardise(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(x - mean) / scale``; a missing value becomes 0, the training mean."""
    return np.nan_to_num((x - mean) / scale).astype("float32")


# -- fitting data to a model ------------------------------------------------------------------

def fit_to_model(data: Dataset, input_shape: Sequence[int | None], *, units: int,
                 activation: str | None) -> Dataset:
    """Check that the data fits the model's input and output; reshape features to the input's shape.

    Args:
        data: the data set.
        input_shape: the model input's shape, batch dimension first.
        units: the width of the model's output.
        activation: the output's activation (``softmax``, ``sigmoid``, ``linear``...).

    Returns:
        The data, with features reshaped when the input is not flat (64 features for an 8x8x1 input).

    Raises:
        NnvizError: the feature count does not fit the input, or the target the output.

    >>> import numpy as np
    >>> z = np.zeros((4, 3), "float32")
    >>> d = Dataset("d", z, np.zeros(4, "int64"), z[:0], z[:0, 0], z, np.zeros(4, "int64"),
    ...             ("a", "b", "c"), ("no", "yes"), z[0], z[0] + 1)
    >>> fit_to_model(d, (None, 5), units=1, activation="sigmoid")
    Traceback (most recent call last):
    ...
    nnviz.errors.NnvizError: the data d has 3 features, but the model's input takes 5 (shape (None, 5))
    """
    shape = tuple(input_shape[1:])
    if None in shape or math.prod(shape) != data.n_features:
        raise NnvizError(f"the data {data.name} has {data.n_features} features, but the model's input takes "
                         f"{'?' if None in shape else math.prod(shape)} (shape {_shape_text(input_shape)})")
    _check_target(data, units, activation)
    if len(shape) == 1:
        return data

    def reshape(x: np.ndarray) -> np.ndarray:
        return x.reshape((len(x), *shape))

    return replace(data, x_train=reshape(data.x_train), x_val=reshape(data.x_val), x_test=reshape(data.x_test))


def _shape_text(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _check_target(data: Dataset, units: int, activation: str | None) -> None:
    """Raise when the target cannot be what the output layer produces."""
    where = f"the model's output ({units} {activation or 'linear'} units)"
    if activation in ("softmax", "sigmoid") and not data.is_classification and data.y_train.ndim == 1:
        raise NnvizError(f"the data {data.name} has a continuous target, but {where} predicts classes",
                         hint="use a linear output for regression")
    if activation == "softmax" and data.target_width == 1 and data.n_classes != units:
        raise NnvizError(f"the data {data.name} has {data.n_classes} classes, but {where} gives {units}",
                         hint=f"give the last layer {data.n_classes} units")
    if activation == "sigmoid" and data.target_width == 1 and units == 1 and data.n_classes != 2:
        raise NnvizError(f"the data {data.name} has {data.n_classes} classes, but {where} predicts two",
                         hint=f"use a softmax output of {data.n_classes} units")
    if data.target_width > 1 and data.target_width != units:
        raise NnvizError(f"the data {data.name}'s target has {data.target_width} columns, but {where} "
                         f"gives {units}")
    if activation != "softmax" and data.target_width == 1 and units != 1:
        raise NnvizError(f"the data {data.name} has one target value per row, but {where} gives {units}",
                         hint="use a softmax output for classes")
