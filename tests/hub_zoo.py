"""Tiny KerasHub backbones and subclassed Keras models for the tests of modern models (issue 12).

Each builder returns a fresh model; sizes are tiny so that the whole zoo builds in seconds.
Only imported by tests that are marked ``needs_tf`` (``import keras_hub`` loads TensorFlow).
"""

from __future__ import annotations

from typing import Any, Callable


def _hub():
    import keras_hub

    return keras_hub.models


def gemma() -> Any:
    return _hub().GemmaBackbone(vocabulary_size=50, num_layers=3, num_query_heads=2, num_key_value_heads=1,
                                hidden_dim=16, intermediate_dim=32, head_dim=8, name="gemma")


def bert() -> Any:
    return _hub().BertBackbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
                               max_sequence_length=24, name="bert")


def gpt2() -> Any:
    return _hub().GPT2Backbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
                               max_sequence_length=24, name="gpt2")


def llama() -> Any:
    return _hub().LlamaBackbone(vocabulary_size=50, num_layers=2, num_query_heads=4, num_key_value_heads=2,
                                hidden_dim=16, intermediate_dim=32, name="llama")


def mistral() -> Any:
    return _hub().MistralBackbone(vocabulary_size=50, num_layers=2, num_query_heads=4, num_key_value_heads=2,
                                  hidden_dim=16, intermediate_dim=32, name="mistral")


def vit() -> Any:
    return _hub().ViTBackbone(image_shape=(16, 16, 3), patch_size=4, num_layers=2, num_heads=2, hidden_dim=16,
                              mlp_dim=32, name="vit")


def resnet() -> Any:
    return _hub().ResNetBackbone(input_conv_filters=[64], input_conv_kernel_sizes=[3],
                                 stackwise_num_filters=[64, 32], stackwise_num_blocks=[2, 2],
                                 stackwise_num_strides=[1, 2], block_type="basic_block",
                                 image_shape=(32, 32, 3), name="resnet")


def bart() -> Any:
    return _hub().BartBackbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
                               max_sequence_length=24, name="bart")


def t5() -> Any:
    return _hub().T5Backbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
                             name="t5")


def whisper() -> Any:
    return _hub().WhisperBackbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
                                  num_mels=8, max_encoder_sequence_length=32, max_decoder_sequence_length=16,
                                  name="whisper")


HUB: dict[str, Callable[[], Any]] = {f.__name__: f for f in (gemma, bert, gpt2, llama, mistral, vit, resnet,
                                                               bart, t5, whisper)}


def sample_inputs(model: Any, free: int = 8) -> Any:
    """Inputs for ``model``: its input structure with free axes set to ``free`` (ones for integers)."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)

    def one(t: Any) -> Any:
        shape = tuple(1 if i == 0 else (free if d is None else d) for i, d in enumerate(t.shape))
        if "int" in str(t.dtype) or "bool" in str(t.dtype):
            return np.ones(shape, dtype=str(t.dtype))
        return rng.standard_normal(shape).astype(str(t.dtype))

    return keras.tree.map_structure(one, model.input)


def node_counts(model: Any) -> dict[str, int]:
    """Inbound node count of every layer of ``model``, nested layers included (by path)."""
    out = {}
    for layer in model._flatten_layers(include_self=True, recursive=True):
        out[f"{layer.name}#{id(layer)}"] = len(layer._inbound_nodes)
    return out


# -- a Gemma-2B-shaped preset without its 10 GB of weights -------------------------------------------

GEMMA_2B = dict(vocabulary_size=256_000, num_layers=18, num_query_heads=8, num_key_value_heads=1, hidden_dim=2048,
                intermediate_dim=32_768, head_dim=256)
GEMMA_2B_PARAMS = 2_506_172_416  # KerasHub's gemma_2b_en


def write_gemma_2b_preset(folder) -> None:
    """A preset folder shaped like Gemma 2B whose HDF5 datasets are declared but never written.

    The layout is KerasHub's ``save_to_preset`` (storage names after classes and attributes, each
    ``vars`` group naming its layer); the file is a few KB. Needs only h5py.
    """
    import json
    from pathlib import Path

    import h5py

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    c = GEMMA_2B
    h, hd, q, kv, ff = c["hidden_dim"], c["head_dim"], c["num_query_heads"], c["num_key_value_heads"], \
        c["intermediate_dim"] // 2
    config = {"module": "keras_hub.src.models.gemma.gemma_backbone", "class_name": "GemmaBackbone",
              "config": {"name": "gemma_backbone", "trainable": True, **c, "layer_norm_epsilon": 1e-6,
                         "dropout": 0},
              "registered_name": "keras_hub>GemmaBackbone"}
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    (folder / "metadata.json").write_text(json.dumps({"keras_version": "3.15.1", "keras_hub_version": "0.32.0",
                                                      "parameter_count": GEMMA_2B_PARAMS, "tasks": ["CausalLM"]}))

    def layer(f, path, name, *shapes):
        g = f.create_group(f"{path}/vars")
        g.attrs["name"] = name
        for i, s in enumerate(shapes):
            g.create_dataset(str(i), shape=s, dtype="f4")  # declared, never written: no storage

    with h5py.File(folder / "model.weights.h5", "w") as f:
        f.create_group("vars").attrs["name"] = "gemma_backbone"
        layer(f, "layers/input_layer", "token_ids")
        layer(f, "layers/input_layer_1", "padding_mask")
        layer(f, "layers/reversible_embedding", "token_embedding", (c["vocabulary_size"], h))
        for i in range(c["num_layers"]):
            b = "layers/gemma_decoder_block" + (f"_{i}" if i else "")
            layer(f, b, f"decoder_block_{i}")
            layer(f, f"{b}/pre_attention_norm", "pre_attention_norm", (h,))
            layer(f, f"{b}/attention", "attention")
            layer(f, f"{b}/attention/query_dense", "query", (q, h, hd))
            layer(f, f"{b}/attention/key_dense", "key", (kv, h, hd))
            layer(f, f"{b}/attention/value_dense", "value", (kv, h, hd))
            layer(f, f"{b}/attention/output_dense", "attention_output", (q, hd, h))
            layer(f, f"{b}/attention/softmax", f"softmax_{i}" if i else "softmax")
            layer(f, f"{b}/pre_ffw_norm", "pre_ffw_norm", (h,))
            layer(f, f"{b}/gating_ffw", "ffw_gating", (h, ff))
            layer(f, f"{b}/gating_ffw_2", "ffw_gating_2", (h, ff))
            layer(f, f"{b}/ffw_linear", "ffw_linear", (ff, h))
        layer(f, "layers/rms_normalization", "final_normalization", (h,))


# -- subclassed models of one's own ----------------------------------------------------------------------

def subclassed_models():
    """Three subclassed models: a residual MLP (``+``), a VAE (a sampling layer, nested Sequentials)
    and an attention model. Returns ``{name: (model class, input shape)}``."""
    import keras
    from keras import layers, ops

    class ResidualMLP(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inp = layers.Dense(16, activation="relu", name="inp")
            self.blocks = [layers.Dense(16, activation="relu", name=f"block_{i}") for i in range(3)]
            self.unused = layers.Dense(7, name="unused")
            self.head = layers.Dense(2, name="head")

        def call(self, x):
            x = self.inp(x)
            for block in self.blocks:
                x = x + block(x)
            return self.head(x)

    class Sampling(layers.Layer):
        def call(self, inputs):
            mean, log_var = inputs
            eps = keras.random.normal(ops.shape(mean))
            return mean + ops.exp(0.5 * log_var) * eps

    class VAE(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(16)],
                                            name="encoder")
            self.mean = layers.Dense(4, name="z_mean")
            self.log_var = layers.Dense(4, name="z_log_var")
            self.sampling = Sampling(name="sampling")
            self.decoder = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(20)],
                                            name="decoder")

        def call(self, x):
            h = self.encoder(x)
            z = self.sampling([self.mean(h), self.log_var(h)])
            return self.decoder(z)

    class AttentionModel(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embed = layers.Embedding(100, 16, name="embed")
            self.attn = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attn")
            self.norm = layers.LayerNormalization(name="norm")
            self.pool = layers.GlobalAveragePooling1D(name="pool")
            self.out = layers.Dense(3, activation="softmax", name="out")

        def call(self, tokens):
            x = self.embed(tokens)
            x = self.norm(x + self.attn(x, x))
            return self.out(self.pool(x))

    return {"residual_mlp": (ResidualMLP, (20,)), "vae": (VAE, (20,)), "attention": (AttentionModel, (12,))}
