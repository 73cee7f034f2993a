"""Weights of layers inside nested models, found by their path (``model/layer``), in ``.h5`` files of
Keras 3 and Keras 2 (tf_keras) as in ``.keras`` files, and drawn by the node style (``--weights``).

A legacy ``.h5`` keeps a nested model's weights in one group, named as Keras named the variables
(``inner/d1/kernel`` in Keras 3's Sequential, ``fd/kernel`` in its Functional, ``d1/kernel:0`` in
Keras 2, trainable ones first); the truth is what Keras itself holds for each nested layer.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import nnviz

pytestmark = pytest.mark.needs_tf


def _nested_models(keras):
    """A chain whose middle is a Sequential holding a Sequential (BatchNormalization: non-trainable
    weights, stored after every trainable one by Keras 2), then a Functional; and a Functional
    holding a recurrent layer (its cell's own scope in the variable names)."""
    L = keras.layers
    deep = keras.Sequential([L.BatchNormalization(name="bn"), L.Dense(4, name="d3")], name="deep")
    inner = keras.Sequential([L.Dense(5, activation="relu", name="d1"), deep], name="inner")
    inner.build((None, 6))
    fi = keras.Input((4,), name="fi")
    func = keras.Model(fi, L.Dense(3, name="fd")(fi), name="func")
    x = keras.Input((6,), name="x")
    chain = keras.Model(x, L.Dense(2, name="out")(func(inner(L.Dense(6, name="pre")(x)))), name="outer")
    rng = np.random.default_rng(0)
    for layer in (inner.get_layer("d1"), deep.get_layer("bn"), deep.get_layer("d3"), func.get_layer("fd")):
        layer.set_weights([rng.normal(size=w.shape).astype("float32") + 1.0 for w in layer.get_weights()])
    si = keras.Input((7, 3), name="si")
    seq = keras.Model(si, L.Dense(2, name="head")(L.LSTM(4, name="lstm")(si)), name="seq")
    s = keras.Input((7, 3), name="s")
    recurrent = keras.Model(s, L.Dense(1, name="final")(seq(s)), name="rec")
    return chain, recurrent


def _leaves(model, prefix=""):
    """(path, Keras's own weights) of every layer with weights inside the nested models."""
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            out += _leaves(layer, f"{prefix}{layer.name}/")
        elif prefix and layer.get_weights():
            out.append((prefix + layer.name, layer.get_weights()))
    return out


def _check(path, model):
    graph = nnviz.load(path)
    leaves = _leaves(model)
    assert len(leaves) >= 2
    for name, want in leaves:
        got = [np.asarray(a) for _, a in graph.weights(name)]
        assert len(got) == len(want), (path.name, name, [n for n, _ in graph.weights(name)])
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w, err_msg=f"{path.name}: {name}")
        # the nested model's own graph reads the same, by the layer's name in it
        owner, _, leaf = name.rpartition("/")
        sub = graph
        for part in owner.split("/"):
            sub = sub.layer(part).subgraph
        assert sub.has_weights
        assert [np.asarray(a).tobytes() for _, a in sub.weights(leaf)] == [w.tobytes() for w in want]
    return graph


def _drawn(path, chain):
    """The node style draws the nested layers' links with Keras's kernels (they had none)."""
    links = {(ls.src, ls.dst): ls for ls in nnviz.draw(path, style="node", weights=True).scene.links}
    for src, dst, layer in (("pre", "d1", chain.get_layer("inner").get_layer("d1")),
                            ("bn", "d3", chain.get_layer("inner").get_layer("deep").get_layer("d3")),
                            ("d3", "fd", chain.get_layer("func").get_layer("fd"))):
        kernel = layer.get_weights()[0]
        assert links[(src, dst)].weights is not None, (path.name, src, dst)
        np.testing.assert_allclose(np.sort(links[(src, dst)].weights), np.sort(kernel.ravel()), rtol=1e-6)


def test_keras3_nested_weights_by_path(tmp_path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    chain, recurrent = _nested_models(keras)
    for model, stem in ((chain, "chain"), (recurrent, "rec")):
        for ext in (".h5", ".keras"):
            path = tmp_path / f"{stem}{ext}"
            model.save(path)
            _check(path, model)
    for ext in (".h5", ".keras"):
        _drawn(tmp_path / f"chain{ext}", chain)


def test_tf_keras_nested_weights_by_path(tmp_path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf_keras = pytest.importorskip("tf_keras")
    chain, recurrent = _nested_models(tf_keras)
    for model, stem in ((chain, "chain"), (recurrent, "rec")):
        path = tmp_path / f"{stem}.h5"
        model.save(path)
        _check(path, model)
    _drawn(tmp_path / "chain.h5", chain)
    # the architecture and a save_weights() file apart (--weights-file) find them the same way
    (tmp_path / "chain.json").write_text(chain.to_json())
    chain.save_weights(tmp_path / "chain.weights.h5")
    graph = nnviz.load(tmp_path / "chain.json", weights_file=tmp_path / "chain.weights.h5")
    want = chain.get_layer("inner").get_layer("deep").get_layer("bn").get_weights()
    got = [np.asarray(a) for _, a in graph.layer("inner").subgraph.layer("deep").subgraph.weights("bn")]
    assert [g.tobytes() for g in got] == [w.tobytes() for w in want]
