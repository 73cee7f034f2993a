"""``nnviz.train``: build a model from a spec, train it on offline data, and keep everything a user looks at.

The stages are those the tutorials walk through: load the data, define the model
(:func:`~nnviz.training.build.build_model`), compile it with defaults chosen from
the output layer, fit it, evaluate it on the held-out test split, plot the curves.
What comes back is a :class:`TrainingRun`: the Keras model, the history, the
final test metrics and a layer graph that carries the trained weights.

Defaults from the output layer (each can be overridden):

- softmax: ``sparse_categorical_crossentropy`` for integer labels (``categorical_crossentropy``
  for one-hot targets), metric ``accuracy``;
- sigmoid: ``binary_crossentropy``, metric ``accuracy``;
- anything else: ``mse``, metric ``mae``;
- always the Adam optimizer with its own learning rate.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..errors import NnvizError, OptionError
from ..fileio import atomic_path
from ..graph import LayerGraph, TensorRef
from ..options import check_choice, strict_options
from ._deps import require
from .animate import FRAME_MS, LAST_FRAME_MS, check_gif_path, write_animation
from .data import CATEGORICAL, Dataset, fit_to_model, load_data
from .weights import snapshot, with_weights

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["train", "TrainOptions", "TrainingRun", "OutputHead", "output_head", "default_loss",
           "check_model_path", "MODEL_FORMATS", "STRATEGIES"]

MODEL_FORMATS = (".keras", ".h5", ".hdf5")
STRATEGIES = ("default", "mirrored")
_CLASSIFIERS = ("softmax", "sigmoid")


@strict_options
@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """How to train: every field is a keyword of :func:`nnviz.train`.

    Attributes:
        epochs: passes over the training split.
        batch_size: samples per gradient step (default: Keras's 32, or fewer for small data so that
            an epoch has about ten steps).
        loss: a Keras loss name; default from the output layer (see the module's docstring).
        optimizer: a Keras optimizer name.
        learning_rate: the optimizer's learning rate (default: the optimizer's own).
        metrics: Keras metric names; default ``accuracy`` for classes, ``mae`` otherwise.
        validation_split: fraction of the training data held out for validation (0 for none).
        test_split: fraction of the data held out for the final test.
        patience: stop when the validation loss has not improved for this many epochs and keep
            the best weights (``None``: train all epochs).
        seed: seeds the split, the initial weights and the shuffling, and makes TensorFlow's ops
            deterministic, so two runs give the same weights on the CPU; ``None`` for no seeding.
        strategy: ``default``, or ``mirrored`` to build the model under
            ``tf.distribute.MirroredStrategy`` (several GPUs).
        target: the CSV column to predict (default: the last).
        categorical: how CSV text columns become numbers: ``onehot`` or ``ordinal``.
        progress: show a progress bar (``None``: on a terminal, unless ``CI`` is set).
        animate: write a GIF of the weights learning to this path.
        animate_every: take a frame every this many epochs (default: about 25 frames in all).
    """

    epochs: int = 50
    batch_size: int | None = None
    loss: str | None = None
    optimizer: str = "adam"
    learning_rate: float | None = None
    metrics: tuple[str, ...] | None = None
    validation_split: float = 0.2
    test_split: float = 0.2
    patience: int | None = None
    seed: int | None = 0
    strategy: str = "default"
    target: str | None = None
    categorical: str = "onehot"
    progress: bool | None = None
    animate: str | os.PathLike | None = None
    animate_every: int | None = None

    def __post_init__(self) -> None:
        _check_positive("epochs", self.epochs)
        for name in ("batch_size", "patience", "animate_every"):
            if getattr(self, name) is not None:
                _check_positive(name, getattr(self, name))
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise OptionError(f"learning_rate must be positive, got {self.learning_rate!r}")
        check_choice("strategy", self.strategy, STRATEGIES)
        check_choice("categorical encoding", self.categorical, CATEGORICAL)
        if isinstance(self.metrics, str):
            object.__setattr__(self, "metrics", tuple(m.strip() for m in self.metrics.split(",") if m.strip()))
        elif self.metrics is not None:
            object.__setattr__(self, "metrics", tuple(self.metrics))
        if self.animate is not None:
            check_gif_path(self.animate)


def _check_positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OptionError(f"{name} must be a positive whole number, got {value!r}")


@dataclass(frozen=True)
class OutputHead:
    """What the model's output layer says about the task: its width and activation."""

    layer: str
    units: int
    activation: str

    @property
    def is_classifier(self) -> bool:
        return self.activation in _CLASSIFIERS


def output_head(graph: LayerGraph) -> OutputHead:
    """The output layer's width and activation (looking inside a nested model that is the output).

    Raises:
        NnvizError: a model with several inputs or outputs, or an output of unknown width.

    >>> import nnviz
    >>> output_head(nnviz.load({"input_shape": [4], "layers": [{"type": "Dense", "units": 3, "name": "out",
    ...                                                         "activation": "softmax"}]}))
    OutputHead(layer='out', units=3, activation='softmax')
    """
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise NnvizError(f"nnviz trains models with one input and one output; {graph.name!r} has "
                         f"{len(graph.inputs)} and {len(graph.outputs)}", path=graph.source)
    ref: TensorRef = graph.outputs[0]
    layer = graph.layer(ref.layer)
    while layer.subgraph is not None:
        graph, ref = layer.subgraph, layer.subgraph.outputs[0]
        layer = graph.layer(ref.layer)
    shapes = layer.output_shapes
    shape = shapes[min(ref.tensor, len(shapes) - 1)] if shapes else None
    if not shape or shape[-1] is None:
        raise NnvizError("the width of the model's output is unknown", path=graph.source, layer=layer.name)
    activation = layer.activation or ("softmax" if layer.type == "Softmax" else "linear")
    return OutputHead(layer.name, int(shape[-1]), activation)


def _input_shape(graph: LayerGraph) -> tuple:
    layer = graph.layer(graph.inputs[0].layer)
    return layer.output_shapes[0] if layer.output_shapes and layer.output_shapes[0] else (None,)


def check_model_path(path: str | os.PathLike) -> Path:
    """The path, if Keras can save a model under its suffix (``.keras``, ``.h5``, ``.hdf5``).

    Raises:
        OptionError: another suffix.
    """
    path = Path(path)
    if path.suffix.lower() not in MODEL_FORMATS:
        raise OptionError(f"unknown model format {path.suffix!r} (must be one of {list(MODEL_FORMATS)})",
                          path=path)
    return path


@dataclass(eq=False)
class TrainingRun:
    """The outcome of :func:`nnviz.train`.

    Attributes:
        model: the trained ``keras.Model``.
        history: the loss and metrics per epoch: ``{"loss": [...], "val_loss": [...], ...}``.
        graph: the layer graph, carrying the trained weights (``graph.weights(name)``).
        metrics: the loss and metrics on the test split after training.
        data: the data set it was trained on (splits and standardisation).
        loss, optimizer: what the model was compiled with.
        snapshots: ``(epoch, logs, weights)`` taken while training, for the animation.
    """

    model: Any
    history: dict[str, list[float]]
    graph: LayerGraph
    metrics: dict[str, float]
    data: Dataset
    loss: str
    optimizer: str
    snapshots: list[tuple[int, dict[str, float], dict[str, Any]]] = field(default_factory=list, repr=False)

    @property
    def epochs(self) -> int:
        """Epochs actually trained (fewer than asked when early stopping ended it)."""
        return len(self.history.get("loss", []))

    def plot_history(self, path: str | os.PathLike | None = None) -> "Figure":
        """The two-panel plot of the tutorials: loss, then each metric, training and validation.

        Args:
            path: also write it here (``.png``, ``.svg``, ``.pdf``), atomically.

        Returns:
            The matplotlib Figure.
        """
        from .plot import history_figure, save_figure

        fig = history_figure(self.history, title=self.graph.name, loss_name=self.loss)
        if path is not None:
            save_figure(fig, path)
        return fig

    def save(self, path: str | os.PathLike) -> Path:
        """Save the trained model as ``.keras`` (or legacy ``.h5``), atomically.

        A ``.keras`` file also carries the data's feature and class names (where they fit the
        model) in a small ``nnviz.json`` member that Keras ignores, so that a node drawing of the
        file labels its inputs and outputs with them.
        """
        path = check_model_path(path)
        with atomic_path(path) as tmp, _logger_quiet("absl"):  # Keras warns that .h5 is legacy: asked for
            self.model.save(tmp)
            names = self.neuron_names()
            if names and path.suffix.lower() == ".keras":
                import json
                import zipfile

                from ..readers.keras_zip import NAMES_MEMBER

                with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as zf:
                    zf.writestr(NAMES_MEMBER, json.dumps({k: list(v) for k, v in sorted(names.items())}))
        return path

    def animate(self, path: str | os.PathLike, *, frame_ms: int = FRAME_MS,
                last_frame_ms: int = LAST_FRAME_MS) -> Path:
        """Write the weight snapshots as an animated GIF, neurons labelled with the data's names.

        Args:
            path: the ``.gif`` to write.
            frame_ms, last_frame_ms: how long each frame, and the last one, shows.
        """
        if not self.snapshots:
            raise NnvizError("this run took no weight snapshots", hint="train with animate=PATH.gif")
        return write_animation(self.graph, self.snapshots, path, node_options=self.neuron_names(),
                               frame_ms=frame_ms, last_frame_ms=last_frame_ms)

    def neuron_names(self) -> dict[str, tuple[str, ...]]:
        """``feature_names`` and ``output_names`` for the node style, where the data's names fit the model.

        Use as ``nnviz.draw(run.graph, style="node", weights=True, **run.neuron_names())``.
        """
        head, shape = output_head(self.graph), _input_shape(self.graph)
        names = {}
        if shape[1:] == (len(self.data.feature_names),):
            names["feature_names"] = self.data.feature_names
        if self.data.class_names is not None and len(self.data.class_names) == head.units:
            names["output_names"] = self.data.class_names
        return names

    def metrics_text(self) -> str:
        """The test metrics on one line: ``test loss 0.0712, accuracy 0.9667``."""
        return "test " + ", ".join(f"{k} {v:.4g}" for k, v in self.metrics.items())

    def __repr__(self) -> str:
        return f"<TrainingRun {self.graph.name!r}: {self.epochs} epochs, {self.metrics_text()}>"


def train(source: Any, data: str | os.PathLike = "synthetic", **options: Any) -> TrainingRun:
    """Build a model from a spec (or any model nnviz reads), train it, and evaluate it.

    Args:
        source: an nnviz spec (path or dict), a Keras config or model file, or a layer graph.
        data: ``iris``, ``digits``, ``wine``, ``breast_cancer``, ``diabetes``, a ``.csv`` or ``.npz``
            file, or ``synthetic[:classification|:regression][?n=..&features=..&classes=..]``.
        **options: the fields of :class:`TrainOptions` (``epochs``, ``batch_size``, ``loss``,
            ``optimizer``, ``learning_rate``, ``metrics``, ``validation_split``, ``test_split``,
            ``patience``, ``seed``, ``strategy``, ``target``, ``categorical``, ``progress``,
            ``animate``, ``animate_every``).

    Returns:
        A :class:`TrainingRun`.

    Raises:
        NnvizError: the model cannot be built or does not fit the data.
        OptionError: an unknown option or value.
        MissingDependencyError: TensorFlow is not installed.

    >>> run = train("examples/iris.json", data="iris", epochs=2)  # doctest: +SKIP
    >>> sorted(run.metrics)  # doctest: +SKIP
    ['accuracy', 'loss']
    """
    from ..loading import load
    from .build import build_model

    opts = TrainOptions(**options)
    tf, keras = require("tensorflow"), require("keras")
    graph = load(source)
    head = output_head(graph)
    if opts.seed is not None:
        keras.utils.set_random_seed(opts.seed)
        tf.config.experimental.enable_op_determinism()
    dataset = _load(data, graph, head, opts)
    with _strategy_scope(tf, opts.strategy):
        model = build_model(graph)
        loss = _compile(keras, model, head, dataset, opts)
    recorder = _Recorder(_frame_every(opts)) if opts.animate is not None else None
    history, scores = _fit(tf, keras, model, dataset, [_targets(y, loss, head) for y in
                                                       (dataset.y_train, dataset.y_val, dataset.y_test)],
                           opts, recorder)
    run = TrainingRun(model, history, with_weights(graph, snapshot(model)), scores, dataset, loss,
                      opts.optimizer, recorder.snapshots if recorder else [])
    if opts.animate is not None:
        run.animate(opts.animate)
    return run


def _fit(tf: Any, keras: Any, model: Any, data: Dataset, targets: list, opts: TrainOptions,
         recorder: _Recorder | None) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Fit on the training split (validating on the validation split), evaluate on the test split.

    Returns:
        The history per epoch and the test scores, as plain floats.
    """
    batch_size = opts.batch_size or _auto_batch_size(len(data.x_train))
    has_validation = len(data.x_val) > 0
    train_set = _batches(tf, data.x_train, targets[0], batch_size, seed=opts.seed, shuffle=True)
    val_set = _batches(tf, data.x_val, targets[1], batch_size) if has_validation else None
    history = model.fit(train_set, epochs=opts.epochs, validation_data=val_set, shuffle=False, verbose=0,
                        callbacks=_callbacks(keras, opts, has_validation, recorder))
    scores = model.evaluate(_batches(tf, data.x_test, targets[2], batch_size), verbose=0, return_dict=True)
    return ({k: [float(v) for v in values] for k, values in history.history.items()},
            {k: float(v) for k, v in scores.items()})


def _load(data: str | os.PathLike, graph: LayerGraph, head: OutputHead, opts: TrainOptions) -> Dataset:
    """The data, split and fitted to the model's input and output."""
    shape = _input_shape(graph)
    width = math.prod(shape[1:]) if None not in shape[1:] else None
    defaults = {"kind": "classification" if head.is_classifier else "regression", "features": width,
                "classes": head.units if head.activation == "softmax" else 2}
    dataset = load_data(data, target=opts.target, seed=opts.seed, test_split=opts.test_split,
                        validation_split=opts.validation_split, categorical=opts.categorical,
                        defaults=defaults)
    return fit_to_model(dataset, shape, units=head.units, activation=head.activation)


@contextlib.contextmanager
def _logger_quiet(name: str) -> Iterator[None]:
    """Only errors from the ``logging`` logger ``name`` for a while."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _strategy_scope(tf: Any, strategy: str) -> Iterator[None]:
    """Build and compile under ``tf.distribute.MirroredStrategy`` when asked."""
    if strategy == "mirrored":
        with tf.distribute.MirroredStrategy().scope():
            yield
    else:
        yield


def default_loss(head: OutputHead, data: Dataset) -> str:
    """The loss the output layer calls for (see the module's docstring)."""
    if head.activation == "softmax":
        return "sparse_categorical_crossentropy" if data.target_width == 1 else "categorical_crossentropy"
    if head.activation == "sigmoid":
        return "binary_crossentropy"
    return "mse"


def _compile(keras: Any, model: Any, head: OutputHead, data: Dataset, opts: TrainOptions) -> str:
    """Compile with the chosen loss, optimizer and metrics; returns the loss's name."""
    loss = opts.loss or default_loss(head, data)
    metrics = list(opts.metrics if opts.metrics is not None else
                   (["accuracy"] if head.is_classifier else ["mae"]))
    _check_names(keras.losses.get, "loss", [loss])
    _check_names(keras.metrics.get, "metric", [m for m in metrics if m not in ("accuracy", "acc")])
    model.compile(optimizer=_optimizer(keras, opts), loss=loss, metrics=metrics)
    return loss


def _check_names(get: Any, kind: str, names: list[str]) -> None:
    for name in names:
        try:
            get(name)
        except (ValueError, TypeError) as err:
            raise OptionError(f"unknown {kind} {name!r} (Keras says: {err})") from None


def _optimizer(keras: Any, opts: TrainOptions) -> Any:
    try:
        cls = type(keras.optimizers.get(opts.optimizer))
    except (ValueError, TypeError) as err:
        raise OptionError(f"unknown optimizer {opts.optimizer!r} (Keras says: {err})") from None
    return cls() if opts.learning_rate is None else cls(learning_rate=opts.learning_rate)


def _auto_batch_size(rows: int) -> int:
    """Keras's 32, or fewer for small data, so that an epoch has about ten steps."""
    return max(1, min(32, rows // 10))


def _batches(tf: Any, x: Any, y: Any, batch_size: int, *, seed: int | None = None, shuffle: bool = False) -> Any:
    """A ``tf.data`` pipeline of batches, reshuffled each epoch (seeded) when ``shuffle``.

    Keras's own pipeline for NumPy arrays builds a fresh iterator each epoch, which costs
    more than a small model's whole epoch; a cached dataset does not.
    """
    data = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(2)


def _targets(y: Any, loss: str, head: OutputHead) -> Any:
    """Targets as the loss expects them: labels for a sparse loss, else floats (labels one-hot)."""
    if "sparse" in loss:
        return y
    if y.ndim == 1 and y.dtype.kind in "iu" and head.units > 1:
        return np.eye(head.units, dtype="float32")[y]
    return y.astype("float32")


def _frame_every(opts: TrainOptions, frames: int = 25) -> int:
    return opts.animate_every or max(1, math.ceil(opts.epochs / frames))


def _show_progress(opts: TrainOptions) -> bool:
    if opts.progress is not None:
        return opts.progress
    ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    return sys.stderr.isatty() and not ci


class _Recorder:
    """Collects weight snapshots: before training, every ``every`` epochs, and after the last."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.snapshots: list[tuple[int, dict[str, float], dict[str, Any]]] = []

    def take(self, model: Any, epoch: int, logs: dict[str, Any] | None) -> None:
        entry = (epoch, {k: float(v) for k, v in (logs or {}).items()}, snapshot(model))
        if self.snapshots and self.snapshots[-1][0] == epoch:
            self.snapshots[-1] = entry
        else:
            self.snapshots.append(entry)


def _callbacks(keras: Any, opts: TrainOptions, has_validation: bool, recorder: _Recorder | None) -> list:
    """Early stopping, the progress bar and the snapshot recorder, as the options ask."""
    out = []
    if opts.patience is not None:
        out.append(keras.callbacks.EarlyStopping(monitor="val_loss" if has_validation else "loss",
                                                 patience=opts.patience, restore_best_weights=True))
    if _show_progress(opts):
        out.append(_progress_callback(keras, opts.epochs))
    if recorder is not None:
        out.append(_snapshot_callback(keras, recorder))
    return out


def _progress_callback(keras: Any, epochs: int) -> Any:
    """A tqdm bar over the epochs, showing the loss and metrics of the last one."""
    from tqdm.auto import tqdm

    class Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            self.bar = tqdm(total=epochs, unit="epoch", desc="training", leave=True)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in (logs or {}).items()}, refresh=False)
            self.bar.update(1)

        def on_train_end(self, logs: Any = None) -> None:
            self.bar.close()

    return Progress()


def _snapshot_callback(keras: Any, recorder: _Recorder) -> Any:
    """A callback that hands the model to ``recorder`` at the start and every few epochs."""

    class Snapshots(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            recorder.take(self.model, 0, None)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.last = (epoch + 1, logs)
            if (epoch + 1) % recorder.every == 0:
                recorder.take(self.model, epoch + 1, logs)

        def on_train_end(self, logs: Any = None) -> None:
            # the weights training ends with (the best ones, after early stopping restored them)
            epoch, last_logs = getattr(self, "last", (0, None))
            recorder.take(self.model, epoch, last_logs)

    return Snapshots()
