"""Small Keras models covering every layer class nnviz infers, and the numbers to compare.

Each zoo function takes the Keras module to build with (``keras`` for Keras 3,
``tf_keras`` for the Keras 2 era) and returns a model; the same code builds the
equivalent model in both, so one function is checked in five forms: Keras 3
``to_json``/``.keras``/``.h5`` and tf_keras ``to_json``/``.h5``.

:func:`keras_numbers` reads Keras's own numbers off a built model (totals, and
per layer the name, class, parameter split and output shapes, nested models
included); :func:`nnviz_numbers` reads the same off a :class:`~nnviz.LayerGraph`;
:func:`compare` lists every difference (not just the first), so one failing
layer class does not hide the others.

Nothing here imports TensorFlow at import time: the test module asks for a model
only when Keras's numbers are not cached or a file has to be written.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["ZooModel", "ZOO", "APPLICATIONS", "keras_numbers", "nnviz_numbers", "compare",
           "flavor_module", "flavor_version", "build_application", "source_key", "TRUTH_VERSION"]


# -- Keras's numbers and nnviz's numbers ---------------------------------------------

def _flat(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _flat(v)]
    if isinstance(x, dict):
        return [t for k in sorted(x) for t in _flat(x[k])]
    return [x]


def _dims(shape: Any) -> list:
    if hasattr(shape, "as_list"):  # tf.TensorShape (tf_keras)
        shape = shape.as_list()
    return [None if d is None else int(d) for d in shape]


def _size(variables: Any) -> int:
    n = 0
    for v in variables:
        k = 1
        for d in _dims(v.shape):
            k *= d
        n += k
    return n


def _is_model(layer: Any) -> bool:
    return any(c.__name__ in ("Functional", "Sequential", "Model") for c in type(layer).__mro__) and hasattr(
        layer, "layers")


def _output_shapes(layer: Any) -> list:
    """The shapes of the layer's outputs at its first call (what nnviz's ``output_shapes`` holds)."""
    try:
        out = layer.output  # Keras 3: node 0 even for a shared layer; tf_keras: single-node layers
    except (AttributeError, ValueError, RuntimeError):
        out = layer.get_output_at(0)  # tf_keras: a layer called more than once
    return [_dims(t.shape) for t in _flat(out)]


def _layer_rows(model: Any) -> list[dict]:
    rows = []
    # Keras 3 lists the operations of ``x + y``, ``ops.multiply(...)`` (MobileNetV3,
    # ConvNeXt) in the config beside the layers, but leaves them out of ``model.layers``;
    # nnviz shows them as the nodes they are, so they are compared too, marked ``op``.
    layers = getattr(model, "operations", None) or model.layers
    for layer in layers:
        tr = _size(getattr(layer, "trainable_weights", ()))
        nt = _size(getattr(layer, "non_trainable_weights", ()))
        row = {"name": layer.name, "class": type(layer).__name__, "params": tr + nt, "trainable": tr,
               "non_trainable": nt, "shapes": _output_shapes(layer)}
        if not hasattr(layer, "count_params"):
            row["op"] = True
        if _is_model(layer):
            row["layers"] = _layer_rows(layer)
        rows.append(row)
    return rows


def keras_numbers(model: Any) -> dict:
    """Keras's own numbers for a built model (Keras 3 or tf_keras), as plain JSON data."""
    return {"total": int(model.count_params()), "trainable": _size(model.trainable_weights),
            "non_trainable": _size(model.non_trainable_weights), "layers": _layer_rows(model)}


def _nn_rows(graph: Any) -> list[dict]:
    rows = []
    for layer in graph.layers:
        row = {"name": layer.name, "class": layer.type, "params": layer.params,
               "trainable": layer.trainable_params, "non_trainable": layer.non_trainable_params,
               "shapes": [None if s is None else [None if d is None else int(d) for d in s]
                          for s in layer.output_shapes],
               "known": layer.shape_known}
        if layer.subgraph is not None:
            row["layers"] = _nn_rows(layer.subgraph)
        rows.append(row)
    return rows


def nnviz_numbers(graph: Any) -> dict:
    """The same numbers as :func:`keras_numbers`, read off an nnviz layer graph."""
    return {"total": graph.total_params, "trainable": graph.trainable_params,
            "non_trainable": graph.non_trainable_params, "layers": _nn_rows(graph)}


# Keras class names nnviz writes under another name on purpose: a nested model is
# ``Functional`` whatever Keras 2 called its class (``Model``).
_SAME_CLASS = {("Model", "Functional")}


def _compare_rows(truth: list[dict], got: list[dict], unknown_ok: frozenset[str],
                  where: str) -> list[str]:
    problems = []
    by_name = {r["name"]: r for r in got}
    order = [r["name"] for r in got if r["name"] in {t["name"] for t in truth}]
    if order != [t["name"] for t in truth if t["name"] in by_name]:
        problems.append(f"{where}layer order {order} != Keras {[t['name'] for t in truth]}")
    extra = [r["name"] for r in got if r["name"] not in {t["name"] for t in truth}
             and r["class"] != "InputLayer"]
    if extra:
        problems.append(f"{where}layers Keras does not have: {extra}")
    for t in truth:
        r = by_name.get(t["name"])
        label = f"{where}{t['name']} ({t['class']})"
        if r is None:
            problems.append(f"{label}: missing in nnviz")
            continue
        if r["class"] != t["class"] and (t["class"], r["class"]) not in _SAME_CLASS:
            problems.append(f"{label}: type nnviz {r['class']} != Keras {t['class']}")
        split = (r["params"], r["trainable"], r["non_trainable"])
        want = (t["params"], t["trainable"], t["non_trainable"])
        if split != want:
            problems.append(f"{label}: params (total, trainable, non-trainable) nnviz {split} != Keras {want}")
        if r["shapes"] != t["shapes"]:
            unknown = not r["known"] or any(s is None for s in r["shapes"])
            if not (unknown and t["name"] in unknown_ok):
                problems.append(f"{label}: output shape nnviz {r['shapes']} != Keras {t['shapes']}")
        if "layers" in t:
            if "layers" not in r:
                problems.append(f"{label}: nnviz does not see a nested model")
            else:
                problems.extend(_compare_rows(t["layers"], r["layers"], unknown_ok,
                                              f"{where}{t['name']}/"))
    return problems


def compare(truth: dict, got: dict, unknown_ok: frozenset[str] = frozenset()) -> list[str]:
    """Every difference between Keras's numbers and nnviz's, as readable lines.

    ``unknown_ok`` names layers (e.g. a Lambda without ``output_shape``) whose shape
    nnviz may leave unknown; a *wrong* known shape is still a difference.
    """
    problems = []
    for key in ("total", "trainable", "non_trainable"):
        if got[key] != truth[key]:
            problems.append(f"{key} params nnviz {got[key]:,} != Keras {truth[key]:,}")
    problems.extend(_compare_rows(truth["layers"], got["layers"], unknown_ok, ""))
    return problems


# -- flavors: Keras 3 and tf_keras ---------------------------------------------------

def flavor_module(flavor: str) -> Any:
    """``keras`` for ``keras3``, ``tf_keras`` for ``tfk``; TensorFlow's logs silenced first."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if flavor == "keras3":
        import keras

        return keras
    import tf_keras

    return tf_keras


def flavor_version(flavor: str) -> str | None:
    dist = "keras" if flavor == "keras3" else "tf_keras"
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _is_tfk(k: Any) -> bool:
    return k.__name__.startswith("tf_keras")


# -- keras.applications ----------------------------------------------------------------

# name -> flavor that has it. Keras 3 dropped RegNet from keras.applications, so
# RegNetX002 is built with tf_keras (and so read in its Keras 2 era formats).
APPLICATIONS = {
    "VGG16": "keras3", "ResNet50": "keras3", "ResNet50V2": "keras3", "InceptionV3": "keras3",
    "InceptionResNetV2": "keras3", "Xception": "keras3", "MobileNet": "keras3", "MobileNetV2": "keras3",
    "MobileNetV3Small": "keras3", "DenseNet121": "keras3", "NASNetMobile": "keras3",
    "EfficientNetB0": "keras3", "EfficientNetV2B0": "keras3", "ConvNeXtTiny": "keras3",
    "RegNetX002": "tfk",
}


def build_application(name: str) -> Any:
    k = flavor_module(APPLICATIONS[name])
    return getattr(k.applications, name)(weights=None)


# -- the zoo ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ZooModel:
    """One zoo model: how to build it and what to expect of it.

    Attributes:
        build: ``build(k)`` with ``k`` the Keras module (``keras`` or ``tf_keras``).
        flavors: which Keras builds it (``keras3``, ``tfk``).
        unknown_ok: layers whose output shape nnviz may leave unknown (a Lambda that
            states no ``output_shape``): a wrong known shape is still a failure.
        live: also checked as a live model through ``nnviz.load(model)``.
    """

    name: str
    build: Callable[[Any], Any]
    flavors: tuple[str, ...] = ("keras3", "tfk")
    unknown_ok: frozenset[str] = frozenset()
    live: tuple[str, ...] = ()


# bump when keras_numbers() records something new: every cached truth is recomputed
TRUTH_VERSION = 2


def source_key(fn: Callable) -> str:
    """A hash of a builder's source (and of the truth format), so that editing a zoo model
    or :func:`keras_numbers` recomputes its cached truth."""
    text = f"{TRUTH_VERSION}\n{inspect.getsource(fn)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def dense_mlp(k):
    """The 13-10-10-1 net: a Sequential with an Input, Dense and Dropout."""
    L = k.layers
    return k.Sequential([k.Input((13,)), L.Dense(10, activation="relu"), L.Dropout(0.2),
                         L.Dense(10, activation="tanh", use_bias=False), L.Dense(1, activation="sigmoid")],
                        name="mlp")


def sequential_legacy_input(k):
    """A Sequential without an Input layer: the shape comes as ``input_shape`` (Keras 2 style)."""
    L = k.layers
    return k.Sequential([L.Dense(6, input_shape=(4,)), L.Activation("relu"), L.Dense(3)], name="legacy_seq")


def sequential_built(k):
    """A Sequential built with ``build()``, no input anywhere in its layers (``build_input_shape``)."""
    L = k.layers
    m = k.Sequential([L.Dense(5), L.Dense(2)], name="built_seq")
    m.build((None, 7))
    return m


def activations(k):
    """Activation and the advanced activations, EinsumDense, the dropout family."""
    L = k.layers
    x = inp = k.Input((6, 5), name="x")
    x = L.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d", name="einsum_bias")(x)
    x = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), name="einsum_split")(x)
    x = L.Reshape((6, 8))(x)
    x = L.Activation("relu")(x)
    x = L.ReLU(max_value=6.0)(x)
    x = L.LeakyReLU()(x)
    x = L.PReLU()(x)
    x = L.PReLU(shared_axes=[1], name="prelu_shared")(x)
    x = L.ELU()(x)
    x = L.Softmax(axis=1)(x)
    if _is_tfk(k):
        x = L.ThresholdedReLU(theta=0.1)(x)  # gone from Keras 3
    x = L.Dropout(0.5)(x)
    x = L.SpatialDropout1D(0.2)(x)
    x = L.GaussianNoise(0.1)(x)
    x = L.GaussianDropout(0.1)(x)
    x = L.AlphaDropout(0.1)(x)
    x = L.ActivityRegularization(l1=0.01)(x)
    x = L.Dense(3)(x)
    y = L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", name="einsum_2d")(L.Flatten()(x))
    return k.Model(inp, [x, y], name="activations")


def reshaping(k):
    """Flatten, Reshape (with -1), Permute, RepeatVector, and the spatial dropouts."""
    L = k.layers
    inp = k.Input((4, 6, 2))
    x = L.SpatialDropout2D(0.1)(inp)
    x = L.Permute((3, 1, 2))(x)
    x = L.Reshape((8, -1))(x)
    x = L.Flatten()(x)
    x = L.RepeatVector(3)(x)
    x = L.Reshape((3, 6, 8))(x)
    x = L.Reshape((3, 6, 8, 1))(x)
    x = L.SpatialDropout3D(0.1)(x)
    x = L.Flatten()(x)
    return k.Model(inp, x, name="reshaping")


def conv1d(k):
    """Every 1D convolution, pooling, upsampling, padding and cropping layer."""
    L = k.layers
    inp = k.Input((32, 3))
    x = L.Conv1D(8, 3, strides=2, padding="same", activation="relu")(inp)
    x = L.Conv1D(8, 3, dilation_rate=2, padding="causal")(x)
    x = L.Conv1D(6, 5, padding="valid", use_bias=False)(x)
    x = L.SeparableConv1D(8, 3, depth_multiplier=2, padding="same")(x)
    x = L.DepthwiseConv1D(3, depth_multiplier=2)(x)
    x = L.Conv1DTranspose(4, 3, strides=2)(x)
    x = L.Conv1DTranspose(4, 3, strides=2, padding="same", name="convt_same")(x)
    x = L.MaxPooling1D(2)(x)
    x = L.AveragePooling1D(3, strides=2, padding="same")(x)
    x = L.UpSampling1D(3)(x)
    x = L.ZeroPadding1D((1, 2))(x)
    x = L.Cropping1D((2, 1))(x)
    a = L.GlobalMaxPooling1D()(x)
    b = L.GlobalAveragePooling1D(keepdims=True)(x)
    c = L.MaxPooling1D(2, data_format="channels_first", name="pool_cf")(x)
    return k.Model(inp, [a, b, c], name="conv1d")


def conv2d(k):
    """Every 2D convolution, pooling, upsampling, padding and cropping layer (channels last)."""
    L = k.layers
    inp = k.Input((28, 28, 3))
    x = L.Conv2D(8, 3, strides=2, use_bias=False)(inp)
    x = L.Conv2D(8, (3, 1), dilation_rate=(2, 1), padding="same")(x)
    x = L.SeparableConv2D(16, 3, depth_multiplier=2, padding="same")(x)
    x = L.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = L.DepthwiseConv2D((3, 3), strides=2, padding="same", use_bias=False, name="dw_strided")(x)
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1)(x)
    x = L.Conv2DTranspose(4, (3, 2), strides=(2, 1), name="convt_valid")(x)
    x = L.MaxPooling2D()(x)
    x = L.AveragePooling2D(3, strides=1, padding="same")(x)
    x = L.MaxPooling2D((3, 2), strides=(2, 1), padding="same", name="pool_odd")(x)
    x = L.UpSampling2D((2, 3))(x)
    x = L.UpSampling2D(2, interpolation="bilinear", name="up_bilinear")(x)
    x = L.ZeroPadding2D(((1, 2), (3, 4)))(x)
    x = L.Cropping2D(((1, 0), (2, 2)))(x)
    a = L.GlobalAveragePooling2D()(x)
    b = L.GlobalMaxPooling2D(keepdims=True)(x)
    return k.Model(inp, [a, b], name="conv2d")


def conv2d_channels_first(k):
    """The 2D layers with ``data_format='channels_first'`` (Keras only builds them symbolically here)."""
    L = k.layers
    cf = "channels_first"
    inp = k.Input((3, 16, 16))
    x = L.Conv2D(8, 3, data_format=cf)(inp)
    x = L.SeparableConv2D(4, 3, padding="same", data_format=cf)(x)
    x = L.MaxPooling2D(data_format=cf)(x)
    x = L.UpSampling2D(2, data_format=cf)(x)
    x = L.ZeroPadding2D(1, data_format=cf)(x)
    x = L.Cropping2D(((0, 1), (1, 0)), data_format=cf)(x)
    x = L.BatchNormalization(axis=1)(x)
    x = L.Conv2DTranspose(2, 3, strides=2, data_format=cf)(x)
    x = L.GlobalAveragePooling2D(data_format=cf)(x)
    return k.Model(inp, x, name="conv2d_cf")


def conv3d(k):
    """Every 3D convolution, pooling, upsampling, padding and cropping layer."""
    L = k.layers
    inp = k.Input((8, 8, 8, 2))
    x = L.Conv3D(4, 3)(inp)
    x = L.Conv3D(4, (1, 3, 3), strides=(1, 2, 2), padding="same", name="conv3d_strided")(x)
    x = L.Conv3DTranspose(2, 3, strides=2)(x)
    x = L.MaxPooling3D()(x)
    x = L.AveragePooling3D(2, strides=1, padding="same")(x)
    x = L.UpSampling3D((1, 2, 2))(x)
    x = L.ZeroPadding3D((1, 0, 2))(x)
    x = L.Cropping3D(((1, 0), (0, 1), (2, 2)))(x)
    a = L.GlobalMaxPooling3D()(x)
    b = L.GlobalAveragePooling3D()(x)
    return k.Model(inp, [a, b], name="conv3d")


def normalization(k):
    """Batch, layer, group and unit normalization, with trainable and moving statistics."""
    L = k.layers
    inp = k.Input((10, 8))
    x = L.BatchNormalization()(inp)
    x = L.BatchNormalization(center=False, scale=False, name="bn_plain")(x)
    x = L.BatchNormalization(axis=1, name="bn_axis1")(x)
    x = L.LayerNormalization()(x)
    x = L.LayerNormalization(axis=[1, 2], center=False, name="ln_2axes")(x)
    x = L.GroupNormalization(groups=4)(x)
    x = L.GroupNormalization(groups=2, scale=False, name="gn_noscale")(x)
    x = L.UnitNormalization()(x)
    return k.Model(inp, x, name="normalization")


def preprocessing(k):
    """Rescaling, Resizing, CenterCrop, and Normalization with and without given statistics."""
    L = k.layers
    inp = k.Input((32, 32, 3))
    x = L.Rescaling(1.0 / 255)(inp)
    x = L.Resizing(20, 24)(x)
    x = L.CenterCrop(16, 18)(x)
    x = L.Normalization(axis=-1)(x)
    x = L.Normalization(axis=-1, mean=[0.5, 0.4, 0.3], variance=[0.1, 0.2, 0.3], name="norm_given")(x)
    x = L.Normalization(axis=None, name="norm_scalar")(x)
    return k.Model(inp, x, name="preprocessing")


def embedding_rnn(k):
    """Embedding, SimpleRNN, LSTM, GRU (both reset_after) over sequences."""
    L = k.layers
    inp = k.Input((12,), dtype="int32")
    x = L.Embedding(100, 16, mask_zero=True)(inp)
    x = L.SimpleRNN(8, return_sequences=True)(x)
    x = L.LSTM(8, return_sequences=True)(x)
    x = L.GRU(6, return_sequences=True, reset_after=False, name="gru_v1")(x)
    x = L.GRU(5, reset_after=True, name="gru_v3")(x)
    y = L.LSTM(3, use_bias=False, name="lstm_nobias")(L.Embedding(50, 4, name="emb_small")(inp))
    return k.Model(inp, [x, y], name="embedding_rnn")


def rnn_states(k):
    """``return_state`` and ``return_sequences`` together: several outputs per layer."""
    L = k.layers
    inp = k.Input((5, 4))
    seq, h, c = L.LSTM(7, return_sequences=True, return_state=True, name="lstm_states")(inp)
    out, gh = L.GRU(3, return_state=True, name="gru_state")(seq)
    s_out, s_h = L.SimpleRNN(2, return_state=True, name="rnn_state")(inp)
    g2 = L.GRU(4, name="gru_init")(inp, initial_state=[L.Dense(4, name="to_state")(h)])
    x = L.Concatenate()([h, c, out, gh, s_out, s_h, g2])
    return k.Model(inp, L.Dense(1)(x), name="rnn_states")


def bidirectional(k):
    """Bidirectional over each recurrent layer and merge mode, with states returned."""
    L = k.layers
    inp = k.Input((6, 5))
    x = L.Bidirectional(L.LSTM(8, return_sequences=True))(inp)
    x = L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode="sum")(x)
    a = L.Bidirectional(L.SimpleRNN(3), merge_mode="mul", name="bi_mul")(x)
    f, b = L.Bidirectional(L.GRU(2), merge_mode=None, name="bi_none")(x)
    outs = L.Bidirectional(L.LSTM(4, return_state=True), name="bi_states")(x)
    return k.Model(inp, [a, f, b, *outs], name="bidirectional")


def time_distributed(k):
    """TimeDistributed over Dense, Conv2D and pooling; ConvLSTM2D with and without sequences."""
    L = k.layers
    inp = k.Input((4, 10, 10, 3))
    x = L.TimeDistributed(L.Conv2D(6, 3, padding="same"))(inp)
    x = L.TimeDistributed(L.MaxPooling2D())(x)
    x = L.ConvLSTM2D(5, 3, padding="same", return_sequences=True)(x)
    y = L.ConvLSTM2D(4, (3, 3), strides=2, name="convlstm_last")(x)
    z = L.TimeDistributed(L.Dense(7))(L.TimeDistributed(L.Flatten())(x))
    return k.Model(inp, [y, z], name="time_distributed")


def attention(k):
    """Attention, AdditiveAttention and MultiHeadAttention (self, cross, scores returned)."""
    L = k.layers
    q = k.Input((5, 8), name="query")
    v = k.Input((7, 8), name="value")
    a = L.Attention()([q, v])
    b = L.Attention(use_scale=True, score_mode="concat", name="att_concat")([q, v, v])
    c = L.AdditiveAttention()([q, v])
    d = L.AdditiveAttention(use_scale=False, name="add_att_noscale")([q, v])
    e = L.MultiHeadAttention(num_heads=2, key_dim=4)(q, q)
    f = L.MultiHeadAttention(num_heads=3, key_dim=5, value_dim=6, output_shape=10, use_bias=False,
                             name="mha_cross")(q, v)
    # self-attention: for cross-attention Keras 3 reports the scores' shape wrongly,
    # (batch, heads, Tq, Tq) where a real call gives (batch, heads, Tq, Tv)
    g, scores = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_scores")(
        v, v, return_attention_scores=True)
    return k.Model([q, v], [a, b, c, d, e, f, g, scores], name="attention")


def merge(k):
    """Every merge layer, on 2-D and 3-D inputs."""
    L = k.layers
    a, b, c = k.Input((6,), name="a"), k.Input((6,), name="b"), k.Input((6,), name="c")
    s, t = k.Input((3, 4), name="s"), k.Input((4, 3), name="t")
    outs = [L.Add()([a, b, c]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b]),
            L.Maximum()([a, b]), L.Minimum()([a, b, c]), L.Concatenate()([a, b]),
            L.Dot(axes=1)([a, b]), L.Dot(axes=1, normalize=True, name="cosine")([a, b]),
            L.Concatenate(axis=1, name="concat_time")([s, L.Permute((2, 1))(t)]),
            L.Dot(axes=(2, 1), name="dot_3d")([s, t])]
    return k.Model([a, b, c, s, t], outs, name="merge")


def nested(k):
    """Nested models: a Sequential and a Functional inside, one shared (called twice), one frozen,
    and a layer shared by two branches."""
    L = k.layers
    encoder = k.Sequential([k.Input((8,)), L.Dense(6, activation="relu"), L.BatchNormalization()],
                           name="encoder")
    ti = k.Input((6,))
    tower = k.Model(ti, L.Dense(4)(L.Dense(5)(ti)), name="tower")
    fi = k.Input((4,))
    frozen = k.Model(fi, L.BatchNormalization()(L.Dense(3)(fi)), name="frozen")
    frozen.trainable = False
    left, right = k.Input((8,), name="left"), k.Input((8,), name="right")
    shared = L.Dense(8, name="shared_dense")
    a = tower(encoder(shared(left)))
    b = tower(encoder(shared(right)))
    x = L.Concatenate()([frozen(a), frozen(b)])
    return k.Model([left, right], L.Dense(1)(x), name="nested")


def nested_sequential(k):
    """A Sequential whose layers are models: a Functional and a Sequential without an Input."""
    L = k.layers
    fi = k.Input((5, 3))
    block = k.Model(fi, L.Conv1D(4, 3)(fi), name="block")
    head = k.Sequential([L.Flatten(), L.Dense(2)], name="head")
    return k.Sequential([k.Input((5, 3)), block, head], name="outer")


def lambdas(k):
    """Lambda layers: with an ``output_shape`` nnviz uses it; without one, the shape stays unknown.

    nnviz must never run the stored function (its bytecode is only data to it).
    """
    L = k.layers
    inp = k.Input((8,))
    x = L.Lambda(lambda t: t * 2.0, output_shape=(8,), name="double")(inp)
    x = L.Dense(4)(x)
    y = L.Lambda(lambda t: t[:, :2], name="head2")(x)  # no output_shape: unknown to nnviz
    return k.Model(inp, [x, y], name="lambdas")


def keras_ops(k):
    """Keras 3 operations in a functional model (``x + y``, ``ops.multiply``...): not layers, but
    nodes of the config; a slice (GetItem) is one nnviz may leave unknown."""
    L, ops = k.layers, k.ops
    inp = k.Input((6, 4))
    x = inp + L.Dense(4)(inp)
    x = ops.multiply(x, 2.0)
    x = x * L.GlobalAveragePooling1D(keepdims=True)(x)  # broadcast, as in squeeze-and-excite
    y = ops.concatenate([x, x], axis=-1)
    z = x[:, :2]
    return k.Model(inp, [L.Dense(2)(y), z], name="keras_ops")


ZOO: dict[str, ZooModel] = {m.name: m for m in [
    ZooModel("dense_mlp", dense_mlp, live=("keras3", "tfk")),
    ZooModel("sequential_legacy_input", sequential_legacy_input),
    ZooModel("sequential_built", sequential_built),
    ZooModel("activations", activations),
    ZooModel("reshaping", reshaping),
    ZooModel("conv1d", conv1d),
    ZooModel("conv2d", conv2d, live=("keras3",)),
    ZooModel("conv2d_channels_first", conv2d_channels_first),
    ZooModel("conv3d", conv3d),
    ZooModel("normalization", normalization),
    ZooModel("preprocessing", preprocessing),
    ZooModel("embedding_rnn", embedding_rnn),
    ZooModel("rnn_states", rnn_states, live=("keras3",)),
    ZooModel("bidirectional", bidirectional),
    ZooModel("time_distributed", time_distributed),
    ZooModel("attention", attention),
    ZooModel("merge", merge),
    ZooModel("nested", nested, live=("keras3", "tfk")),
    ZooModel("nested_sequential", nested_sequential),
    ZooModel("keras_ops", keras_ops, flavors=("keras3",), unknown_ok=frozenset({"get_item"})),
    ZooModel("lambdas", lambdas, unknown_ok=frozenset({"head2"}), live=("keras3",)),
]}
