"""Exactness: nnviz's numbers equal Keras's, for every application family, a zoo and real files.

What is compared, per model: total / trainable / non-trainable parameters, and for
every layer (nested models' layers included) its class, parameter split and output
shapes. Keras's numbers and the model's ``to_json()`` text are recorded once under
``tests/data/truth/`` (see ``truth.py``), so the JSON tests need no TensorFlow. The
``oracle`` cases build each model again and check that the recorded truth is still
what Keras says. ``.keras`` and ``.h5`` files are written again on every run (they are
what nnviz reads; together they are several GB), one at a time into ``tmp_path``, and
deleted as soon as they are compared. Those tests, and the live-model ones, are marked
``needs_tf`` and ``slow`` (they build the model on every run).

Keras 3 dropped RegNet from ``keras.applications``, so RegNetX002 is built with
tf_keras (and read as tf_keras writes it: to_json, ``.keras``, ``.h5``).

Each model is built at most once per run: the tests are ordered model by model,
and a module-scoped cache keeps the current model until a test asks for another.
``clear_session()`` before each build makes Keras's generated layer names
(``dense_3``...) the same on every run, so a freshly built model matches its
recorded numbers.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from keras_zoo import (APPLICATIONS, ZOO, build_application, compare, flavor_module, keras_numbers, nnviz_numbers,
                       source_key)
from truth import app_truth, compute_tfprof, recorded, tfprof_key, tfprof_truth, truth_path

import nnviz

# the zoo builds a Keras 2 style Sequential (input_shape on its first layer) on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")

REAL_MODELS = Path(__file__).resolve().parent.parent.parent / "shared" / "real-models"


# -- one model at a time -------------------------------------------------------------

class _OneModel:
    """Holds the model built last; building another one drops it first."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.model: Any = None

    def get(self, key: tuple, flavor: str, build: Callable[[Any], Any]) -> Any:
        if self.key != key:
            self.drop()
            k = flavor_module(flavor)
            for name in ("tensorflow", "absl"):
                logging.getLogger(name).setLevel(logging.ERROR)
            k.backend.clear_session()  # frees the last model; resets name counters
            self.model = build(k)
            self.key = key
        return self.model

    def drop(self) -> None:
        self.key, self.model = None, None


@pytest.fixture(scope="module")
def models():
    cache = _OneModel()
    yield cache
    cache.drop()


def _live_truth(model: Any) -> dict:
    return {"numbers": keras_numbers(model), "json": model.to_json()}


def _zoo_truth(name: str, flavor: str, models: _OneModel) -> dict:
    """A zoo model's Keras numbers and to_json() text, as recorded (built and recorded when missing)."""
    zm = ZOO[name]
    key = {"model": name, "flavor": flavor, "source": source_key(zm.build)}
    return recorded("zoo", key, lambda: _live_truth(models.get(("zoo", name, flavor), flavor, zm.build)))


def _assert_oracle(truth: dict, model: Any) -> None:
    """The recorded truth is what Keras says today (numbers, and the to_json() the JSON tests read)."""
    live = _live_truth(model)
    assert live["numbers"] == truth["numbers"], "Keras's numbers changed: delete the recorded file and rerun"
    # a Lambda's function is stored as Python bytecode, which differs between processes: not compared
    assert _without_code(json.loads(live["json"])) == _without_code(json.loads(truth["json"])), \
        "Keras's to_json() changed: delete and rerun"


def _without_code(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _without_code(v) for k, v in x.items() if k != "function"}
    if isinstance(x, list):
        return [_without_code(v) for v in x]
    return x


def _check(truth: dict, graph: Any, unknown_ok: frozenset[str] = frozenset()) -> None:
    problems = compare(truth["numbers"], nnviz_numbers(graph), unknown_ok)
    shown = problems[:30] + ([f"... and {len(problems) - 30} more"] if len(problems) > 30 else [])
    assert not problems, f"{len(problems)} differences from Keras:\n  " + "\n  ".join(shown)


def _read_written(model: Any, path: Path) -> Any:
    """Save ``model`` to ``path``, read it with nnviz, delete the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(str(path))
    try:
        return nnviz.load(path)
    finally:
        path.unlink(missing_ok=True)


def _read_json(text: str, path: Path) -> Any:
    path.write_text(text)
    try:
        return nnviz.load(path)
    finally:
        path.unlink(missing_ok=True)


_FILE = [pytest.mark.needs_tf, pytest.mark.slow]
_ORACLE = [pytest.mark.needs_tf, pytest.mark.oracle]


def _marks(fmt: str) -> list:
    return {"json": [], "oracle": _ORACLE}.get(fmt, _FILE)


# -- 1. keras.applications --------------------------------------------------------------

APP_CASES = [pytest.param(app, fmt, id=f"{app}-{fmt}", marks=_marks(fmt))
             for app in APPLICATIONS for fmt in ("json", "oracle", "tfprof", "keras", "h5")]


@pytest.mark.parametrize("app,fmt", APP_CASES)
def test_application(app: str, fmt: str, models: _OneModel, tmp_path: Path) -> None:
    """A keras.applications model (weights=None) read from to_json(), .keras and .h5; its truth rechecked
    (``tfprof``: the TensorFlow profiler's counts that tests/costs/test_profiler.py compares nnviz's with,
    profiled again on the model built here rather than on one more build of it)."""
    flavor = APPLICATIONS[app]
    model = lambda: models.get(("app", app, flavor), flavor, lambda k: build_application(app))  # noqa: E731
    truth = app_truth(app, model)
    if fmt == "oracle":
        _assert_oracle(truth, model())
        return
    if fmt == "tfprof":
        key = tfprof_key(app)
        assert compute_tfprof(key, model()) == tfprof_truth(app), \
            f"{truth_path('tfprof', key).name}: the profiler now says otherwise"
        return
    if fmt == "json":
        graph = _read_json(truth["json"], tmp_path / f"{app}.json")
    else:
        graph = _read_written(model(), tmp_path / f"{app}.{fmt}")
    _check(truth, graph)


# -- 2. the zoo, written by Keras 3 and by tf_keras ---------------------------------------

_FORMATS = {"keras3": ("json", "oracle", "keras", "h5"), "tfk": ("json", "oracle", "h5")}

ZOO_CASES = [pytest.param(name, flavor, fmt, id=f"{name}-{flavor}-{fmt}", marks=_marks(fmt))
             for name, zm in ZOO.items() for flavor in zm.flavors for fmt in _FORMATS[flavor]]


@pytest.mark.parametrize("name,flavor,fmt", ZOO_CASES)
def test_zoo(name: str, flavor: str, fmt: str, models: _OneModel, tmp_path: Path) -> None:
    """A zoo model as Keras 3 writes it (to_json, .keras, .h5) and as tf_keras does (to_json, .h5)."""
    zm = ZOO[name]
    truth = _zoo_truth(name, flavor, models)
    if fmt == "oracle":
        _assert_oracle(truth, models.get(("zoo", name, flavor), flavor, zm.build))
        return
    if fmt == "json":
        graph = _read_json(truth["json"], tmp_path / f"{name}.json")
    else:
        graph = _read_written(models.get(("zoo", name, flavor), flavor, zm.build), tmp_path / f"{name}.{fmt}")
    _check(truth, graph, zm.unknown_ok)


def test_zoo_covers_every_class_of_the_issue() -> None:
    """The zoo's source names every layer class item 4 of the issue lists."""
    import inspect

    import keras_zoo

    text = inspect.getsource(keras_zoo)
    wanted = """Input Dense EinsumDense Activation ReLU LeakyReLU PReLU ELU Softmax ThresholdedReLU Dropout
        SpatialDropout1D SpatialDropout2D SpatialDropout3D GaussianNoise GaussianDropout AlphaDropout Flatten
        Reshape Permute RepeatVector Lambda Conv1D Conv2D Conv3D Conv1DTranspose Conv2DTranspose Conv3DTranspose
        SeparableConv1D SeparableConv2D DepthwiseConv1D DepthwiseConv2D MaxPooling1D MaxPooling2D MaxPooling3D
        AveragePooling1D AveragePooling2D AveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D
        GlobalMaxPooling3D GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D UpSampling1D
        UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D Cropping1D Cropping2D Cropping3D
        BatchNormalization LayerNormalization GroupNormalization UnitNormalization Normalization Rescaling
        Resizing CenterCrop Embedding SimpleRNN LSTM GRU ConvLSTM2D Bidirectional TimeDistributed Attention
        AdditiveAttention MultiHeadAttention Add Subtract Multiply Average Maximum Minimum Concatenate Dot
        Sequential Model""".split()
    missing = [c for c in wanted if not re.search(rf"\b(L|k)\.{c}\(", text)]
    assert not missing, f"the zoo builds no {missing}"


# -- 3. live models -------------------------------------------------------------------------

LIVE_CASES = [pytest.param(name, flavor, id=f"{name}-{flavor}")
              for name, zm in ZOO.items() for flavor in zm.live]


@pytest.mark.needs_tf
@pytest.mark.slow
@pytest.mark.parametrize("name,flavor", LIVE_CASES)
def test_live_model(name: str, flavor: str, models: _OneModel) -> None:
    """``nnviz.load(model)`` on a live Keras 3 / tf_keras model gives Keras's numbers."""
    zm = ZOO[name]
    truth = _zoo_truth(name, flavor, models)
    model = models.get(("zoo", name, flavor), flavor, zm.build)
    _check(truth, nnviz.load(model), zm.unknown_ok)


# -- 4. real files of every era ----------------------------------------------------------------

def _readme_params() -> dict[str, int | None]:
    """``file -> params`` from the real-models README table (``None`` for JSON-only files)."""
    out: dict[str, int | None] = {}
    readme = REAL_MODELS / "README.md"
    if not readme.is_file():
        return out
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("file", "") or set(cells[0]) <= {"-"}:
            continue
        out[cells[0]] = int(cells[2]) if cells[2].isdigit() else None
    return out


_REAL = _readme_params()

# Keras 1 class names nnviz must never show (it writes the modern ones)
_KERAS1_NAMES = {"Convolution1D", "Convolution2D", "Convolution3D", "Deconvolution2D", "AtrousConvolution1D",
                 "AtrousConvolution2D", "SeparableConvolution2D", "Merge", "MaxPool2D", "AvgPool2D"}


@pytest.mark.parametrize("file", sorted(f for f, n in _REAL.items() if n is not None)
                         or [pytest.param("none", marks=pytest.mark.skip(reason="../shared/real-models absent"))])
def test_real_file_total_params(file: str, real_models: Path) -> None:
    """The total parameter count equals the README's (the stored weight elements)."""
    graph = nnviz.load(real_models / file)
    assert graph.total_params == _REAL[file]
    assert graph.trainable_params + graph.non_trainable_params == graph.total_params
    if file.startswith("k1_"):
        types = {layer.type for _, layer in graph.walk()}
        assert not types & _KERAS1_NAMES, f"Keras 1 names left: {types & _KERAS1_NAMES}"


def test_real_k1_simple_lstm(real_models: Path) -> None:
    """Keras 1 Theano LSTM: 12 per-gate weight arrays, bare-list Sequential, names modernised."""
    graph = nnviz.load(real_models / "k1_simple_lstm_th_keras_1_model.h5")
    assert [layer.type for layer in graph.layers][1:] == ["LSTM", "Dense"]
    assert graph.layers[-1].output_shape == (None, 1)


def test_real_k1_retina_unet_json(real_models: Path) -> None:
    """Keras 1.0.5 functional U-Net (JSON only), worked out by hand from its config.

    All image layers say ``dim_ordering: th`` (channels first) except the two
    UpSampling2D, whose Keras 1.0.5 config omits it; the model was built in one
    session, so they are channels first too (and the Merge(concat, axis 1) after
    each only fits that way). Input (1, 48, 48):
      conv 32, 32 (same) -> (32, 48, 48); pool 2 -> (32, 24, 24);
      conv 64, 64 -> (64, 24, 24); pool -> (64, 12, 12); conv 128, 128 -> (128, 12, 12);
      up 2 -> (128, 24, 24); concat with conv4 (64) -> (192, 24, 24); conv 64, 64 -> (64, 24, 24);
      up 2 -> (64, 48, 48); concat with conv2 (32) -> (96, 48, 48); conv 32, 32 -> (32, 48, 48);
      conv 1x1, 2 -> (2, 48, 48); Reshape (2, 2304); Permute (2, 1) -> (2304, 2); softmax.
    Params (3x3 kernels, in*9*out + out): 320 + 9248 + 18496 + 36928 + 73856 + 147584
      + 110656 (192 in) + 36928 + 27680 (96 in) + 9248 + 66 (1x1: 32*2 + 2) = 471,010.
    """
    graph = nnviz.load(real_models / "k1_permute_retina_unet.json")
    shapes = {layer.name: layer.output_shape for layer in graph.layers}
    assert shapes["input_1"] == (None, 1, 48, 48)
    assert shapes["maxpooling2d_2"] == (None, 64, 12, 12)
    assert shapes["upsampling2d_1"] == (None, 128, 24, 24)
    assert shapes["merge_1"] == (None, 192, 24, 24)
    assert shapes["merge_2"] == (None, 96, 48, 48)
    assert shapes["convolution2d_11"] == (None, 2, 48, 48)
    assert shapes["reshape_1"] == (None, 2, 2304)
    assert shapes["activation_1"] == (None, 2304, 2)
    assert graph.output_names == ["activation_1"]
    assert graph.total_params == 471_010
    types = {layer.type for layer in graph.layers}
    assert {"Conv2D", "Concatenate", "MaxPooling2D", "UpSampling2D"} <= types
    assert not types & _KERAS1_NAMES


def test_real_k2_imdb_conv_lstm_json(real_models: Path) -> None:
    """Keras 2.0.9 Sequential (bare list form, JSON only), worked out by hand.

    Embedding(50000, 32, input_length 100): (None, 100, 32), 1,600,000 params;
    Conv1D(32, 3, same): (None, 100, 32), 32*3*32 + 32 = 3,104;
    MaxPooling1D(2): (None, 50, 32); LSTM(100): (None, 100), 4*(32*100 + 100*100 + 100) = 53,200;
    Dense(1): (None, 1), 101. Total 1,656,405.
    """
    graph = nnviz.load(real_models / "k2_imdb_conv_lstm_model.json")
    got = [(layer.type, layer.output_shape, layer.params) for layer in graph.layers]
    assert got == [("InputLayer", (None, 100), 0), ("Embedding", (None, 100, 32), 1_600_000),
                   ("Conv1D", (None, 100, 32), 3_104), ("MaxPooling1D", (None, 50, 32), 0),
                   ("LSTM", (None, 100), 53_200), ("Dense", (None, 1), 101)]
    assert graph.total_params == 1_656_405
