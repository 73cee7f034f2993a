"""SavedModel directories are read from keras_metadata.pb alone."""

import pytest

import nnviz
from nnviz.readers.savedmodel import parse_metadata, varint_bytes




def _field(number, payload: bytes) -> bytes:
    return varint_bytes(number << 3 | 2) + varint_bytes(len(payload)) + payload


def test_parse_metadata_reads_handmade_protobuf(tmp_path):
    import json

    meta = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": {"class_name": "TensorShape",
                                                                       "items": [None, 5]}, "name": "x"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}})
    node = _field(3, b"root") + _field(4, b"_tf_keras_sequential") + _field(5, meta.encode())
    data = _field(1, node)
    assert parse_metadata(data)[0]["node_path"] == "root"
    (tmp_path / "saved_model.pb").write_bytes(b"")
    (tmp_path / "keras_metadata.pb").write_bytes(data)
    g = nnviz.load(tmp_path)
    assert g.total_params == 12
    assert g.layer("d").output_shape == (None, 2)


def test_corrupt_metadata_is_a_read_error(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"")
    (tmp_path / "keras_metadata.pb").write_bytes(b"\x0a\xff\xff\xff\xff\x0f")
    with pytest.raises(nnviz.ReadError, match="keras_metadata.pb"):
        nnviz.load(tmp_path)


def test_savedmodel_without_keras_metadata(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"")
    with pytest.raises(nnviz.ReadError, match="not saved by Keras"):
        nnviz.load(tmp_path)


@pytest.mark.needs_tf
def test_tf_keras_savedmodel_matches_keras(tmp_path):
    import tf_keras as k

    m = k.Sequential([k.layers.Dense(4, input_shape=(3,), activation="relu"), k.layers.BatchNormalization(),
                      k.layers.Dense(1)])
    m.save(tmp_path / "sm", save_format="tf")
    g = nnviz.load(tmp_path / "sm")
    assert g.total_params == m.count_params()
    assert g.non_trainable_params == 8
    assert [l.params for l in g.layers[1:]] == [l.count_params() for l in m.layers]
    assert [l.output_shape for l in g.layers[1:]] == [tuple(l.output_shape) for l in m.layers]
