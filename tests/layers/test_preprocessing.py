import pytest

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer
from truth import check_layer, check_typed_layer, check_weights

CF = {"data_format": "channels_first"}
IMG = [[None, 16, 12, 3]]


def _text(**options):
    """A TextVectorization config as Keras 3 saves it (its from_config needs every key)."""
    cfg = {"max_tokens": 100, "standardize": "lower_and_strip_punctuation", "split": "whitespace", "ngrams": None,
           "output_mode": "int", "output_sequence_length": None, "pad_to_max_tokens": False, "sparse": False,
           "ragged": False, "vocabulary": None, "idf_weights": None, "encoding": "utf-8", "vocabulary_size": 2}
    cfg.update(options)
    return cfg


def _layer(cls, **config):
    return {"module": "keras.layers", "class_name": cls, "config": config}


AUGMENTATIONS = [
    ("RandomFlip", {}), ("RandomRotation", {"factor": 0.1}), ("RandomZoom", {"height_factor": 0.2}),
    ("RandomContrast", {"factor": 0.2}), ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.1}),
    ("RandomBrightness", {"factor": 0.2}), ("RandomGrayscale", {}), ("RandomHue", {"factor": 0.2}),
    ("RandomSaturation", {"factor": 0.2}), ("RandomSharpness", {"factor": 0.2}), ("RandomShear", {}),
    ("RandomErasing", {}), ("RandomGaussianBlur", {}), ("RandomInvert", {}), ("RandomPerspective", {}),
    ("RandomPosterization", {"factor": 4}), ("RandomColorDegeneration", {"factor": 0.2}),
    ("RandomColorJitter", {}), ("RandomElasticTransform", {}), ("AutoContrast", {}), ("Equalization", {}),
    ("Solarization", {}), ("AugMix", {}), ("CutMix", {}), ("MixUp", {}), ("RandAugment", {}),
    ("ContrastLimitedAdaptiveHistogramEqualization", {}),
]

CASES = [
    *[(cls, cfg, IMG) for cls, cfg in AUGMENTATIONS],
    ("Rescaling", {"scale": 1 / 255, "offset": 0.0}, IMG),
    ("Rescaling", {"scale": 2.0, "offset": -1.0}, [[None, 5]]),
    ("Resizing", {"height": 8, "width": 10}, IMG),
    ("Resizing", {"height": 8, "width": 10, "crop_to_aspect_ratio": True, **CF}, [[None, 3, 16, 12]]),
    ("Resizing", {"height": 8, "width": 10}, [[16, 12, 3]]),
    ("CenterCrop", {"height": 8, "width": 6}, IMG),
    ("CenterCrop", {"height": 20, "width": 6, **CF}, [[None, 3, 16, 12]]),
    ("RandomCrop", {"height": 8, "width": 6}, IMG),
    ("RandomCrop", {"height": 8, "width": 6, **CF}, [[None, 3, 16, 12]]),
    ("Normalization", {}, [[None, 4, 5]]),
    ("Normalization", {"axis": [1, 2]}, [[None, 4, 5]]),
    ("Normalization", {"axis": [-1, 1]}, [[None, 4, 5, 6]]),
    ("Normalization", {"axis": None}, [[None, 4, 5]]),
    ("Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 1.0, 1.0]}, [[None, 3]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, [[None, 4]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, [[None, 4]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, [[None, 1]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "multi_hot"}, [[None, 4]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "count"}, [[None, 4, 6]]),
    ("Discretization", {"num_bins": 5}, [[None, 4]]),
    ("HashedCrossing", {"num_bins": 10}, [[None, 1], [None, 1]]),
    ("HashedCrossing", {"num_bins": 10, "output_mode": "one_hot"}, [[None, 3], [None, 3]]),
    ("HashedCrossing", {"num_bins": 10, "output_mode": "one_hot"}, [[None, 1], [None, 1]]),
    ("MelSpectrogram", {}, [[None, 16000]]),
    ("MelSpectrogram", {"num_mel_bins": 64, "sequence_stride": 160}, [[None, 16000]]),
    ("STFTSpectrogram", {"frame_length": 256, "frame_step": 128}, [[None, 16000, 1]]),
    ("STFTSpectrogram", {"frame_length": 200, "mode": "stft"}, [[None, 16000, 2]]),
    ("STFTSpectrogram", {"frame_length": 256, "frame_step": 100, "fft_length": 512, "expand_dims": True,
                         "mode": "real"}, [[None, 16000, 2]]),
    ("STFTSpectrogram", {"frame_length": 256, "frame_step": 128, "padding": "same", "mode": "imag", **CF},
     [[None, 2, 16000]]),
    ("Pipeline", {"layers": [_layer("Normalization"), _layer("Resizing", height=4, width=5)]}, IMG),
]

TYPED = [
    ("CategoryEncoding", {"num_tokens": 10}, [[None, 4]], "int32"),
    ("CategoryEncoding", {"num_tokens": 10, "output_mode": "one_hot"}, [[None, 4]], "int32"),
    ("CategoryEncoding", {"num_tokens": 10, "output_mode": "one_hot"}, [[None, 1]], "int32"),
    ("CategoryEncoding", {"num_tokens": 10, "output_mode": "count"}, [[None, 3, 4]], "int32"),
    ("Hashing", {"num_bins": 10}, [[None, 4]], "string"),
    ("Hashing", {"num_bins": 10, "output_mode": "one_hot"}, [[None, 1]], "string"),
    ("Hashing", {"num_bins": 10, "output_mode": "one_hot"}, [[None, 4]], "string"),
    ("Hashing", {"num_bins": 10, "output_mode": "multi_hot"}, [[None, 4]], "int64"),
    ("StringLookup", {"vocabulary": ["a", "b", "c"]}, [[None, 4]], "string"),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"}, [[None, 4]], "string"),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"}, [[None, 1]], "string"),
    ("StringLookup", {"vocabulary": ["[UNK]", "a", "b", "c"], "output_mode": "multi_hot"}, [[None, 4]], "string"),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "count", "num_oov_indices": 3}, [[None, 4]],
     "string"),
    ("StringLookup", {"max_tokens": 10, "output_mode": "multi_hot", "pad_to_max_tokens": True}, [[None, 4]],
     "string"),
    ("StringLookup", {"max_tokens": 10, "output_mode": "multi_hot"}, [[None, 4]], "string"),
    ("StringLookup", {"vocabulary": ["a", "b"], "output_mode": "tf_idf", "idf_weights": [1.0, 2.0]}, [[None, 4]],
     "string"),
    ("IntegerLookup", {"vocabulary": [1, 2, 3], "output_mode": "count"}, [[None, 4]], "int64"),
    ("IntegerLookup", {"vocabulary": [1, 2, 3], "mask_token": 0, "output_mode": "one_hot",
                       "vocabulary_size": 4}, [[None, 4]], "int64"),
    ("IntegerLookup", {"vocabulary": [1, 2, 3], "invert": True}, [[None, 4]], "int64"),
    ("TextVectorization", _text(output_sequence_length=20), [[None]], "string"),
    ("TextVectorization", _text(output_sequence_length=20), [[None, 1]], "string"),
    ("TextVectorization", _text(), [[None]], "string"),
    ("TextVectorization", _text(output_mode="multi_hot", vocabulary_size=1), [[None]], "string"),
    ("TextVectorization", _text(output_mode="multi_hot", pad_to_max_tokens=True), [[None, 1]], "string"),
    ("TextVectorization", _text(output_mode="count", vocabulary=["a", "b"], vocabulary_size=3), [[None]], "string"),
    ("TextVectorization", _text(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[1.0, 2.0],
                                vocabulary_size=3), [[None, 1]], "string"),
    ("TextVectorization", _text(output_mode="one_hot", split=None, vocabulary=["a", "b"], vocabulary_size=3),
     [[None, 1]], "string"),
    ("TextVectorization", _text(output_mode="one_hot", split=None, vocabulary=["a", "b"], vocabulary_size=3),
     [[None]], "string"),
    ("TextVectorization", _text(output_mode="one_hot", vocabulary=["a", "b"], vocabulary_size=3), [[None]],
     "string"),
    ("TextVectorization", _text(output_mode="multi_hot", split=None, vocabulary_size=9), [[None, 3]], "string"),
]

IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=IDS)
def test_preprocessing_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=IDS)
def test_preprocessing_weights_match_keras(cls, config, shapes):
    check_weights(cls, config, shapes)


@pytest.mark.parametrize("cls,config,shapes,dtype", TYPED, ids=[f"{c[0]}-{i}" for i, c in enumerate(TYPED)])
def test_typed_preprocessing_layer_matches_keras(cls, config, shapes, dtype):
    check_typed_layer(cls, config, shapes, dtype)


# -- tf.keras (Keras 2) only ---------------------------------------------------------------

def test_tf_keras_random_height_and_width():
    # the resized axis changes per batch, so tf.keras reports it as None
    assert infer_layer("RandomHeight", {"factor": 0.2}, [(None, 8, 6, 3)]).output_shapes[0] == (None, None, 6, 3)
    assert infer_layer("RandomWidth", {"factor": 0.2}, [(8, 6, 3)]).output_shapes[0] == (8, None, 3)


def test_keras2_encoder_names():
    # Keras 2.4 called num_tokens max_tokens, bin_boundaries bins, and multi_hot binary
    enc = infer_layer("CategoryEncoding", {"max_tokens": 7, "output_mode": "binary"}, [(None, 3)])
    assert enc.output_shapes[0] == (None, 7)
    disc = infer_layer("Discretization", {"bins": [0.0, 1.0], "output_mode": "one_hot"}, [(None, 4)])
    assert disc.output_shapes[0] == (None, 4, 3)


def test_lookup_without_a_saved_vocabulary_has_an_unknown_depth():
    # adapted lookups from Keras 2 save no vocabulary: the depth is unknown, not a guess
    layer = infer_layer("StringLookup", {"output_mode": "multi_hot"}, [(None, 4)])
    assert layer.output_shapes[0] == (None, None)


def test_normalization_weights_do_not_train():
    layer = infer_layer("Normalization", {"axis": -1}, [(None, 4, 5)])
    assert (layer.params, layer.trainable_params, layer.non_trainable_params) == (11, 0, 11)


@pytest.mark.parametrize("cls,config,shape", [
    ("Resizing", {"height": 4, "width": 4}, (None, 8)),
    ("RandomCrop", {"height": 4, "width": 4}, (None, 2, 8, 8, 3)),
    ("Normalization", {"axis": 3}, (None, 4, 5)),
    ("STFTSpectrogram", {}, (None, 16000)),
    ("STFTSpectrogram", {"frame_length": 256}, (None, 100, 1)),
])
def test_preprocessing_shape_errors(cls, config, shape):
    with pytest.raises(ShapeError):
        infer_layer(cls, config, [shape])
