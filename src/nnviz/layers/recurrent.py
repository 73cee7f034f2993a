"""Inference for the recurrent family: Embedding, SimpleRNN, LSTM, GRU, RNN of cells, ConvLSTM.

An RNN layer's first input is the sequence, ``(batch, time, features)``; any
further inputs are its initial states and change nothing. Its outputs are the
last output (or the whole sequence with ``return_sequences``), followed by the
final states with ``return_state``: ``[out, h, c]`` for an LSTM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ShapeError
from ..graph import Shape, Weight
from .aliases import modernize
from .registry import (Inferred, UnknownShape, activation_name, channels_axis, conv_output_length, infers,
                       normalize_tuple, one_input, weight)

__all__ = ["freeze_unless_trainable", "Cell", "cell_of"]


def freeze_unless_trainable(cfg: Mapping[str, Any], weights: list[Weight]) -> list[Weight]:
    """An inner layer or cell stored with ``trainable: false`` holds only non-trainable weights.

    The outer layer's own flag is applied by the engine; this one is invisible to it.
    """
    if cfg.get("trainable", True):
        return weights
    return [replace(w, trainable=False) for w in weights]


# -- Embedding -------------------------------------------------------------------------

@infers("Embedding")
def embedding(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "Embedding")
    input_dim, output_dim = int(cfg["input_dim"]), int(cfg["output_dim"])
    dims = list(shape[1:])
    length = cfg.get("input_length")
    if length is not None:
        # Keras 1/2 only: the stated length fills in (and must agree with) the input's dims
        lengths = list(length) if isinstance(length, (list, tuple)) else [length]
        if len(lengths) != len(dims):
            raise ShapeError(f"Embedding input_length {length} does not fit an input of shape {shape}")
        for i, (stated, got) in enumerate(zip(lengths, dims)):
            if stated is not None and got is not None and int(stated) != got:
                raise ShapeError(f"Embedding input_length {length} does not fit an input of shape {shape}")
            if got is None and stated is not None:
                dims[i] = int(stated)
    rank = cfg.get("lora_rank")
    if rank:
        # Keras 3 LoRA: the full table is frozen, two low-rank factors train instead
        w = [weight("embeddings", input_dim, output_dim, trainable=False),
             weight("lora_embeddings_a", input_dim, int(rank)), weight("lora_embeddings_b", int(rank), output_dim)]
    else:
        w = [weight("embeddings", input_dim, output_dim)]
    return Inferred([(shape[0], *dims, output_dim)], w, units=output_dim)


# -- cells -----------------------------------------------------------------------------

@dataclass
class Cell:
    """What an RNN cell contributes: its weights, the sizes of its states and its output size."""

    weights: list[Weight]
    states: list[int]
    output: int
    activation: str | None = None


def _simple_cell(cfg: Mapping[str, Any], input_dim: int | None) -> Cell:
    units = int(cfg["units"])
    w = [weight("kernel", input_dim, units), weight("recurrent_kernel", units, units)]
    if cfg.get("use_bias", True):
        w.append(weight("bias", units))
    return Cell(w, [units], units, activation_name(cfg.get("activation", "tanh")))


def _lstm_cell(cfg: Mapping[str, Any], input_dim: int | None, cudnn: bool = False) -> Cell:
    # Keras 1 stored twelve per-gate arrays (W_i, U_i, b_i, ...); they add up to these three
    units = int(cfg["units"])
    w = [weight("kernel", input_dim, 4 * units), weight("recurrent_kernel", units, 4 * units)]
    if cfg.get("use_bias", True):
        # Keras 2's CuDNNLSTM keeps the input and the recurrent biases in one flat vector
        w.append(weight("bias", (8 if cudnn else 4) * units))
    return Cell(w, [units, units], units, activation_name(cfg.get("activation", "tanh")))


def _gru_cell(cfg: Mapping[str, Any], input_dim: int | None, cudnn: bool = False) -> Cell:
    units = int(cfg["units"])
    w = [weight("kernel", input_dim, 3 * units), weight("recurrent_kernel", units, 3 * units)]
    if cfg.get("use_bias", True):
        if cudnn:
            w.append(weight("bias", 6 * units))  # CuDNNGRU: input and recurrent biases, flat
        elif cfg.get("reset_after", True):
            # Keras 3's default; the config reader sets False for configs written before the
            # key existed (Keras 1, early Keras 2), which meant False
            w.append(weight("bias", 2, 3 * units))
        else:
            w.append(weight("bias", 3 * units))
    return Cell(w, [units], units, activation_name(cfg.get("activation", "tanh")))


def _stacked_cells(cfg: Mapping[str, Any], input_dim: int | None) -> Cell:
    cells = cfg.get("cells")
    if not isinstance(cells, list) or not cells:
        raise ShapeError("StackedRNNCells has no cells")
    return _stack(cells, input_dim)


def _stack(entries: Sequence[Any], input_dim: int | None) -> Cell:
    weights: list[Weight] = []
    states: list[int] = []
    cell = None
    for entry in entries:
        cell = cell_of(entry, input_dim)
        weights += cell.weights
        states += cell.states
        input_dim = cell.output  # each cell reads the previous one's output
    assert cell is not None
    return Cell(weights, states, cell.output, cell.activation)


_CELLS = {"SimpleRNNCell": _simple_cell, "LSTMCell": _lstm_cell, "GRUCell": _gru_cell,
          "StackedRNNCells": _stacked_cells}


def cell_of(entry: Any, input_dim: int | None) -> Cell:
    """The cell serialized as ``entry`` (``{"class_name", "config"}``, or a list of them) on steps of ``input_dim``."""
    if isinstance(entry, list):  # an RNN given a list of cells wraps them in StackedRNNCells
        if not entry:
            raise ShapeError("an RNN layer has an empty list of cells")
        return _stack(entry, input_dim)
    if not isinstance(entry, Mapping) or not isinstance(entry.get("class_name"), str):
        raise UnknownShape("RNN cell is not a serialized Keras object")
    cls, cfg = modernize(entry["class_name"], entry.get("config") or {})
    fn = _CELLS.get(cls)
    if fn is None:
        raise UnknownShape(f"nnviz does not know the RNN cell {cls!r}")
    cell = fn(cfg, input_dim)
    return replace(cell, weights=freeze_unless_trainable(cfg, cell.weights))


# -- RNN layers ------------------------------------------------------------------------

def _sequence(inputs: Sequence[Shape], cls: str, rank: int | None = 3) -> Shape:
    seq = one_input(inputs, cls)
    if (rank is not None and len(seq) != rank) or len(seq) < 3:
        want = f"rank {rank}" if rank is not None else "rank 3 or more"
        raise ShapeError(f"{cls} needs a sequence of {want} (batch, time, ...), got {seq}")
    return seq


def _rnn_outputs(cfg: Mapping[str, Any], seq: Shape, step_out: Shape,
                 states: Sequence[Shape]) -> list[Shape]:
    """``step_out`` and ``states`` exclude the batch dimension."""
    batch = seq[0]
    out = (batch, seq[1], *step_out) if cfg.get("return_sequences", False) else (batch, *step_out)
    if cfg.get("return_state", False):
        return [out, *[(batch, *s) for s in states]]
    return [out]


def _rnn_layer(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    seq = _sequence(inputs, cls)
    cell = _LAYER_CELLS[cls](cfg, seq[-1])
    outs = _rnn_outputs(cfg, seq, (cell.output,), [(s,) for s in cell.states])
    return Inferred(outs, cell.weights, activation=cell.activation)


# Keras 2's CuDNNLSTM/CuDNNGRU keep the input and the recurrent biases in one flat vector
_LAYER_CELLS = {"SimpleRNN": _simple_cell, "LSTM": _lstm_cell, "GRU": _gru_cell,
                "CuDNNLSTM": lambda cfg, dim: _lstm_cell(cfg, dim, cudnn=True),
                "CuDNNGRU": lambda cfg, dim: _gru_cell(cfg, dim, cudnn=True)}

for _name in _LAYER_CELLS:
    infers(_name)(lambda cfg, inputs, _c=_name: _rnn_layer(cfg, inputs, _c))


@infers("RNN")
def rnn(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    seq = _sequence(inputs, "RNN", rank=None)
    cell = cell_of(cfg.get("cell"), seq[-1])
    outs = _rnn_outputs(cfg, seq, (cell.output,), [(s,) for s in cell.states])
    return Inferred(outs, cell.weights, units=cell.output, activation=cell.activation)


def _conv_lstm(cfg: Mapping[str, Any], inputs: Sequence[Shape], rank: int) -> Inferred:
    cls = f"ConvLSTM{rank}D"
    seq = _sequence(inputs, cls, rank=rank + 3)
    filters = int(cfg["filters"])
    kernel = normalize_tuple(cfg["kernel_size"], rank, "kernel_size")
    strides = normalize_tuple(cfg.get("strides", 1), rank, "strides")
    dilation = normalize_tuple(cfg.get("dilation_rate", 1), rank, "dilation_rate")
    padding = str(cfg.get("padding", "valid"))
    first = channels_axis(cfg) == 1
    step = seq[2:]  # one time step, without the batch dimension
    spatial, channels = (step[1:], step[0]) if first else (step[:-1], step[-1])
    out_spatial = tuple(conv_output_length(n, k, padding, s, d)
                        for n, k, s, d in zip(spatial, kernel, strides, dilation))
    step_out = (filters, *out_spatial) if first else (*out_spatial, filters)
    w = [weight("kernel", *kernel, channels, 4 * filters), weight("recurrent_kernel", *kernel, filters, 4 * filters)]
    if cfg.get("use_bias", True):
        w.append(weight("bias", 4 * filters))
    return Inferred(_rnn_outputs(cfg, seq, step_out, [step_out, step_out]), w)


for _rank in (1, 2, 3):
    infers(f"ConvLSTM{_rank}D")(lambda cfg, inputs, _r=_rank: _conv_lstm(cfg, inputs, _r))
