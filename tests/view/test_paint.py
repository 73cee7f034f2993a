"""Drawings coloured by a cost: folded groups by their sums, the node style, the HTML panel."""

from __future__ import annotations

import json

import pytest

import nnviz
from nnviz.costs import humanize, layer_costs
from nnviz.errors import OptionError
from nnviz.view.paint import OVER_COLOR, painting


def _repeats():
    """Three identical Dense+ReLU pairs between a wide input and a head: a run that folds as x3."""
    layers = [{"type": "Dense", "units": 64, "name": "stem"}]
    for i in range(3):
        layers += [{"type": "Dense", "units": 64, "name": f"b{i}_fc"}, {"type": "ReLU", "name": f"b{i}_act"},
                   {"type": "Dropout", "rate": 0.1, "name": f"b{i}_drop"}]
    layers.append({"type": "Dense", "units": 2, "name": "head"})
    return nnviz.load({"name": "rep", "input_shape": [32], "layers": layers})


def test_a_folded_repeat_is_coloured_and_labelled_by_its_sum():
    from nnviz.layout.blockheader import legend_entries
    from nnviz.layout.blocks import candidate_views
    from nnviz.layout.layered import BlockOptions

    g = _repeats()
    t = layer_costs(g)
    p = painting(g, "macs")
    views = dict(candidate_views(g, BlockOptions(collapse=True)))
    view = p.paint(views["repeats-block+chains"])   # the run folded into one block, x3
    (node,) = [n for n in view.blocks.values() if n.kind == "repeat"]
    total = sum(t[f"b{i}_fc"].macs for i in range(3))   # 3 x 64 x 64: more than any single layer
    assert node.repeat == 3 and total == 3 * 64 * 64 > max(c.macs for c in t.costs.values())
    share = round(100 * total / t.total_macs)
    assert node.note == f"{humanize(total)} MACs ({share} %)"
    # the sum passes every single layer's bin: the group bin (the darkest), named in the legend
    assert p.colors[node.paint] == OVER_COLOR and node.paint.endswith("(groups)")
    opts = BlockOptions(collapse=True, theme=p.theme(BlockOptions().theme))
    assert node.paint in [text for text, _ in legend_entries(view, opts)]
    # single layers keep their own bins
    assert p.colors[view.blocks["stem"].paint] != OVER_COLOR


def test_a_repeat_drawn_as_a_frame_shows_the_sum_of_all_its_copies():
    from nnviz.layout.blocks import candidate_views
    from nnviz.layout.layered import BlockOptions

    g = _repeats()
    p = painting(g, "flops")
    t = layer_costs(g)
    views = dict(candidate_views(g, BlockOptions(collapse=True)))
    framed = p.paint(views["repeats-cluster"])   # the first copy drawn inside a frame titled x3
    (frame,) = [c for c in framed.clusters.values() if c.kind == "repeat"]
    want = sum(t[f"b{i}_{k}"].flops for i in range(3) for k in ("fc", "act", "drop"))
    assert frame.repeat == 3
    assert frame.detail.endswith(f" · {humanize(want)} FLOPs ({round(100 * want / t.total_flops)} %)")
    assert frame.detail.startswith(f"{3 * (64 * 64 + 64):,} params")


def test_a_nested_model_closed_and_open_shows_its_sum():
    spec = {"name": "outer", "input_shape": [16], "layers": [
        {"type": "Dense", "units": 8, "name": "pre"},
        {"type": "Sequential", "name": "sub", "layers": [{"type": "Dense", "units": 32, "name": "i1"},
                                                          {"type": "Dense", "units": 32, "name": "i2"}]},
        {"type": "Dense", "units": 1, "name": "out"}]}
    g = nnviz.load(spec)
    inner = 8 * 32 + 32 * 32
    closed = nnviz.draw(g, color_by="macs")
    box = next(b for b in closed.scene.boxes if b.id == "sub")
    assert f"{humanize(inner)} MACs" in " ".join(box.lines)
    opened = nnviz.draw(g, color_by="macs", expand=("sub",))
    frame = next(c for c in opened.scene.clusters if c.id == "sub")
    labels = [lab.text for lab in opened.scene.labels if getattr(lab, "role", "") == "cluster-detail"]
    assert any(f"{humanize(inner)} MACs" in text for text in labels), (frame, labels)
    inner_boxes = {b.id: b.family for b in opened.scene.boxes}
    assert inner_boxes["sub/i2"] != inner_boxes["out"]   # 1,024 MACs against 8


def test_node_style_colours_neurons_by_their_layers_cost(tmp_path):
    g = nnviz.load("examples/mnist_mlp.json")
    d = nnviz.draw(g, style="node", color_by="macs")
    p = painting(g, "macs")
    by_layer = {}
    for n in d.scene.neurons:
        by_layer.setdefault(n.layer, set()).add(n.role)
    for name, keys in by_layer.items():
        assert keys == {p.key(p.values.get(name))}, name
    assert by_layer["hidden1"] != by_layer["output"] and by_layer["drop1"] == {"0 MACs"}
    # the legend is the scale, every entry a colour of the theme the renderer gets
    legend = [text for text, _ in d.scene.legend]
    assert legend[0] == "0 MACs" and all(d.options.theme.role_color(k) == p.colors[k] for k in legend)
    svg = tmp_path / "mlp.svg"
    d.save(svg)
    assert p.colors[p.key(p.values["hidden1"])] in svg.read_text()
    with pytest.raises(OptionError, match="cannot go with color_by"):
        nnviz.draw(g, style="node", color_by="macs", weights=True)


def test_html_panel_carries_every_figure_of_the_layer(tmp_path):
    from nnviz.render.html import layer_details, to_html

    g = nnviz.load("examples/conv_autoencoder.json")
    t = layer_costs(g)
    details = layer_details(g)
    name = next(layer.name for layer in g.layers if layer.subgraph is not None)
    inner = g.layer(name).subgraph.layers[1].name
    assert details[name]["macs"] == t[name].macs and details[name]["weight_bytes"] == t[name].weight_bytes
    assert details[f"{name}/{inner}"]["flops"] == t.nested[name][inner].flops
    times = {layer.name: 0.001 * (i + 1) for i, layer in enumerate(g.layers)}
    page = to_html(nnviz.draw(g, color_by=times))
    data = json.loads(page.split('id="nnviz-data">', 1)[1].split("</script>", 1)[0])
    assert data["color"]["values"][name] == times[name] and data["layers"][name]["activation_bytes"] > 0
    assert "activation memory" in page and "weight memory" in page
