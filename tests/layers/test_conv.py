import pytest

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer
from truth import check_layer, check_weights

CF = {"data_format": "channels_first"}

CASES = [
    # Conv1D
    ("Conv1D", {"filters": 8, "kernel_size": 3}, [[None, 20, 4]]),
    ("Conv1D", {"filters": 8, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, [[None, 20, 4]]),
    ("Conv1D", {"filters": 8, "kernel_size": 5, "strides": 3, "padding": "same", "use_bias": False}, [[None, 20, 4]]),
    ("Conv1D", {"filters": 6, "kernel_size": 3, "groups": 2, **CF}, [[None, 4, 20]]),
    ("Conv1D", {"filters": 8, "kernel_size": [3], "strides": [2]}, [[None, None, 4]]),
    # Conv2D
    ("Conv2D", {"filters": 16, "kernel_size": 3}, [[None, 28, 28, 1]]),
    ("Conv2D", {"filters": 16, "kernel_size": [3, 5], "strides": [2, 1], "padding": "same"}, [[None, 28, 27, 3]]),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "dilation_rate": 2, **CF}, [[None, 3, 16, 16]]),
    ("Conv2D", {"filters": 8, "kernel_size": 1, "groups": 4}, [[None, 7, 7, 16]]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "strides": 2}, [[None, None, None, 3]]),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "lora_rank": 2}, [[None, 8, 8, 3]]),
    # Conv3D
    ("Conv3D", {"filters": 4, "kernel_size": 3}, [[None, 8, 9, 10, 2]]),
    ("Conv3D", {"filters": 4, "kernel_size": [1, 3, 3], "strides": 2, "padding": "same", **CF}, [[None, 2, 8, 9, 10]]),
    # transposed
    ("Conv1DTranspose", {"filters": 5, "kernel_size": 3, "strides": 2}, [[None, 10, 4]]),
    ("Conv1DTranspose", {"filters": 5, "kernel_size": 4, "strides": 2, "padding": "same"}, [[None, 10, 4]]),
    ("Conv2DTranspose", {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"}, [[None, 7, 7, 16]]),
    ("Conv2DTranspose", {"filters": 8, "kernel_size": 5, "strides": 2}, [[None, 7, 7, 16]]),
    ("Conv2DTranspose", {"filters": 8, "kernel_size": 2, "strides": 3}, [[None, 7, 7, 16]]),
    ("Conv2DTranspose", {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
     [[None, 7, 7, 16]]),
    ("Conv2DTranspose", {"filters": 8, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 0},
     [[None, 7, 7, 16]]),
    ("Conv2DTranspose", {"filters": 8, "kernel_size": 3, "strides": 2, "output_padding": [1, 0], "use_bias": False,
                         **CF}, [[None, 16, 7, 6]]),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "dilation_rate": 2}, [[None, 7, 7, 4]]),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 3, "strides": [1, 2, 2], "padding": "same"},
     [[None, 4, 5, 6, 3]]),
    # separable
    ("SeparableConv1D", {"filters": 8, "kernel_size": 3}, [[None, 20, 4]]),
    ("SeparableConv1D", {"filters": 8, "kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same",
                         **CF}, [[None, 4, 20]]),
    ("SeparableConv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}, [[None, 32, 32, 8]]),
    ("SeparableConv2D", {"filters": 16, "kernel_size": [3, 5], "depth_multiplier": 3, "use_bias": False},
     [[None, 12, 12, 4]]),
    # depthwise
    ("DepthwiseConv1D", {"kernel_size": 3}, [[None, 20, 4]]),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "strides": 2, **CF}, [[None, 4, 20]]),
    ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same"}, [[None, 14, 14, 32]]),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 4, "strides": 2, "use_bias": False},
     [[None, 15, 15, 3]]),
    ("DepthwiseConv2D", {"kernel_size": 5, "dilation_rate": 2, **CF}, [[None, 3, 16, 16]]),
]

IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=IDS)
def test_conv_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=IDS)
def test_conv_weights_match_keras(cls, config, shapes):
    check_weights(cls, config, shapes)


# -- Keras 1 names (no TensorFlow: expected values worked out by hand) ---------------------

def _summary(cls, config, shapes):
    layer = infer_layer(cls, config, shapes)
    return layer.output_shapes[0], layer.params


def test_keras1_convolution2d_th():
    # 'th': channels first; same padding keeps 48x48; 3*3*1*32 + 32 = 320
    cfg = {"nb_filter": 32, "nb_row": 3, "nb_col": 3, "border_mode": "same", "dim_ordering": "th",
           "subsample": [1, 1], "bias": True, "activation": "relu"}
    assert _summary("Convolution2D", cfg, [(None, 1, 48, 48)]) == ((None, 32, 48, 48), 320)


def test_keras1_convolution2d_strided_tf_no_bias():
    # valid, stride 2: (32 - 5) // 2 + 1 = 14 rows; (30 - 3) // 2 + 1 = 14 cols; 5*3*3*8 = 360, no bias
    cfg = {"nb_filter": 8, "nb_row": 5, "nb_col": 3, "border_mode": "valid", "dim_ordering": "tf",
           "subsample": [2, 2], "bias": False}
    assert _summary("Convolution2D", cfg, [(None, 32, 30, 3)]) == ((None, 14, 14, 8), 360)


def test_keras1_convolution2d_full_border():
    # Theano's 'full' border: 10 + 3 - 1 = 12; 3*3*2*4 + 4 = 76
    cfg = {"nb_filter": 4, "nb_row": 3, "nb_col": 3, "border_mode": "full", "dim_ordering": "th"}
    assert _summary("Convolution2D", cfg, [(None, 2, 10, 10)]) == ((None, 4, 12, 12), 76)


def test_keras1_convolution1d():
    # filter_length 5, valid: 100 - 5 + 1 = 96; 5*32*64 + 64 = 10304
    cfg = {"nb_filter": 64, "filter_length": 5, "border_mode": "valid", "subsample_length": 1}
    assert _summary("Convolution1D", cfg, [(None, 100, 32)]) == ((None, 96, 64), 10304)


def test_keras1_atrous_convolution2d():
    # atrous_rate 2 dilates a 3x3 kernel to 5x5: 32 - 5 + 1 = 28; 3*3*3*8 + 8 = 224
    cfg = {"nb_filter": 8, "nb_row": 3, "nb_col": 3, "atrous_rate": [2, 2], "border_mode": "valid",
           "dim_ordering": "tf"}
    assert _summary("AtrousConvolution2D", cfg, [(None, 32, 32, 3)]) == ((None, 28, 28, 8), 224)


def test_keras1_convolution3d():
    # kernel_dim1..3 = 3, 3, 3 on 'th' (None, 1, 16, 16, 16): 14 each; 27*1*4 + 4 = 112
    cfg = {"nb_filter": 4, "kernel_dim1": 3, "kernel_dim2": 3, "kernel_dim3": 3, "border_mode": "valid",
           "dim_ordering": "th"}
    assert _summary("Convolution3D", cfg, [(None, 1, 16, 16, 16)]) == ((None, 4, 14, 14, 14), 112)


def test_keras1_deconvolution2d_uses_stated_output_shape():
    # Keras 1 states output_shape; kernel 3*3*1*64 + bias 1 = 577
    cfg = {"nb_filter": 1, "nb_row": 3, "nb_col": 3, "output_shape": [None, 28, 28, 1], "border_mode": "same",
           "subsample": [2, 2], "dim_ordering": "tf"}
    assert _summary("Deconvolution2D", cfg, [(None, 14, 14, 64)]) == ((None, 28, 28, 1), 577)


def test_keras1_separable_convolution2d():
    # depthwise 3*3*16*2 = 288, pointwise 1*1*32*8 = 256, bias 8: 552; valid: 10 - 3 + 1 = 8
    cfg = {"nb_filter": 8, "nb_row": 3, "nb_col": 3, "depth_multiplier": 2, "border_mode": "valid",
           "dim_ordering": "tf"}
    assert _summary("SeparableConvolution2D", cfg, [(None, 10, 10, 16)]) == ((None, 8, 8, 8), 552)


# -- LocallyConnected (Keras 1/2 only; values checked once against tf_keras 2.21) ------------

def test_locally_connected1d():
    # 10 - 3 + 1 = 8 positions: kernel 8*(3*3)*4 = 288, bias 8*4 = 32
    cfg = {"filters": 4, "kernel_size": 3}
    assert _summary("LocallyConnected1D", cfg, [(None, 10, 3)]) == ((None, 8, 4), 320)


def test_locally_connected1d_dense_implementation():
    # implementation 2 stores a dense (10, 3, 4, 4) kernel: 480; bias (4, 4): 16
    cfg = {"filters": 4, "kernel_size": 3, "strides": 2, "implementation": 2}
    assert _summary("LocallyConnected1D", cfg, [(None, 10, 3)]) == ((None, 4, 4), 496)


def test_locally_connected2d():
    # 8x7 positions: kernel 56*27*4 = 6048, bias 8*7*4 = 224
    cfg = {"filters": 4, "kernel_size": 3}
    layer = infer_layer("LocallyConnected2D", cfg, [(None, 10, 9, 3)])
    assert layer.output_shapes[0] == (None, 8, 7, 4) and layer.params == 6272
    assert [w.shape for w in layer.weights] == [(56, 27, 4), (8, 7, 4)]


def test_locally_connected2d_strided_no_bias_keras1():
    # Keras 1 names; (10-3)//2+1 = 4 rows, (9-2)//2+1 = 4 cols: kernel 16*(3*2*3)*4 = 1152
    cfg = {"nb_filter": 4, "nb_row": 3, "nb_col": 2, "subsample": [2, 2], "bias": False}
    assert _summary("LocallyConnected2D", cfg, [(None, 10, 9, 3)]) == ((None, 4, 4, 4), 1152)


def test_locally_connected2d_dense_channels_first():
    # implementation 2, channels_first: kernel (3, 10, 9, 4, 8, 7) = 60480, bias (8, 7, 4) = 224
    cfg = {"filters": 4, "kernel_size": 3, "implementation": 2, "data_format": "channels_first"}
    assert _summary("LocallyConnected2D", cfg, [(None, 3, 10, 9)]) == ((None, 4, 8, 7), 60704)


# -- shapes that do not fit -----------------------------------------------------------------

@pytest.mark.parametrize("cls,config,shape", [
    ("Conv2D", {"filters": 4, "kernel_size": 5}, (None, 3, 3, 1)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "dilation_rate": 4}, (None, 8, 1)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 4, "strides": 2}, (None, 3, 9, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3, "data_format": "channels_first"}, (None, 8, 2, 2)),
    ("Conv2D", {"filters": 6, "kernel_size": 1, "groups": 4}, (None, 8, 8, 8)),
    ("Conv2D", {"filters": 8, "kernel_size": 1, "groups": 4}, (None, 8, 8, 6)),
    ("Conv2D", {"filters": 8, "kernel_size": 3}, (None, 8, 8)),
    ("Conv1D", {"filters": 0, "kernel_size": 3}, (None, 8, 8)),
])
def test_conv_shape_errors(cls, config, shape):
    with pytest.raises(ShapeError):
        infer_layer(cls, config, [shape])


def test_unknown_channels_leave_the_parameters_unknown():
    # the kernel's size depends on the channels: nnviz says "unknown" (None), never guesses;
    # the output is known all the same (the filters are its channels)
    layer = infer_layer("Conv2D", {"filters": 4, "kernel_size": 3}, [(None, 8, 8, None)])
    assert layer.params is None and layer.trainable_params is None
    assert layer.output_shape == (None, 6, 6, 4)
