"""Shapes only the file's Keras accepted are drawn with a warning; hand-written specs stay strict (issue 16.4).

Also tf_keras's ``CustomScaleLayer`` (the helper InceptionResNetV2 saves by class name), inferred exactly.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import ShapeError


def _cropping_model(keras_version: str | None) -> dict:
    # tf.keras 2.2 computed Cropping3D's output as size - crop without a check: depth 1 cropped by
    # (0, 1) gave depth 0, and the model was saved
    cfg = {"class_name": "Sequential", "config": {"name": "crop3d", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 1, 8, 8, 4]}},
        {"class_name": "Conv3D", "config": {"name": "conv", "filters": 2, "kernel_size": [1, 1, 1]}},
        {"class_name": "Cropping3D", "config": {"name": "crop", "cropping": [[0, 1], [1, 1], [1, 1]]}}]}}
    if keras_version is not None:
        cfg["keras_version"] = keras_version
    return cfg


def test_a_file_of_the_era_is_drawn_with_the_eras_shape_and_a_warning(tmp_path):
    g = nnviz.load(_cropping_model("2.2.4-tf"))
    assert g.layer("crop").output_shape == (None, 0, 6, 6, 2)
    assert any("Cropping3D" in w and "accepted by the Keras that wrote the file" in w for w in g.warnings)
    path = tmp_path / "crop3d.json"
    path.write_text(json.dumps(_cropping_model("2.2.4-tf")))
    result = CliRunner().invoke(cli, ["draw", str(path), "-o", str(tmp_path / "c.svg")])
    assert result.exit_code == 0, result.output
    assert f"nnviz: warning: {path}: crop: Cropping3D cropping (0, 1)" in result.stderr
    assert (tmp_path / "c.svg").stat().st_size > 0


def test_hand_written_models_stay_strict(tmp_path):
    with pytest.raises(ShapeError, match="leaves nothing of a dimension of size 1"):
        nnviz.load(_cropping_model(None))  # no Keras version: written by hand
    spec = {"name": "s", "input_shape": [1, 8, 8, 2], "layers": [
        {"type": "Cropping3D", "cropping": [[0, 1], [1, 1], [1, 1]]}]}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    result = CliRunner().invoke(cli, ["draw", str(path), "-o", str(tmp_path / "s.svg")])
    assert result.exit_code == 2 and "leaves nothing" in result.output
    assert not (tmp_path / "s.svg").exists()


def test_custom_scale_layer_is_inferred():
    cfg = {"class_name": "Functional", "keras_version": "2.15.0", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [None, 5, 5, 8]},
         "inbound_nodes": []},
        {"class_name": "Conv2D", "name": "up", "config": {"name": "up", "filters": 8, "kernel_size": [1, 1]},
         "inbound_nodes": [[["x", 0, 0, {}]]]},
        {"class_name": "Custom>CustomScaleLayer", "name": "block35_1",
         "config": {"name": "block35_1", "scale": 0.17}, "inbound_nodes": [[["x", 0, 0, {}], ["up", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["block35_1", 0, 0]]}}
    g = nnviz.load(cfg)
    layer = g.layer("block35_1")
    assert layer.type == "CustomScaleLayer" and layer.output_shape == (None, 5, 5, 8) and layer.params == 0
    assert layer.shape_known and not g.unknown_params


@pytest.mark.needs_tf
def test_custom_scale_layer_matches_tf_keras(tmp_path):
    import tf_keras as k
    from tf_keras.src.applications.inception_resnet_v2 import CustomScaleLayer

    x = k.Input((7, 7, 16))
    up = k.layers.Conv2D(16, 1, name="up")(x)
    y = CustomScaleLayer(0.2, name="block8_1")([x, up])
    y = k.layers.Activation("relu", name="block8_1_ac")(y)
    model = k.Model(x, y)
    model.save(tmp_path / "m.h5")
    g = nnviz.load(tmp_path / "m.h5")
    for layer in model.layers:
        assert g.layer(layer.name).output_shape == tuple(layer.output.shape), layer.name
        assert g.layer(layer.name).params == layer.count_params()
