"""Node style on long and nested models (issue 16 item 11): A4 pages wrapped into rows, labelled
frames around nested models, Flatten one-to-one with its count, Embedding drawn as a lookup."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from test_node import assert_labels_clear
from truth import app_json

import nnviz
from nnviz.layout.layered import PAGES

A4_W, A4_H = PAGES["a4"]


def _on_a4(scene) -> bool:
    w, h = scene.width, scene.height
    return (w <= A4_W + 0.01 and h <= A4_H + 0.01) or (w <= A4_H + 0.01 and h <= A4_W + 0.01)


def _smallest_text(scene) -> float:
    return min(lb.size for lb in scene.labels)


def _inside(neuron, cluster) -> bool:
    return cluster.x <= neuron.x - neuron.r and neuron.x + neuron.r <= cluster.x + cluster.w \
        and cluster.y <= neuron.y - neuron.r and neuron.y + neuron.r <= cluster.y + cluster.h


def _apart(a, b) -> bool:
    return a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y


# -- models made here ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dcgan():
    """A DCGAN: generator (Dense, Reshape, two Conv2DTranspose) and discriminator (two Conv2D, Flatten)."""
    import keras
    from keras import layers

    g = keras.Sequential([keras.Input((100,)), layers.Dense(7 * 7 * 128), layers.LeakyReLU(0.2),
                          layers.Reshape((7, 7, 128)),
                          layers.Conv2DTranspose(128, 4, strides=2, padding="same"), layers.BatchNormalization(),
                          layers.LeakyReLU(0.2), layers.Conv2DTranspose(64, 4, strides=2, padding="same"),
                          layers.BatchNormalization(), layers.LeakyReLU(0.2),
                          layers.Conv2D(1, 7, padding="same", activation="tanh")], name="generator")
    d = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(64, 4, strides=2, padding="same"),
                          layers.LeakyReLU(0.2), layers.Conv2D(128, 4, strides=2, padding="same"),
                          layers.LeakyReLU(0.2), layers.Flatten(), layers.Dropout(0.3),
                          layers.Dense(1, activation="sigmoid")], name="discriminator")
    z = keras.Input((100,), name="noise")
    model = keras.Model(z, d(g(z)), name="dcgan")
    return model, nnviz.load(model)


@pytest.fixture(scope="module")
def vgg16():
    """Keras's VGG16 graph, from its to_json() recorded in tests/data/truth/app (no TensorFlow)."""
    return nnviz.load(json.loads(app_json("VGG16")))


# -- A4 --------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_vgg16_wraps_into_rows_on_a4_at_6_pt_or_more(vgg16, direction):
    strip = nnviz.draw(vgg16, style="node", direction=direction, page=None).scene
    assert not _on_a4(strip)                           # the natural drawing is a strip (issue: 3,234 x 496 px)
    d = nnviz.draw(vgg16, style="node", direction=direction)
    scene = d.scene
    assert _on_a4(scene) and scene.rows >= 2
    assert _smallest_text(scene) >= 6.0
    assert [c.layer for c in scene.node_columns] == [c.layer for c in strip.node_columns]   # every layer
    assert assert_labels_clear(d.figure) > 100


@pytest.mark.slow
def test_a_wrapped_row_starts_with_the_column_it_continues(vgg16):
    scene = nnviz.draw(vgg16, style="node").scene
    ghosts = [lb.text for lb in scene.labels if lb.role == "caption-name" and lb.text.startswith("↪ ")]
    assert len(ghosts) == scene.rows - 1
    names = [c.layer for c in scene.node_columns]
    for ghost in ghosts:   # the row before ends with that column, and its links reach the next row
        name = ghost[2:]
        assert name in names
        assert any(ls.src == name for ls in scene.links)


def test_small_models_keep_their_natural_size():
    spec = {"input_shape": [4], "layers": [{"type": "Dense", "units": 8}, {"type": "Dense", "units": 3}]}
    assert nnviz.draw(spec, style="node").scene.width == nnviz.draw(spec, style="node", page=None).scene.width
    assert nnviz.draw(spec, style="node").scene.rows is None


def test_page_option_is_checked():
    with pytest.raises(nnviz.OptionError, match="unknown page: 'a3'"):
        nnviz.draw({"input_shape": [4], "layers": [{"type": "Dense", "units": 2}]}, style="node", page="a3")


# -- nested models ---------------------------------------------------------------------------

@pytest.mark.needs_tf
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_gan_nested_models_sit_in_labelled_frames(dcgan, direction):
    model, graph = dcgan
    d = nnviz.draw(graph, style="node", direction=direction)
    scene = d.scene
    assert _on_a4(scene) and _smallest_text(scene) >= 6.0          # was a 4,099 x 496 px strip
    want = {name: f"{name} · {model.get_layer(name).count_params():,} params"
            for name in ("generator", "discriminator")}
    frames = {c.id: c for c in scene.clusters}
    assert set(want.values()) <= {c.title for c in scene.clusters}
    for name, title in want.items():
        # a frame wrapped onto the next row continues there (its title the name alone where narrow)
        parts = [c for c in scene.clusters if c.id == f"frame/{name}"]
        assert parts[0].title == title and all(c.title in (title, name) for c in parts)
        inner = [layer.name for layer in model.get_layer(name).layers]
        neurons = [n for n in scene.neurons if n.layer in inner]
        assert neurons and all(any(_inside(n, c) for c in parts) for n in neurons)
        titles = [lb for lb in scene.labels if lb.role == "frame" and lb.text in (title, name)]
        assert len(titles) == len(parts)     # each part of a wrapped frame names its model
    outside = [n for n in scene.neurons if n.layer == "noise"]
    assert outside and not any(_inside(n, c) for n in outside for c in frames.values())
    for i, a in enumerate(scene.clusters):   # frames of sibling models never overlap
        for b in scene.clusters[i + 1:]:
            assert _apart(a, b), (a, b)
    assert_labels_clear(d.figure)


def test_nested_frames_nest():
    inner = {"type": "Sequential", "name": "inner", "layers": [{"type": "Dense", "units": 3, "name": "a"}]}
    outer = {"type": "Sequential", "name": "outer", "layers": [inner, {"type": "Dense", "units": 4, "name": "b"}]}
    spec = {"name": "m", "input_shape": [5], "layers": [outer, {"type": "Dense", "units": 2, "name": "head"}]}
    d = nnviz.draw(spec, style="node")
    frames = {c.title.split(" · ")[0]: c for c in d.scene.clusters}
    assert set(frames) == {"outer", "inner"}
    assert frames["outer"].title == "outer · 34 params" and frames["inner"].title == "inner · 18 params"
    o, i = frames["outer"], frames["inner"]
    assert o.x < i.x and i.x + i.w < o.x + o.w and o.y < i.y and i.y + i.h <= o.y + o.h
    assert_labels_clear(d.figure)


# -- Flatten ---------------------------------------------------------------------------------

def _incoming(scene, layer: str) -> dict[tuple[float, float], int]:
    ends: dict[tuple[float, float], int] = {}
    for ls in scene.links:
        if ls.dst == layer:
            for end in np.round(ls.segments[:, 1], 3):
                ends[tuple(end)] = ends.get(tuple(end), 0) + 1
    return ends


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_flatten_is_one_to_one_with_a_count(fmt):
    shape = [8, 8, 16] if fmt == "channels_last" else [16, 8, 8]
    spec = {"input_shape": shape, "layers": [
        {"type": "Conv2D", "filters": 16, "kernel_size": 3, "data_format": fmt, "name": "conv"},
        {"type": "Flatten", "data_format": fmt, "name": "flat"},
        {"type": "Dense", "units": 4, "name": "out"}]}
    scene = nnviz.draw(spec, style="node").scene
    shown = [n for n in scene.neurons if n.layer == "flat"]
    assert len(shown) == 8
    assert "+568 more" in [lb.text for lb in scene.labels if lb.role == "more"]   # 6 x 6 x 16 = 576
    ends = _incoming(scene, "flat")
    assert len(ends) == 8 and set(ends.values()) == {1}                         # one link into each
    conv = {(round(n.x, 3), round(n.y, 3)): n.index for n in scene.neurons if n.layer == "conv"}
    where = {(round(n.x, 3), round(n.y, 3)): n.index for n in shown}
    flat_links = next(ls for ls in scene.links if ls.dst == "flat")
    pairs = {where[tuple(np.round(b, 3))]: conv[tuple(np.round(a, 3))] for a, b in flat_links.segments}
    # Keras flattens channels-last as (h, w, c): unit j is channel j % 16; channels-first as (c, h, w): j // 36
    for j, channel in pairs.items():
        assert channel == (j % 16 if fmt == "channels_last" else j // 36)


def test_a_layer_without_neurons_that_keeps_the_width_has_no_count():
    spec = {"input_shape": [30], "layers": [{"type": "Dense", "units": 20}, {"type": "Dropout", "rate": 0.5},
                                            {"type": "Dense", "units": 2}]}
    assert [lb.text for lb in nnviz.draw(spec, style="node").scene.labels if lb.role == "more"] \
        == ["+22 more", "+12 more"]


# -- Embedding -------------------------------------------------------------------------------

TEXT = {"name": "textclf", "input_shape": [20], "layers": [
    {"type": "Embedding", "input_dim": 1000, "output_dim": 16, "name": "emb"},
    {"type": "GlobalAveragePooling1D", "name": "pool"},
    {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "out"}]}


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_embedding_is_drawn_as_a_lookup(direction):
    d = nnviz.draw(TEXT, style="node", direction=direction)
    scene = d.scene
    (table,) = scene.boxes
    assert table.family == "embedding" and table.layer == "emb"
    assert "lookup in 1,000×16" in [lb.text for lb in scene.labels if lb.role == "caption"][1]
    into = [ls for ls in scene.links if ls.dst == "emb"]
    assert all(ls.kind == "dropped" for ls in into)          # not a weighted all-to-all bundle
    tokens = [n for n in scene.neurons if n.layer == scene.node_columns[0].layer]
    vector = [n for n in scene.neurons if n.layer == "emb"]
    assert sum(len(ls) for ls in into) == len(tokens) + len(vector)   # each token in, each unit out, once
    edge = (lambda p: p[0]) if direction == "LR" else (lambda p: p[1])
    lo, hi = (table.x, table.x + table.w) if direction == "LR" else (table.y, table.y + table.h)
    for ls in into:
        for a, b in ls.segments:
            assert np.isclose(edge(b), lo) or np.isclose(edge(a), hi)   # ends on the table's sides
    assert_labels_clear(d.figure)


def test_frames_and_tables_are_in_the_svg():
    spec = {"name": "m", "input_shape": [12], "layers": [
        {"type": "Sequential", "name": "encoder", "layers": [
            {"type": "Embedding", "input_dim": 50, "output_dim": 8, "name": "emb"},
            {"type": "Flatten", "name": "flat"}]},
        {"type": "Dense", "units": 2, "name": "out"}]}
    svg = nnviz.draw(spec, style="node").to_bytes("svg").decode()
    assert svg.count('class="nnviz-frame"') == 1 and svg.count('class="nnviz-lookup"') == 1
    assert re.search(r">encoder · 400 params<", svg)
