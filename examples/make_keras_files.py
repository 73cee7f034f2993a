"""Write the real Keras files of the gallery (``examples/keras/``) with TensorFlow.

The specs in ``examples/`` are written by hand; these files show the other
half of what nnviz reads: models saved by Keras itself. Each is small (well
under 1 MB with its weights), seeded, and described by one line in
``examples/README.md`` (the gallery takes its description from there).

A Keras file records the date it was saved, so saving again changes its
bytes, which makes the gallery stale. The script therefore writes only the
files that are missing; ``--force`` writes them all again.

Usage::

    python examples/make_keras_files.py            # write the missing files
    python examples/make_keras_files.py --force    # write every file again
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent / "keras"
MAX_BYTES = 1024 * 1024
COUNTS: dict[str, int] = {}  # Keras's count_params() of each file written (printed; the gallery test holds them)


def cnn() -> "keras.Model":
    """A small CNN for the 8x8 scikit-learn digits, Sequential API."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(8, 8, 1), name="digit"),
        layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dense(10, activation="softmax", name="digit_class"),
    ], name="digits_cnn")


def cnn_tuned() -> "keras.Model":
    """``cnn.keras`` changed and fine-tuned, the B side of the gallery's diff example
    (``diffs/cnn_tuned.diff.json``): pool1 dropped (conv2 strides 2 instead), batch normalisation
    after conv2, dropout before the head, conv1 frozen; the weights of cnn.keras trained two
    epochs on scikit-learn's digits."""
    import keras
    from keras import layers
    from sklearn.datasets import load_digits

    base = keras.models.load_model(HERE / "cnn.keras")  # sorted first in MODELS: written before this
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1), name="digit"),
        layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1", trainable=False),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="conv2"),
        layers.BatchNormalization(name="bn2"),
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax", name="digit_class"),
    ], name="digits_cnn_tuned")
    for name in ("conv1", "conv2", "digit_class"):
        model.get_layer(name).set_weights(base.get_layer(name).get_weights())
    digits = load_digits()
    x = (digits.images / 16.0)[..., None].astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, digits.target, epochs=2, batch_size=64, shuffle=False, verbose=0)
    return model


def lstm() -> "keras.Model":
    """An LSTM sentiment classifier over 80 token ids, Sequential API."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(80,), name="tokens"),
        layers.Embedding(2000, 32, name="embedding"),
        layers.LSTM(32, name="lstm"),
        layers.Dense(1, activation="sigmoid", name="sentiment"),
    ], name="lstm_sentiment")


def iris_mlp() -> "keras.Model":
    """The iris MLP, 4-8-3, Functional API (drawn in node style too)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(4,), name="measurements")
    x = layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(3, activation="softmax", name="species")(x)
    return keras.Model(inputs, outputs, name="iris_mlp")


def seq2seq_lstm() -> "keras.Model":
    """The Keras character-level seq2seq: the encoder LSTM's states [h, c] start the decoder."""
    import keras
    from keras import layers

    encoder_inputs = keras.Input(shape=(None, 30), name="encoder_inputs")
    _, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 40), name="decoder_inputs")
    decoded = layers.LSTM(64, return_sequences=True, name="decoder")(
        decoder_inputs, initial_state=[state_h, state_c])
    outputs = layers.Dense(40, activation="softmax", name="next_char")(decoded)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="seq2seq_lstm")


def gemma_backbone() -> "keras.Model":
    """A tiny KerasHub GemmaBackbone (4 decoder blocks, hidden 64): its config holds hyperparameters,
    so the .keras file stores no graph, only the layer tree of its weights (KerasHub needed)."""
    import keras_hub

    return keras_hub.models.GemmaBackbone(vocabulary_size=512, num_layers=4, num_query_heads=4,
                                          num_key_value_heads=1, hidden_dim=64, intermediate_dim=128, head_dim=16,
                                          name="gemma_backbone")


def subclassed_mlp() -> "keras.Model":
    """A subclassed keras.Model: a stem, three residual blocks (a custom Layer with a norm and two
    Dense layers each) and a head; its .keras file stores no graph (its call is code)."""
    import keras
    from keras import layers

    class ResidualBlock(layers.Layer):
        def __init__(self, units: int, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.norm = layers.LayerNormalization()
            self.expand = layers.Dense(units * 2, activation="gelu")
            self.project = layers.Dense(units)

        def call(self, x):
            return x + self.project(self.expand(self.norm(x)))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class ResidualMLP(keras.Model):
        def __init__(self, units: int = 32, classes: int = 3, **kwargs):
            super().__init__(**kwargs)
            self.units, self.classes = units, classes
            self.stem = layers.Dense(units, activation="relu")
            self.blocks = [ResidualBlock(units) for _ in range(3)]
            self.head = layers.Dense(classes, activation="softmax")

        def call(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units, "classes": self.classes}

    model = ResidualMLP(name="residual_mlp")
    model(keras.ops.zeros((1, 16)))  # built: a subclassed model saves its weights once it has them
    return model


# file name -> the function that builds its model; the suffix picks the format
def resnet50() -> "keras.Model":
    """keras.applications.ResNet50 without weights: its architecture only, as ``to_json()`` writes it."""
    import keras

    return keras.applications.ResNet50(weights=None)


MODELS: dict[str, Callable[[], "keras.Model"]] = {
    "cnn.keras": cnn,
    "cnn_tuned.keras": cnn_tuned,
    "lstm.h5": lstm,
    "iris_mlp.keras": iris_mlp,
    "seq2seq_lstm.keras": seq2seq_lstm,
    "gemma_backbone.keras": gemma_backbone,
    "subclassed_mlp.keras": subclassed_mlp,
    "resnet50.json": resnet50,  # .json: the architecture alone (to_json())
}


def write(name: str, build: Callable[[], "keras.Model"], folder: Path) -> Path:
    """Build one seeded model and save it as ``folder / name``.

    Args:
        name: the file name; ``.keras`` saves a Keras 3 zip, ``.h5`` the legacy HDF5 format,
            ``.json`` the architecture alone (``to_json()``, no weights).
        build: a function returning the (uncompiled) model.
        folder: where to write.

    Returns:
        The path written.

    Raises:
        RuntimeError: the saved file is larger than 1 MB.
    """
    import keras

    keras.utils.set_random_seed(0)
    model = build()
    path = folder / name
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")  # Keras picks the format by suffix
    if path.suffix == ".json":
        tmp.write_text(model.to_json(), encoding="utf-8")
    else:
        model.save(tmp)
    size = tmp.stat().st_size
    if size > MAX_BYTES:
        tmp.unlink()
        raise RuntimeError(f"{name} is {size:,} bytes; keep example files under 1 MB")
    os.replace(tmp, path)
    COUNTS[name] = model.count_params()
    return path


def main(argv: list[str] | None = None) -> None:
    """Write the missing Keras files (all of them with ``--force``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="write every file again")
    args = parser.parse_args(argv)
    HERE.mkdir(exist_ok=True)
    for name, build in sorted(MODELS.items()):
        if (HERE / name).exists() and not args.force:
            print(f"kept  {HERE / name}")
            continue
        path = write(name, build, HERE)
        print(f"wrote {path} ({path.stat().st_size:,} bytes, {COUNTS[name]:,} parameters by Keras)")


if __name__ == "__main__":
    main()
