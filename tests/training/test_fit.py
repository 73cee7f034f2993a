"""nnviz.train end to end: accuracy, saved files read back without TensorFlow, seeds, plots, GIF, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import NnvizError, OptionError

pytestmark = pytest.mark.needs_tf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    """The iris example, trained once for the tests that look at a run (with an animation)."""
    gif = tmp_path_factory.mktemp("iris") / "iris-weights.gif"
    run = nnviz.train(EXAMPLES / "iris.json", "iris", epochs=50, learning_rate=0.01, animate=gif,
                      animate_every=10, progress=False)
    return run, gif


def test_iris_reaches_90_percent(iris_run):
    run, _ = iris_run
    assert run.metrics["accuracy"] >= 0.9
    assert run.loss == "sparse_categorical_crossentropy"
    assert sorted(run.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 50 for v in run.history.values())


def test_digits_mlp_reaches_90_percent():
    run = nnviz.train(EXAMPLES / "digits.json", "digits", epochs=15, progress=False)
    assert run.metrics["accuracy"] >= 0.9


def test_the_run_graph_carries_the_trained_weights(iris_run):
    run, _ = iris_run
    assert run.graph.description.startswith("Fisher's iris")
    for name in ("hidden", "species"):
        got = [a for _, a in run.graph.weights(name)]
        want = run.model.get_layer(name).get_weights()
        assert len(got) == 2 and all(np.array_equal(a, b) for a, b in zip(got, want))


_READ_WITHOUT_TF = """
import sys
sys.modules["tensorflow"] = sys.modules["keras"] = sys.modules["tf_keras"] = None  # importing them fails
import numpy as np, nnviz
g = nnviz.load(sys.argv[1])
np.savez(sys.argv[2], **{f"{l.name}/{i}": a for l in g.layers for i, (_, a) in enumerate(g.weights(l.name))})
"""


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_saved_files_read_back_without_tensorflow_carry_the_same_weights(iris_run, tmp_path, suffix):
    run, _ = iris_run
    path = run.save(tmp_path / f"iris{suffix}")
    dump = tmp_path / "weights.npz"
    subprocess.run([sys.executable, "-c", _READ_WITHOUT_TF, str(path), str(dump)], check=True)
    with np.load(dump) as stored:
        for layer in run.model.layers:
            want = layer.get_weights()
            assert len(want) == 2
            for i, array in enumerate(want):
                np.testing.assert_array_equal(stored[f"{layer.name}/{i}"], array)


def test_save_refuses_other_formats(iris_run, tmp_path):
    with pytest.raises(OptionError, match="unknown model format '.pt'"):
        iris_run[0].save(tmp_path / "model.pt")


def test_history_plot_has_a_panel_for_the_loss_and_each_metric(iris_run, tmp_path):
    run, _ = iris_run
    fig = run.plot_history(tmp_path / "history.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].lines] == ["training", "validation"]
    assert (tmp_path / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_animation_has_a_frame_per_snapshot(iris_run):
    from PIL import Image

    run, gif = iris_run
    assert [epoch for epoch, _, _ in run.snapshots] == [0, 10, 20, 30, 40, 50]
    with Image.open(gif) as image:
        assert image.n_frames == 6
        first = np.asarray(image.convert("RGB"))
        image.seek(5)
        last = np.asarray(image.convert("RGB"))
    assert first.shape == last.shape and not np.array_equal(first, last)


def test_the_same_seed_gives_the_same_weights_and_metrics():
    def run():
        return nnviz.train(EXAMPLES / "wine.json", "wine", epochs=4, seed=7, progress=False)

    a, b = run(), run()
    assert a.metrics == b.metrics and a.history == b.history
    for x, y in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_array_equal(x, y)


def test_defaults_follow_the_output_layer():
    pima = nnviz.train(EXAMPLES / "pima.json", EXAMPLES / "data" / "pima.csv", target="Outcome", epochs=2,
                       progress=False)
    assert pima.loss == "binary_crossentropy" and "accuracy" in pima.metrics
    stock = nnviz.train(EXAMPLES / "three_layer.json", "synthetic:regression?n=200", epochs=2, progress=False)
    assert stock.loss == "mse" and sorted(stock.metrics) == ["loss", "mae"]
    assert stock.data.n_features == 13  # synthetic data takes the model's input width


def test_options_override_the_defaults_and_patience_stops_early():
    # a learning rate far too high: the validation loss soon stops improving
    run = nnviz.train(EXAMPLES / "iris.json", "iris", epochs=40, loss="categorical_crossentropy",
                      optimizer="sgd", learning_rate=3.0, metrics="accuracy,mse", batch_size=200,
                      patience=2, progress=False)
    assert run.loss == "categorical_crossentropy" and type(run.model.optimizer).__name__ == "SGD"
    assert sorted(run.metrics) == ["accuracy", "loss", "mse"]
    assert run.epochs < 40


def test_a_mirrored_strategy_trains():
    run = nnviz.train(EXAMPLES / "iris.json", "iris", epochs=1, strategy="mirrored", progress=False)
    assert run.epochs == 1


def test_bad_options_are_option_errors():
    with pytest.raises(OptionError, match="unknown option 'epoch'.*did you mean 'epochs'"):
        nnviz.train(EXAMPLES / "iris.json", "iris", epoch=3)
    with pytest.raises(OptionError, match="unknown strategy"):
        nnviz.train(EXAMPLES / "iris.json", "iris", strategy="tpu")
    with pytest.raises(OptionError, match="unknown optimizer 'adamm'"):
        nnviz.train(EXAMPLES / "iris.json", "iris", optimizer="adamm", epochs=1, progress=False)
    with pytest.raises(OptionError, match="written as .gif"):
        nnviz.train(EXAMPLES / "iris.json", "iris", animate="w.png")


def test_a_model_with_two_inputs_is_refused():
    with pytest.raises(NnvizError, match="one input and one output"):
        nnviz.train(EXAMPLES / "multi_io.json", "iris", epochs=1)


def test_cli_train_end_to_end(tmp_path):
    out, history = tmp_path / "iris.keras", tmp_path / "iris-history.png"
    result = CliRunner().invoke(cli, ["train", str(EXAMPLES / "iris.json"), "--data", "iris", "--epochs", "3",
                                      "-o", str(out), "--history", str(history), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "trained 'iris' for 3 epochs on iris: test accuracy" in result.output
    assert nnviz.load(out).has_weights and history.stat().st_size > 0


IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def test_cli_train_stores_the_data_names_and_the_node_drawing_reads_them(tmp_path):
    import zipfile

    import keras

    out = tmp_path / "iris.keras"
    result = CliRunner().invoke(cli, ["train", str(EXAMPLES / "iris.json"), "--data", "iris", "--epochs", "1",
                                      "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        stored = json.loads(zf.read("nnviz.json"))
    assert stored == {"feature_names": list(IRIS_FEATURES), "output_names": list(IRIS_CLASSES)}
    assert keras.models.load_model(out).count_params() == 67        # Keras still loads the file
    graph = nnviz.load(out)
    assert graph.neuron_names == {"feature_names": IRIS_FEATURES, "output_names": IRIS_CLASSES}
    scene = nnviz.draw(out, style="node").scene
    labels = [lb.text for lb in scene.labels if lb.role == "neuron"]
    assert labels[:4] == list(IRIS_FEATURES) and labels[-3:] == list(IRIS_CLASSES)
    # names given by the caller win over the stored ones
    scene = nnviz.draw(out, style="node", output_names=["a", "b", "c"]).scene
    assert [lb.text for lb in scene.labels if lb.role == "neuron"][-3:] == ["a", "b", "c"]


def test_cli_train_errors_are_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["train", str(EXAMPLES / "iris.json"), "--data", "wine", "--epochs", "1"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "nnviz: error: the data wine has 13 features, but the model's input takes 4 (shape (None, 4))"]
    result = runner.invoke(cli, ["train", str(EXAMPLES / "iris.json"), "-o", str(tmp_path / "m.onnx")])
    assert result.exit_code == 2 and "unknown model format '.onnx'" in result.output
    assert not list(tmp_path.iterdir())


def test_the_weights_diagram_of_a_trained_run(iris_run):
    run, _ = iris_run
    diagram = nnviz.draw(run.graph, style="node", weights=True, **run.neuron_names())
    assert diagram.figure is not None
    assert run.neuron_names()["output_names"] == ("setosa", "versicolor", "virginica")


def test_the_spec_examples_have_descriptions():
    for name in ("iris", "wine", "pima", "digits"):
        spec = json.loads((EXAMPLES / f"{name}.json").read_text())
        assert spec["description"]
