"""nnviz diff: pairs of models with known edits report exactly those edits."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.modeldiff import diff, is_automatic_name, parse_fail_on
from nnviz.errors import OptionError
from nnviz.graph import Layer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def mlp(*units, names=None, activation="relu", name="mlp"):
    layers = []
    for i, u in enumerate(units):
        layer = {"type": "Dense", "units": u, "activation": activation}
        if names:
            layer["name"] = names[i]
        layers.append(layer)
    return {"name": name, "input_shape": [8], "layers": layers}


def test_same_model_reports_nothing():
    d = diff(mlp(16, 8, 2), mlp(16, 8, 2))
    assert d.is_empty and d.unchanged == 4
    assert (d.added, d.removed, d.changed) == ([], [], [])


def test_every_example_against_itself_reports_nothing():
    for path in sorted(EXAMPLES.glob("*.json")):
        d = diff(path, path)
        assert d.is_empty, (path.name, d.summary_lines())
        assert d.unchanged == sum(1 for _ in nnviz.load(path).walk())  # nested layers too


def test_inserted_layer_in_auto_named_chain_is_one_added_and_nothing_changed():
    # the inserted Dense shifts every automatic name after it (dense_1 is now the new layer)
    d = diff(mlp(16, 16, 2), mlp(16, 16, 16, 2))
    assert len(d.added) == 1 and d.removed == [] and d.changed == []
    assert d.b.layer(d.added[0]).type == "Dense"
    assert d.unchanged == 4


def test_inserted_dropout_is_one_added():
    a = mlp(16, 8, 2)
    b = copy.deepcopy(a)
    b["layers"].insert(1, {"type": "Dropout", "rate": 0.5})
    d = diff(a, b)
    assert d.added == ["dropout"] and d.removed == [] and d.changed == []


def test_removed_layer():
    d = diff(mlp(16, 16, 2), mlp(16, 2))
    assert len(d.removed) == 1 and d.added == [] and d.changed == []


def test_reconfigured_layer_reports_its_fields():
    d = diff(mlp(16, 8, 2, names=["a", "b", "c"]), mlp(16, 12, 2, names=["a", "b", "c"]))
    by_b = {c.b: c for c in d.changed}
    assert by_b["b"].fields["units"] == (8, 12)
    assert by_b["b"].matched_by == "name"
    assert by_b["b"].fields["params"] == (136, 204)
    # the next layer reads a wider input: its parameter count changed, nothing else
    assert set(by_b["c"].fields) == {"params"}
    assert d.added == [] and d.removed == []
    assert d.params_delta == (144 + 204 + 26) - (144 + 136 + 18)  # counted by hand


def test_activation_change():
    a = mlp(16, 2, names=["h", "out"])
    b = copy.deepcopy(a)
    b["layers"][0]["activation"] = "tanh"
    d = diff(a, b)
    assert [(c.b, c.fields) for c in d.changed] == [("h", {"activation": ("relu", "tanh")})]


def test_renamed_layer_is_matched_by_structure_and_reports_the_name():
    d = diff(mlp(16, 2, names=["hidden", "out"]), mlp(16, 2, names=["encoder", "out"]))
    assert d.added == [] and d.removed == []
    (c,) = d.changed
    assert (c.a, c.b, c.matched_by) == ("hidden", "encoder", "structure")
    assert c.fields == {"name": ("hidden", "encoder")}


def test_frozen_layer():
    a = mlp(16, 2, names=["h", "out"])
    b = copy.deepcopy(a)
    b["layers"][0]["trainable"] = False
    d = diff(a, b)
    (c,) = d.changed
    assert c.b == "h" and c.fields["trainable"] == (True, False)
    assert c.fields["non_trainable_params"] == (0, 8 * 16 + 16)


def test_map_forces_a_match():
    a = mlp(16, 2, names=["x1", "out"])
    b = mlp(32, 2, names=["y1", "out"])
    d = diff(a, b, mapping={"x1": "y1"})
    c = next(c for c in d.changed if c.b == "y1")
    assert c.matched_by == "map" and c.fields["units"] == (16, 32)
    with pytest.raises(OptionError, match="no layer 'nope'"):
        diff(a, b, mapping={"nope": "y1"})


def test_ignore_drops_a_field():
    a, b = mlp(16, 2, names=["h", "o"]), mlp(16, 2, names=["h", "o"])
    b["layers"][0]["activation"] = "tanh"
    assert diff(a, b, ignore=["activation"]).is_empty


def test_initializers_differ_only_with_all_config():
    a = mlp(4, names=["h"])
    b = copy.deepcopy(a)
    b["layers"][0]["kernel_initializer"] = "zeros"
    assert diff(a, b).is_empty
    (c,) = diff(a, b, all_config=True).changed
    assert "kernel_initializer" in c.fields


def test_automatic_names():
    assert is_automatic_name(Layer("dense_3", "Dense"))
    assert is_automatic_name(Layer("conv2d", "Conv2D"))
    assert is_automatic_name(Layer("convolution2d_1", "Conv2D"))
    assert is_automatic_name(Layer("batch_normalization_12", "BatchNormalization"))
    assert not is_automatic_name(Layer("encoder", "Dense"))
    assert not is_automatic_name(Layer("dense_head", "Dense"))


def test_branches_and_shared_layers_match_completely():
    d = diff(EXAMPLES / "siamese.json", EXAMPLES / "siamese.json")
    assert d.is_empty
    spec = json.loads((EXAMPLES / "residual_block.json").read_text())
    changed = copy.deepcopy(spec)
    d = diff(spec, changed)
    assert d.is_empty


def test_json_and_markdown_escape():
    a = mlp(4, names=["h"])
    b = mlp(4, names=["h<script>`x|"])
    d = diff(a, b)
    data = _valid(json.loads(d.to_json()))
    assert data["changed"][0]["fields"]["name"] == ["h", "h<script>`x|"]
    md = d.to_markdown()
    assert "<script>" not in md and "`x|" not in md


def test_fail_on_parsing():
    assert parse_fail_on("removed,params>5") == [("removed", None, False), ("params", 5.0, False)]
    for bad in ("", " , ", "bigger", "weights>1%", "params>x"):
        with pytest.raises(OptionError):
            parse_fail_on(bad)


SCHEMA = Path(__file__).resolve().parents[1] / "schema" / "diff.v1.json"


def _valid(data):
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(data))
    assert not errors, errors[0].message
    return data


def _run(*args):
    r = CliRunner().invoke(cli, ["diff", *map(str, args)], catch_exceptions=False)
    if "--json" in args and r.exit_code == 0:
        _valid(json.loads(r.output))
    return r


def test_cli_json_and_fail_on(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(mlp(16, 8, 2)))
    b.write_text(json.dumps(mlp(16, 16, 8, 2)))
    r = _run(a, b, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [x["type"] for x in data["added"]] == ["Dense"] and data["changed"] == []
    assert data["params_delta"] == 16 * 16 + 16
    assert _run(a, b, "--fail-on", "removed").exit_code == 0
    r = _run(a, b, "--fail-on", "removed,added")
    assert r.exit_code == 1 and "added" in r.output
    assert _run(a, b, "--fail-on", "params>50%").exit_code == 1  # 272 of 298 more
    assert _run(a, b, "--fail-on", "params>100%").exit_code == 0
    assert _run(a, b, "--fail-on", "params>300").exit_code == 0
    assert _run(a, b, "--fail-on", "params>271").exit_code == 1
    r = _run(a, b, "--fail-on", "bogus")
    assert r.exit_code == 2 and "--fail-on" in r.output
    r = _run(a, tmp_path / "missing.json")
    assert r.exit_code == 2 and "missing.json" in r.output and "Traceback" not in r.output


def test_cli_text_report(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(mlp(16, 8, 2, names=["h1", "h2", "out"])))
    b.write_text(json.dumps(mlp(16, 12, 2, names=["h1", "h2", "out"])))
    r = _run(a, b)
    assert r.exit_code == 0
    assert "~ h2: units 8 -> 12" in r.output
    assert "0 added, 0 removed, 2 changed, 2 unchanged" in r.output


def test_cli_map_option(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(mlp(16, 2, names=["x", "out"])))
    b.write_text(json.dumps(mlp(32, 2, names=["y", "out"])))
    data = json.loads(_run(a, b, "--json", "--map", "x=y").output)
    assert {c["b"]: c["matched_by"] for c in data["changed"]}["y"] == "map"
    r = _run(a, b, "--map", "x")
    assert r.exit_code == 2 and "A_NAME=B_NAME" in r.output


# -- drawing ---------------------------------------------------------------------------------------
def _finetune_pair():
    a = {"name": "base", "input_shape": [8], "layers": [
        {"type": "Dense", "units": 32, "name": "h1", "activation": "relu"},
        {"type": "Dropout", "rate": 0.3, "name": "drop"},
        {"type": "Dense", "units": 16, "name": "h2", "activation": "relu"},
        {"type": "Dense", "units": 2, "name": "out", "activation": "softmax"}]}
    b = copy.deepcopy(a)
    b["name"] = "tuned"
    del b["layers"][1]
    b["layers"][-1]["units"] = 3
    b["layers"].insert(2, {"type": "Dense", "units": 16, "name": "extra", "activation": "relu"})
    return a, b


def test_drawing_colours_blocks_by_status_and_keeps_removed_layers_as_ghosts():
    from nnviz.layout.diff import diff_scene
    from nnviz.view.diff import STATUS_COLORS

    d = diff(*_finetune_pair())
    scene, opts, _ = diff_scene(d)
    colour = {b.layer: opts.theme.color(b.family) for b in scene.boxes}
    assert colour["drop"] == STATUS_COLORS["removed"]          # the ghost of A's layer
    assert colour["extra"] == STATUS_COLORS["added"]
    assert colour["out"] == STATUS_COLORS["changed"]
    assert colour["h1"] == STATUS_COLORS["unchanged"]
    out_box = next(b for b in scene.boxes if b.layer == "out")
    assert "units 2 → 3" in out_box.lines
    # the ghost keeps its place in the data flow: h1 -> drop -> h2
    assert {(e.src, e.dst) for e in scene.edges} >= {("h1", "drop"), ("drop", "h2")}
    legend = sorted(lb.text for lb in scene.labels if lb.role.startswith("legend:"))
    assert legend == ["added", "changed", "link only in A", "link only in B", "removed", "unchanged"]
    sub = next(lb.text for lb in scene.labels if lb.role == "subtitle")
    assert "1 added · 1 removed" in sub and f"({d.params_delta:+,})" in sub


@pytest.mark.slow
def test_diff_outputs(tmp_path):
    from nnviz.modeldiff import save_diff

    d = diff(*_finetune_pair())
    for suffix in (".svg", ".png", ".pdf"):
        (path,) = save_diff(d, tmp_path / f"d{suffix}")
        assert path.stat().st_size > 1000
    written = save_diff(d, tmp_path / "report.md")
    assert [p.name for p in written] == ["report.svg", "report.md"]
    md = (tmp_path / "report.md").read_text()
    assert "![diff](report.svg)" in md and "| added | extra |" in md and "| removed | drop |" in md
    (page,) = save_diff(d, tmp_path / "d.html")
    text = page.read_text()
    assert text.count("<svg") == 2 and 'id="nnviz-diff-data"' in text
    data = json.loads(text.split('id="nnviz-diff-data" type="application/json">')[1].split("</script>")[0])
    assert data["pairs"]["h1"] == "h1" and [x["name"] for x in data["removed"]] == ["drop"]
    with pytest.raises(OptionError, match="unknown output type"):
        save_diff(d, tmp_path / "d.gif")


def test_html_does_not_break_out_of_its_script():
    a = mlp(4, names=["h"])
    b = mlp(4, names=["</script><script>alert(1)</script>"])
    from nnviz.modeldiff import diff_html

    page = diff_html(diff(a, b))
    assert "<script>alert(1)" not in page


# -- against files Keras wrote ---------------------------------------------------------------------
def _build(keras, extra=False):
    inp = keras.Input((16, 16, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="stem")(inp)
    y = keras.layers.Conv2D(8, 3, padding="same", name="branch")(x)
    y = keras.layers.BatchNormalization(name="bn")(y)
    x = keras.layers.Add(name="residual")([x, y])
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if extra:
        x = keras.layers.Dense(16, activation="relu")(x)
    out = keras.layers.Dense(4, activation="softmax", name="head")(x)
    return keras.Model(inp, out, name="net")


@pytest.mark.needs_tf
def test_the_same_model_in_every_format_pair_reports_nothing(tmp_path):
    import keras
    import tf_keras

    files = []
    m3 = _build(keras)
    m3.save(tmp_path / "k3.keras")
    m3.save(tmp_path / "k3.h5")
    (tmp_path / "k3.json").write_text(m3.to_json())
    m2 = _build(tf_keras)
    m2.save(tmp_path / "k2.h5")
    (tmp_path / "k2.json").write_text(m2.to_json())
    files = sorted(tmp_path.iterdir())
    for a in files:
        for b in files:
            d = diff(a, b)
            assert d.is_empty, (a.name, b.name, d.summary_lines())
            assert d.unchanged == len(m3.layers)


@pytest.mark.needs_tf
def test_inserted_auto_named_layer_and_fine_tuned_weights(tmp_path):
    import keras
    import numpy as np

    base = _build(keras)
    base.save(tmp_path / "base.keras")
    grown = _build(keras, extra=True)
    grown.save(tmp_path / "grown.keras")
    d = diff(tmp_path / "base.keras", tmp_path / "grown.keras")
    assert [d.b.layer(n).type for n in d.added] == ["Dense"] and d.removed == []
    # the head now reads 16 values instead of 8: its count changed, nothing else did
    assert [(c.b, set(c.fields)) for c in d.changed] == [("head", {"params"})]

    tuned = keras.models.clone_model(base)
    tuned.set_weights(base.get_weights())
    kernel, bias = tuned.get_layer("head").get_weights()
    tuned.get_layer("head").set_weights([kernel + 0.5, bias])
    tuned.save(tmp_path / "tuned.keras")
    d = diff(tmp_path / "base.keras", tmp_path / "tuned.keras", weights=True)
    assert d.changed == [] and [w.b for w in d.weights_changed] == ["head"]
    assert d.weights_changed[0].max_abs == pytest.approx(0.5, rel=1e-6)
    _valid(d.to_dict())
    expected = np.linalg.norm(np.full_like(kernel, 0.5)) / np.linalg.norm(np.concatenate([kernel.ravel(), bias]))
    assert d.weights_changed[0].relative == pytest.approx(expected, rel=1e-5)
    from nnviz.layout.diff import diff_scene
    from nnviz.view.diff import WEIGHT_BINS

    scene, opts, _ = diff_scene(d)
    colour = {b.layer: opts.theme.color(b.family) for b in scene.boxes}
    rel = d.weights_changed[0].relative
    assert colour["head"] == next(c for limit, _, c in WEIGHT_BINS if rel < limit)
    assert colour["stem"] == opts.theme.color("unchanged")
    assert any(lb.text.startswith("weights Δ") for lb in scene.labels if lb.role.startswith("legend:"))
    r = _run(tmp_path / "base.keras", tmp_path / "tuned.keras", "--weights", "--fail-on", "weights>0.01")
    assert r.exit_code == 1
    r = _run(tmp_path / "base.keras", tmp_path / "tuned.keras", "--fail-on", "weights>0.01")
    assert r.exit_code == 2 and "--weights" in r.output


@pytest.mark.needs_tf
@pytest.mark.slow
def test_resnet50_against_resnet101(tmp_path):
    import keras

    for name in ("ResNet50", "ResNet101"):
        model = getattr(keras.applications, name)(weights=None)
        (tmp_path / f"{name}.json").write_text(model.to_json())
        n_layers = len(model.layers)
        params = model.count_params()
        if name == "ResNet50":
            n50, p50 = n_layers, params
    d = diff(tmp_path / "ResNet50.json", tmp_path / "ResNet101.json")
    assert d.removed == [] and d.changed == []
    assert len(d.added) == n_layers - n50
    assert {int(n.split("_")[1][5:]) for n in d.added if n.startswith("conv4_block")} == set(range(7, 24))
    assert all(n.startswith("conv4_block") for n in d.added)
    assert d.params_delta == params - p50
    from nnviz.layout.diff import diff_scene

    scene, _, _ = diff_scene(d)
    assert len(scene.boxes) < 80  # the repeats fold


def test_public_function_survives_the_module_import():
    import nnviz.modeldiff  # noqa: F401  (importing the module must not shadow nnviz.diff)

    assert nnviz.diff is diff and callable(nnviz.diff)


@pytest.mark.needs_browser
def test_html_page_in_the_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from nnviz.modeldiff import save_diff

    (page_path,) = save_diff(diff(*_finetune_pair()), tmp_path / "d.html")
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_path.resolve().as_uri())
        # a click on B's changed layer highlights it and its match in A, and says what changed
        page.locator('#pane-b .nnviz-block[data-layer="out"]').click()
        assert page.locator("#pane-a .nnviz-block.hit").get_attribute("data-layer") == "out"
        assert page.locator("#pane-b .nnviz-block.hit").get_attribute("data-layer") == "out"
        assert "units 2 → 3" in page.text_content("#detail")
        # the list of changes jumps to a removed layer, which exists in A only
        page.locator('#changes li.removed').click()
        assert page.locator("#pane-a .nnviz-block.hit").get_attribute("data-layer") == "drop"
        assert page.locator("#pane-b .nnviz-block.hit").count() == 0
        # zoom scales both sides alike
        w_a, w_b = (float(page.locator(f"#pane-{s} svg").get_attribute("width")) for s in "ab")
        page.click("#zoom-in")
        assert float(page.locator("#pane-a svg").get_attribute("width")) == pytest.approx(w_a * 1.25)
        assert float(page.locator("#pane-b svg").get_attribute("width")) == pytest.approx(w_b * 1.25)
        # a layer removed inside a closed nested model: the list jumps to the model's block in A
        a, b = _nested_pair()
        (nested,) = save_diff(diff(b, a), tmp_path / "nested.html")
        page.goto(nested.resolve().as_uri())
        page.locator('#changes li.removed[data-layer="encoder/drop"]').click()
        assert page.locator("#pane-a .nnviz-block.hit").get_attribute("data-layer") == "encoder"
        assert page.text_content("#detail").startswith("encoder/drop ↔ (none in B)")
        assert errors == []
        browser.close()


def test_schema_refuses_what_it_must():
    data = _valid(diff(*_finetune_pair()).to_dict())
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    for broken in ({**data, "surprise": 1}, {**data, "params_delta": "12"},
                   {**data, "changed": [{**data["changed"][0], "matched_by": "luck"}]},
                   {**data, "added": [{"name": "x", "type": "Dense", "params": -1}]}):
        assert list(validator.iter_errors(broken))


def _weights_tree(path, layers):
    import h5py

    with h5py.File(path, "w") as f:
        f.create_group("vars")
        for key, name, shapes in layers:
            v = f.create_group(f"{key}/vars")
            v.attrs["name"] = name
            for i, s in enumerate(shapes):
                v.create_dataset(str(i), shape=s, dtype="f4")
    return path


def test_files_without_a_graph_are_compared_by_storage_path(tmp_path):
    # Keras numbers a subclassed model's layer names per session (dense, dense_1 / dense_2, dense_3),
    # so only the storage path (the attribute holding the layer) says which is which
    a = _weights_tree(tmp_path / "a.weights.h5", [("encoder", "dense", [(8, 16), (16,)]),
                                                   ("head", "dense_1", [(16, 4), (4,)])])
    b = _weights_tree(tmp_path / "b.weights.h5", [("encoder", "dense_2", [(8, 32), (32,)]),
                                                   ("extra", "dense_4", [(4, 4), (4,)]),
                                                   ("head", "dense_3", [(32, 4), (4,)])])
    d = diff(a, b)
    assert d.added == ["dense_4"] and d.removed == []
    assert {(c.a, c.b, c.matched_by) for c in d.changed} == {("dense", "dense_2", "path"),
                                                             ("dense_1", "dense_3", "path")}
    assert all("name" not in c.fields for c in d.changed)
    _valid(d.to_dict())
    assert diff(a, a).is_empty


# -- nested models: compared layer by layer, named by their path -----------------------------------
def _nested_pair():
    a = {"name": "m", "input_shape": [8], "layers": [
        {"type": "Sequential", "name": "encoder", "layers": [
            {"type": "Dense", "units": 16, "name": "e1", "activation": "relu"},
            {"type": "Dense", "units": 8, "name": "e2", "activation": "relu"}]},
        {"type": "Dense", "units": 2, "name": "head"}]}
    b = copy.deepcopy(a)
    b["layers"][0]["layers"][1]["units"] = 12
    b["layers"][0]["layers"].insert(1, {"type": "Dropout", "rate": 0.2, "name": "drop"})
    return a, b


def test_a_change_inside_a_nested_model_is_the_inner_layer_s_change():
    a, b = _nested_pair()
    d = diff(a, b)
    assert d.added == ["encoder/drop"] and d.removed == []
    by_b = {c.b: c for c in d.changed}
    assert set(by_b) == {"encoder/e2", "head"}  # not the nested model as one field
    assert by_b["encoder/e2"].a == "encoder/e2" and by_b["encoder/e2"].fields["units"] == (8, 12)
    assert set(by_b["head"].fields) == {"params"}  # it reads 12 values instead of 8
    assert d.unchanged == 4  # input, encoder itself, encoder's input, e1
    assert d.status("encoder") == "changed" and d.status("encoder", "a") == "changed"
    assert d.status("encoder/drop") == "added" and d.status("encoder/e1") == "unchanged"
    assert d.inside("encoder") == (1, 0, 1)
    data = _valid(d.to_dict())
    assert data["added"] == [{"name": "encoder/drop", "type": "Dropout", "params": 0}]
    assert "~ encoder/e2: units 8 -> 12" in "\n".join(d.summary_lines())
    assert "| added | encoder/drop |" in d.to_markdown()
    # removed inside, and deeper: a nested model inside the nested model
    d = diff(b, a)
    assert d.removed == ["encoder/drop"] and d.added == [] and d.status("encoder/drop", "a") == "removed"
    deep_a = {"name": "m", "input_shape": [8], "layers": [{"type": "Sequential", "name": "outer", "layers": [
        {"type": "Sequential", "name": "inner", "layers": [{"type": "Dense", "units": 4, "name": "d"}]}]}]}
    deep_b = copy.deepcopy(deep_a)
    deep_b["layers"][0]["layers"][0]["layers"][0]["activation"] = "tanh"
    d = diff(deep_a, deep_b)
    assert [(c.b, c.fields) for c in d.changed] == [("outer/inner/d", {"activation": (None, "tanh")})]
    assert d.status("outer") == d.status("outer/inner") == "changed"


def test_nested_model_against_itself_counts_every_inner_layer():
    a, _ = _nested_pair()
    d = diff(a, a)
    assert d.is_empty and d.unchanged == 6  # input, encoder, encoder's input, e1, e2, head
    assert d.pairs["encoder/e2"] == ("encoder/e2", "name")


def test_drawing_a_nested_change_closed_and_open():
    from nnviz.layout.diff import diff_scene
    from nnviz.view.diff import STATUS_COLORS

    d = diff(*_nested_pair())
    scene, opts, _ = diff_scene(d)
    colour = {b.layer: opts.theme.color(b.family) for b in scene.boxes}
    enc = next(b for b in scene.boxes if b.layer == "encoder")
    assert colour["encoder"] == STATUS_COLORS["changed"] and "inside: 1 added, 1 changed" in enc.lines
    scene, opts, _ = diff_scene(d, expand=("all",))
    colour = {b.layer: opts.theme.color(b.family) for b in scene.boxes}
    assert colour["drop"] == STATUS_COLORS["added"] and colour["e1"] == STATUS_COLORS["unchanged"]
    assert colour["e2"] == STATUS_COLORS["changed"]
    assert "units 8 → 12" in next(b for b in scene.boxes if b.layer == "e2").lines


@pytest.mark.needs_tf
def test_nested_sequential_in_keras_files(tmp_path):
    import keras

    def build(units, extra):
        inner = [keras.Input((6,)), keras.layers.Dense(units, activation="relu", name="proj")]
        if extra:
            inner.append(keras.layers.LayerNormalization(name="norm"))
        block = keras.Sequential(inner, name="block")
        inp = keras.Input((6,), name="x")
        out = keras.layers.Dense(3, name="head")(block(inp))
        return keras.Model(inp, out, name="net")

    base, grown = build(8, False), build(10, True)
    base.save(tmp_path / "base.keras")
    grown.save(tmp_path / "grown.h5")
    d = diff(tmp_path / "base.keras", tmp_path / "grown.h5")
    assert d.added == ["block/norm"] and d.removed == []
    by_b = {c.b: c for c in d.changed}
    assert by_b["block/proj"].fields["units"] == (8, 10)
    assert by_b["block/proj"].fields["params"] == (6 * 8 + 8, 6 * 10 + 10)
    assert set(by_b) == {"block/proj", "head"} and set(by_b["head"].fields) == {"params"}
    assert d.params_delta == grown.count_params() - base.count_params()  # Keras's own counts
    same = diff(tmp_path / "base.keras", tmp_path / "base.keras")
    # every layer at every depth, the Sequential's InputLayer too (which Keras 3's .layers leaves out)
    assert same.is_empty and same.unchanged == len(base.layers) + len(base.get_layer("block").layers) + 1


# -- links in one model only: dashed, with a legend entry ------------------------------------------
def test_links_in_one_model_only_are_dashed_with_a_legend_entry(tmp_path):
    from nnviz.layout.diff import diff_scene
    from nnviz.view.diff import EDGE_COLORS, union_graph
    from nnviz.modeldiff import save_diff

    d = diff(*_finetune_pair())
    # A: h1 -> drop -> h2 -> out; B: h1 -> h2 -> extra -> out
    assert union_graph(d).links == {
        ("input", "h1"): "both", ("h1", "drop"): "a", ("drop", "h2"): "a", ("h1", "h2"): "b",
        ("h2", "extra"): "b", ("extra", "out"): "b", ("h2", "out"): "a"}  # the link B dropped is drawn too
    scene, opts, _ = diff_scene(d)
    kinds = {(e.src, e.dst): e.kind for e in scene.edges}
    assert kinds == {("input", "h1"): "data", ("h1", "drop"): "only_a", ("drop", "h2"): "only_a",
                     ("h2", "out"): "only_a", ("h1", "h2"): "only_b", ("h2", "extra"): "only_b",
                     ("extra", "out"): "only_b"}
    legend = [lb.role for lb in scene.labels if lb.role.startswith("legend:edge:")]
    assert legend == ["legend:edge:only_a", "legend:edge:only_b"]
    # PNG/PDF: the dashed links are a collection of their own, dashed, in their colour
    import matplotlib.colors as mcolors

    figure = d.draw().figure
    lines = [c for c in figure.axes[0].collections if type(c).__name__ == "LineCollection"]
    dashed = {mcolors.to_hex(c.get_colors()[0]): len(c.get_segments()) for c in lines
              if c.get_linestyle()[0][1] is not None}
    assert dashed == {EDGE_COLORS["edge:only_a"]: 3, EDGE_COLORS["edge:only_b"]: 3}
    solid = [c for c in lines if c.get_linestyle()[0][1] is None]
    assert sum(len(c.get_segments()) for c in solid) == 1  # input -> h1
    # SVG: one dashed path per side, and the legend's dashed line
    (svg,) = save_diff(d, tmp_path / "d.svg")
    text = svg.read_text()
    for color in EDGE_COLORS.values():
        assert re.search(rf'class="nnviz-edges nnviz-one-sided" d="(M[^"]+)" fill="none" stroke="{color}"[^>]*'
                         r'stroke-dasharray=', text)
        assert re.search(rf'<path d="M[^"]*H[^"]*" stroke="{color}"[^>]*stroke-dasharray=', text)  # legend
    # HTML: each side's links that the other model lacks, dashed
    (page,) = save_diff(d, tmp_path / "d.html")
    html_text = page.read_text()
    one_sided = set(re.findall(r'data-src="([^"]+)" data-dst="([^"]+)" data-kind="(only_[ab])"', html_text))
    assert one_sided == {("h1", "drop", "only_a"), ("drop", "h2", "only_a"), ("h2", "out", "only_a"),
                         ("h1", "h2", "only_b"), ("h2", "extra", "only_b"), ("extra", "out", "only_b")}
    assert "link only in A" in html_text and "link only in B" in html_text
    # a model against itself has no dashed link and no such legend entry
    scene, _, _ = diff_scene(diff(*[_finetune_pair()[0]] * 2))
    assert {e.kind for e in scene.edges} == {"data"}
    assert not [lb for lb in scene.labels if lb.role.startswith("legend:edge:")]


def test_a_params_condition_with_an_unknown_count_cannot_be_decided(tmp_path):
    # a Keras config with a class nnviz does not know and no weights: its count is unknown
    def config(units):
        return {"class_name": "Sequential", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "x"}},
            {"class_name": "MyCustomLayer", "config": {"name": "custom"}},
            {"class_name": "Dense", "config": {"units": units, "name": "head"}}]}}

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(config(2)))
    b.write_text(json.dumps(config(3)))
    d = diff(a, b)
    assert d.params_delta is None and d.to_dict()["a"]["total_params"] is None
    r = _run(a, b, "--fail-on", "params>1")
    assert r.exit_code == 2 and "cannot be decided" in r.output and "Traceback" not in r.output
    assert _run(a, b, "--fail-on", "added").exit_code == 0  # the other conditions still decide
    assert _run(a, b, "--fail-on", "changed").exit_code == 1


def test_the_text_report_says_which_matches_structure_made():
    d = diff(mlp(16, 2, names=["hidden", "out"]), mlp(16, 2, names=["encoder", "out"]))
    assert "~ hidden -> encoder (matched by structure): name hidden -> encoder" in d.summary_lines()


@pytest.mark.needs_tf
def test_a_keras2_h5_against_its_keras3_resave_reports_nothing(tmp_path):
    import keras
    import tf_keras

    _build(tf_keras).save(tmp_path / "k2.h5")
    keras.models.load_model(tmp_path / "k2.h5", compile=False).save(tmp_path / "resaved.keras")
    d = diff(tmp_path / "k2.h5", tmp_path / "resaved.keras")
    assert d.is_empty, d.summary_lines()
    assert d.unchanged == 7 and d.params_delta == 0
    weights = diff(tmp_path / "k2.h5", tmp_path / "resaved.keras", weights=True)
    assert weights.weights_changed == []  # the same values, read from both eras' layouts


def _nested(keras, extra=False):
    """A model with a nested Sequential encoder (e1, e2; ``extra`` adds e_extra between them)."""
    inner = [keras.Input((4,)), keras.layers.Dense(6, name="e1"), keras.layers.Dense(3, name="e2")]
    if extra:
        inner.insert(2, keras.layers.Dense(6, name="e_extra"))
    x = keras.Input((4,), name="x")
    return keras.Model(x, keras.layers.Dense(2, name="head")(keras.Sequential(inner, name="encoder")(x)), name="m")


@pytest.mark.needs_tf
def test_weights_of_layers_inside_nested_models_are_compared(tmp_path):
    """--weights reaches into nested models: a tuned inner layer is reported by its path."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    base = _nested(keras)
    tuned = _nested(keras)
    tuned.set_weights(base.get_weights())
    e1 = tuned.get_layer("encoder").get_layer("e1")
    kernel, bias = e1.get_weights()
    e1.set_weights([kernel - 0.25, bias])
    base.save(tmp_path / "base.keras")
    tuned.save(tmp_path / "tuned.keras")
    expected = np.linalg.norm(np.full_like(kernel, 0.25)) / np.linalg.norm(np.concatenate([kernel.ravel(), bias]))
    for a, b in ((tmp_path / "base.keras", tmp_path / "tuned.keras"), (base, tuned)):  # files and live models
        d = diff(a, b, weights=True)
        assert d.changed == [] and [(w.a, w.b) for w in d.weights_changed] == [("encoder/e1", "encoder/e1")]
        assert d.weights_changed[0].max_abs == pytest.approx(0.25, rel=1e-6)
        assert d.weights_changed[0].relative == pytest.approx(expected, rel=1e-5)
        _valid(d.to_dict())
    assert diff(tmp_path / "base.keras", tmp_path / "base.keras", weights=True).weights_changed == []
    r = _run(tmp_path / "base.keras", tmp_path / "tuned.keras", "--weights")
    assert "w encoder/e1: max |Δ| 0.25" in r.output
