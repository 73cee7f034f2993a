"""What a block diagram shows: repeats, chains, modules, ranges, nested models (no TensorFlow)."""

from __future__ import annotations

import pytest

import nnviz
from nnviz.errors import OptionError
from nnviz.view import (fold_repeats, find_modules, find_repeats, flatten, fold_chains,
                        fold_modules, select_range)
from nnviz.view.labels import range_label


def residual_stack(blocks: int, widths=None) -> dict:
    """Residual blocks of Dense/BN/relu/Dense/Add/relu, all alike unless ``widths`` vary."""
    layers, prev = [], "input"
    for i in range(blocks):
        w = 8 if widths is None else widths[i]
        layers += [
            {"type": "Dense", "name": f"b{i}_d1", "units": w, "inputs": [prev]},
            {"type": "BatchNormalization", "name": f"b{i}_bn"},
            {"type": "Activation", "name": f"b{i}_relu", "activation": "relu"},
            {"type": "Dense", "name": f"b{i}_d2", "units": 8},
            {"type": "Add", "name": f"b{i}_add", "inputs": [prev, f"b{i}_d2"]},
            {"type": "Activation", "name": f"b{i}_out", "activation": "relu"},
        ]
        prev = f"b{i}_out"
    layers.append({"type": "Dense", "name": "head", "units": 2, "inputs": [prev]})
    return {"name": "stack", "input_shape": [8], "layers": layers}


def test_repeated_blocks_are_found_aligned_on_their_names():
    view = flatten(nnviz.load(residual_stack(4)))
    (run,) = find_repeats(view, None)
    assert len(run.copies) == 4
    assert run.copies[0][0] == "b0_d1" and run.copies[-1][-1] == "b3_out"


def test_different_configs_are_not_repeats_but_rates_are_ignored():
    view = flatten(nnviz.load(residual_stack(4, widths=[8, 16, 8, 16])))
    runs = find_repeats(view, None)
    assert all(len(r.copies[0]) != 6 for r in runs)


def test_parallel_look_alikes_are_not_a_repeat():
    spec = {"name": "twins", "input_shape": [4], "layers": [
        {"type": "Dense", "name": "a", "units": 3, "inputs": ["input"]},
        {"type": "Dense", "name": "b", "units": 3, "inputs": ["input"]},
        {"type": "Concatenate", "name": "c", "inputs": ["a", "b"]}]}
    assert find_repeats(flatten(nnviz.load(spec)), None) == []


def test_repeat_as_block_keeps_the_edges_in_and_out():
    g = nnviz.load(residual_stack(4))
    view = fold_repeats(flatten(g), as_block=True)
    (group,) = [n for n in view.blocks.values() if n.kind == "repeat"]
    assert group.label == "b0..3" and group.repeat == 4 and group.size == 6
    assert ("input", group.id) in view.edges and (group.id, "head") in view.edges
    assert group.params == sum(g.layer(f"b{i}_{k}").params for i in range(4) for k in ("d1", "bn", "d2"))


def test_repeat_as_cluster_shows_one_copy():
    view = fold_repeats(flatten(nnviz.load(residual_stack(3))))
    (cid,) = view.clusters
    inside = [n.id for n in view.blocks.values() if n.cluster == cid]
    assert inside == ["b0_d1", "b0_bn", "b0_relu", "b0_d2", "b0_add", "b0_out"]
    assert view.clusters[cid].title == "b0..2  ×3"
    assert ("b0_out", "head") in view.edges and ("input", "b0_add") in view.edges


def test_chains_fold_normalization_and_activation():
    view = fold_chains(flatten(nnviz.load(residual_stack(1))))
    node = view.blocks["b0_d1"]
    assert node.kind == "chain" and node.types == ("Dense", "BN", "relu")
    assert "b0_bn" not in view.blocks and ("b0_d1", "b0_d2") in view.edges
    assert view.blocks["b0_add"].types == ("Add", "relu")


def test_modules_fold_branching_regions_biggest_first():
    view = flatten(nnviz.load(residual_stack(3, widths=[8, 16, 32])))
    modules = find_modules(view)
    assert [len(m) for m in modules] == [5, 5, 5]  # the relu after each add is a chain of its own
    one = fold_modules(view, limit=1)
    assert sum(n.kind == "module" for n in one.blocks.values()) == 1
    folded = fold_modules(view)
    assert [n.label for n in folded.blocks.values() if n.kind == "module"] == ["b0", "b1", "b2"]


def test_select_range_and_bad_names():
    view = flatten(nnviz.load(residual_stack(2)))
    part = select_range(view, "b0_add", "b1_bn")
    assert list(part.blocks) == ["b0_add", "b0_out", "b1_d1", "b1_bn"]
    with pytest.raises(OptionError, match="did you mean 'b0_add'"):
        select_range(view, "b0_ad", None)


def test_run_labels():
    assert range_label("conv4_block2", "conv4_block6") == "conv4_block2..6"
    assert range_label("x", "y") is None
