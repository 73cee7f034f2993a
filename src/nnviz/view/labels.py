"""Names on the page: one rule for what a folded group is called, and long names shortened.

Every folded group (a run of repeated copies, a branching module, a group in a
diff) is named by :func:`group_label`: the common prefix of its members' names
plus the range of what varies (``res_block_1..20``, ``conv4_block2..6``), or its
class name when the names share nothing (``Dense``: Keras's automatic names such
as ``dense_7`` say nothing about a group). The count (``×20``) is drawn beside it.

:func:`cut_name` shortens a long name at its ``_``, ``.``, ``/`` or space
boundaries, never in the middle of a word.

>>> group_label([["res_block_1"], ["res_block_2"], ["res_block_20"]])
'res_block_1..20'
>>> group_label([["dense"], ["dense_1"], ["dense_119"]], ["Dense"])
'Dense'
>>> cut_name("convnext_tiny_stage_0_block_0_depthwise_conv")
'convnext_…_block_0_depthwise_conv'
"""

from __future__ import annotations

import functools
import os
import re
from typing import Iterable, Sequence

from ..layers.aliases import CLASS_ALIASES
from ..layers.names import snake_case

__all__ = ["group_label", "range_label", "class_label", "copy_label", "is_automatic", "cut_name"]

_SHORT = {"BatchNormalization": "BN", "LayerNormalization": "LN"}
# Keras's automatic names of the commonest classes, beside those of the group's own classes
_COMMON = ("InputLayer", "Input", "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "DepthwiseConv2D",
           "SeparableConv2D", "BatchNormalization", "LayerNormalization", "Activation", "ReLU", "LeakyReLU",
           "PReLU", "ELU", "Softmax", "Dropout", "SpatialDropout2D", "Add", "Concatenate", "Multiply",
           "Average", "Subtract", "Maximum", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
           "GlobalMaxPooling2D", "ZeroPadding2D", "UpSampling2D", "Flatten", "Reshape", "Lambda",
           "Embedding", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "TimeDistributed", "Functional",
           "Sequential", "Model", "MultiHeadAttention", "Attention", "Rescaling", "Normalization",
           "TFOpLambda", "TensorFlowOpLayer")
_NUMBERED = re.compile(r"^(.*?)(?:_\d+)?$")
_SEGMENTS = re.compile(r"([_./ ]+)")


def _bases(types: Iterable[str]) -> frozenset[str]:
    """The automatic names (without their ``_N``) Keras gives layers of these classes, in every era."""
    return _bases_of(tuple(sorted(set(types))))


@functools.lru_cache(maxsize=256)
def _bases_of(types: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for t in (*_COMMON, *types):
        out |= {snake_case(t), t.lower()}  # tf.keras/Keras 3 ``conv2d``, Keras 1 ``convolution2d``
    for old, new in CLASS_ALIASES.items():
        if new in out or snake_case(new) in out:
            out |= {snake_case(old), old.lower()}
    return frozenset(out | {"tf_op_layer", "tf.__operators__", "input", "model"})


def is_automatic(name: str, types: Iterable[str] = ()) -> bool:
    """Whether ``name`` is one Keras made up (``conv2d_12``, ``batch_normalization``, ``dense_1``).

    >>> is_automatic("conv2d_12"), is_automatic("convolution2d_3"), is_automatic("res_block_1")
    (True, True, False)
    >>> is_automatic("my_layer_3", ["MyLayer"])
    True
    """
    return _is_automatic(name, _bases(types))


def _is_automatic(name: str, bases: frozenset[str]) -> bool:
    base = _NUMBERED.match(name.rsplit("/", 1)[-1]).group(1)  # type: ignore[union-attr]
    return base in bases or base.startswith("tf.")


def copy_label(names: Sequence[str], types: Iterable[str] = ()) -> str | None:
    """The name most of one copy's layers share: their longest common ``_``-separated prefix.

    Names Keras made up do not count. ``None`` when the names share nothing.

    >>> copy_label(["conv4_block2_1_conv", "conv4_block2_2_conv", "conv4_block2_out"])
    'conv4_block2'
    >>> copy_label(["conv2d_3", "batch_normalization_3", "mixed5"]), copy_label(["l10", "l11"])
    ('mixed5', None)
    """
    bases = _bases(types)
    real = [n.rsplit("/", 1)[-1] for n in names if not _is_automatic(n, bases)]
    if len(real) == 1:
        return real[0]
    counts: dict[str, int] = {}
    for name in real:
        parts = name.split("_")
        for k in range(1, len(parts) + 1):
            key = "_".join(parts[:k])
            counts[key] = counts.get(key, 0) + 1
    good = [p for p, c in counts.items() if c >= 0.6 * len(real) and c > 1 and len(p) >= 2
            and not any(b.startswith(p) for b in bases)]
    return max(good, key=lambda p: (len(p), p)) if good else None


def range_label(first: str, last: str) -> str | None:
    """``first`` and ``last`` as one name with the range of what differs, or ``None``.

    What differs must be a number (of any length) or a short tag (``b``..``d``).

    >>> range_label("conv3_block2", "conv3_block4"), range_label("mixed9", "mixed10")
    ('conv3_block2..4', 'mixed9..10')
    >>> range_label("block35_1_ac", "block35_10_ac"), range_label("block4b", "block4d")
    ('block35_1..10_ac', 'block4b..d')
    >>> range_label("l49", "l49999"), range_label("a", "xyz_q"), range_label("x", "x")
    ('l49..49999', None, 'x')
    """
    if first == last:
        return first
    head = len(os.path.commonprefix([first, last]))
    while head and first[head - 1].isdigit() and (first[head:head + 1].isdigit()
                                                  or last[head:head + 1].isdigit()):
        head -= 1
    tail = len(os.path.commonprefix([first[head:][::-1], last[head:][::-1]]))
    while tail and first[len(first) - tail].isdigit():
        tail -= 1
    a, b = first[head:len(first) - tail], last[head:len(last) - tail]
    numbers = a.isdigit() and b.isdigit()
    tags = a.isalnum() and b.isalnum() and len(a) <= 4 and len(b) <= 4
    if head and a and b and (numbers or tags):
        return f"{first[:len(first) - tail]}..{b}{first[len(first) - tail:]}"
    return None


def class_label(types: Sequence[str]) -> str:
    """A group's classes, for a group whose names share nothing: ``Dense``, ``Conv2D + BN + LeakyReLU``.

    >>> class_label(["Dense", "Dense"]), class_label(["Conv2D", "BatchNormalization", "ReLU", "Conv2D", "Add"])
    ('Dense', 'Conv2D + BN + ReLU …')
    """
    distinct = list(dict.fromkeys(_SHORT.get(t, t) for t in types if t))
    if not distinct:
        return "group"
    return " + ".join(distinct[:3]) + (" …" if len(distinct) > 3 else "")


def group_label(copies: Sequence[Sequence[str]], types: Sequence[str] = ()) -> str:
    """The one rule that names every folded group (drawn with its count, ``×n``, beside it).

    Args:
        copies: the member names of each copy, in order (one copy for a module).
        types: the classes of one copy's members, in order.

    Returns:
        The copies' common name plus the range of what varies between the first and
        the last (``conv4_block2..6``); the range over all members when the copies
        have no name of their own (``l10..9999``); else the class name (``Dense``).

    >>> group_label([["conv4_block2_1_conv", "conv4_block2_out"], ["conv4_block6_1_conv", "conv4_block6_out"]])
    'conv4_block2..6'
    >>> group_label([["l10", "l11", "l12"], ["l13", "l14", "l15"]])
    'l10..15'
    >>> group_label([["leaky_re_lu_10", "conv2d_3"], ["leaky_re_lu_12", "conv2d_4"]], ["LeakyReLU", "Conv2D"])
    'LeakyReLU + Conv2D'
    """
    labels = [copy_label(copy, types) for copy in (copies[0], copies[-1])] if copies else []
    if labels and all(labels):
        label = range_label(labels[0], labels[-1])  # type: ignore[arg-type]
        if label:
            return label
    bases = _bases(types)
    first = next((n for copy in copies for n in copy if not _is_automatic(n, bases)), None)
    last = next((n for copy in reversed(copies) for n in reversed(copy) if not _is_automatic(n, bases)), None)
    if first and last:
        label = range_label(first.rsplit("/", 1)[-1], last.rsplit("/", 1)[-1])
        if label:
            return label
    return class_label(types)


def cut_name(text: str, limit: int = 40) -> str:
    """``text`` in at most ``limit`` characters, cut between segments (``_ . /`` or spaces).

    The first word and as many of the last as fit are kept (the end of a Keras name
    says what the layer is, the start which model it belongs to); a number stays with
    the word before it. A single word too long is cut in its middle.

    >>> cut_name("conv2d_1")
    'conv2d_1'
    >>> cut_name("convnext_tiny_stage_0_block_0_depthwise_conv")
    'convnext_…_block_0_depthwise_conv'
    """
    if len(text) <= limit:
        return text
    parts = _SEGMENTS.split(text)  # words at even indices, separators at odd ones
    head = parts[0] + (parts[1] if len(parts) > 1 else "")
    for k in range(2, len(parts), 2):
        if parts[k].isdigit():
            continue
        out = head + "…" + "".join(parts[k - 1:])
        if len(out) <= limit:
            return out
    half = (limit - 1) // 2
    return text[:half] + "…" + text[len(text) - (limit - 1 - half):]
