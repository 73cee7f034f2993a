"""Offline training data: scikit-learn sets, CSV, npz and synthetic; splits, standardisation, fit checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnviz.errors import NnvizError, OptionError, ReadError
from nnviz.training.data import SKLEARN_DATASETS, fit_to_model, load_data

pytestmark = pytest.mark.needs_tf  # scikit-learn comes with the tensorflow extra

PIMA = Path(__file__).resolve().parents[2] / "examples" / "data" / "pima.csv"


@pytest.mark.parametrize("name, features, classes", [
    ("iris", 4, 3), ("digits", 64, 10), ("wine", 13, 3), ("breast_cancer", 30, 2), ("diabetes", 10, None)])
def test_scikit_learn_data_sets(name, features, classes):
    d = load_data(name)
    assert d.n_features == features and d.n_classes == classes
    rows = len(d.x_train) + len(d.x_val) + len(d.x_test)
    assert len(d.x_test) == pytest.approx(0.2 * rows, abs=1)
    assert len(d.x_val) == pytest.approx(0.2 * (rows - len(d.x_test)), abs=1)
    assert d.x_train.dtype == np.float32 and len(d.y_train) == len(d.x_train)


def test_every_advertised_data_set_is_tested():
    assert set(SKLEARN_DATASETS) == {"iris", "digits", "wine", "breast_cancer", "diabetes"}


def test_standardisation_is_fit_on_the_training_split_only():
    d = load_data("wine", seed=1)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(axis=0), 1, atol=1e-4)
    assert np.abs(d.x_test.mean(axis=0)).max() > 0.01  # the test split was not used to fit it
    raw = np.concatenate([d.x_train, d.x_test]) * d.scale + d.mean
    from sklearn.datasets import load_wine

    wine = load_wine().data
    assert all(np.isclose(wine, row, atol=1e-3).all(axis=1).any() for row in raw[:5])


def test_the_split_is_deterministic_for_a_seed_and_stratified():
    a, b, c = load_data("iris", seed=3), load_data("iris", seed=3), load_data("iris", seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    assert np.bincount(a.y_test).tolist() == [10, 10, 10]


def test_no_validation_split():
    d = load_data("iris", validation_split=0)
    assert len(d.x_val) == 0 and len(d.x_train) == 120


def test_the_shipped_pima_csv():
    d = load_data(PIMA, target="Outcome")
    assert d.feature_names == ("Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI",
                               "DiabetesPedigreeFunction", "Age")
    assert d.class_names == ("0", "1")
    assert 0.25 < d.y_train.mean() < 0.45  # about a third have diabetes, as in the real data


def test_csv_with_a_categorical_column_and_missing_values(tmp_path):
    csv = tmp_path / "pets.csv"
    rows = ["size,colour,legs,kind"] + [",".join(map(str, row)) for row in [
        (1.0, "red", 4, "cat"), (2.5, "blue", 4, "dog"), ("", "red", 2, "bird"), (3.0, "green", 4, "dog"),
        (0.5, "blue", 2, "bird"), (1.2, "red", 4, "cat"), (2.8, "green", 4, "dog"), (0.4, "blue", 2, "bird"),
        (1.1, "red", 4, "cat"), (2.9, "blue", 4, "dog"), (1.0, "red", 4, "")]]
    csv.write_text("\n".join(rows) + "\n")
    d = load_data(csv, target="kind", test_split=0.3, validation_split=0)
    assert d.feature_names == ("size", "colour=blue", "colour=green", "colour=red", "legs")
    assert d.class_names == ("bird", "cat", "dog")  # the row without a kind is left out
    assert len(d.x_train) + len(d.x_test) == 10
    onehot = np.concatenate([d.x_train, d.x_test])[:, 1:4]
    assert set(np.unique(onehot)) == {0.0, 1.0} and (onehot.sum(axis=1) == 1).all()  # not standardised
    assert np.isfinite(d.x_train).all() and np.isfinite(d.x_test).all()  # the missing size became the mean
    ordinal = load_data(csv, target="kind", categorical="ordinal", test_split=0.3)
    assert ordinal.feature_names == ("size", "colour", "legs")


def test_csv_errors(tmp_path):
    with pytest.raises(ReadError, match="no column 'Outcom'.*did you mean 'Outcome'"):
        load_data(PIMA, target="Outcom")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ReadError, match="row 3 has a different number of fields"):
        load_data(bad)
    with pytest.raises(ReadError, match="no such data file"):
        load_data(tmp_path / "missing.csv")


def test_npz(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.npz"
    np.savez(path, x=rng.normal(size=(50, 2, 3)), y=rng.integers(5, 8, size=50))
    d = load_data(path)
    assert d.n_features == 6 and d.class_names == ("5", "6", "7")
    assert set(np.unique(d.y_train)) <= {0, 1, 2}
    np.savez(path, x=rng.normal(size=(50, 3)), y=rng.normal(size=50))
    assert load_data(path).class_names is None
    np.savez(path, features=np.zeros((5, 2)))
    with pytest.raises(ReadError, match="needs arrays 'x' and 'y'"):
        load_data(path)


def test_synthetic_data():
    d = load_data("synthetic")
    assert d.n_features == 20 and d.n_classes == 2 and len(d.x_test) == 100
    d = load_data("synthetic:classification?n=300&features=6&classes=4")
    assert d.n_features == 6 and d.n_classes == 4
    d = load_data("synthetic:regression?features=5", seed=2)
    assert d.class_names is None and d.y_train.dtype == np.float32
    assert load_data("synthetic", defaults={"features": 7, "classes": 3}).n_features == 7
    np.testing.assert_array_equal(load_data("synthetic", seed=5).x_train, load_data("synthetic", seed=5).x_train)
    with pytest.raises(OptionError, match="unknown synthetic data parameter 'rows'"):
        load_data("synthetic?rows=5")
    with pytest.raises(OptionError, match="unknown data 'iriss'.*did you mean 'iris'"):
        load_data("iriss")


def test_the_data_must_fit_the_model():
    d = load_data("iris")
    with pytest.raises(NnvizError, match=r"has 4 features, but the model's input takes 13"):
        fit_to_model(d, (None, 13), units=3, activation="softmax")
    with pytest.raises(NnvizError, match=r"has 3 classes, but the model's output \(2 softmax units\) gives 2"):
        fit_to_model(d, (None, 4), units=2, activation="softmax")
    with pytest.raises(NnvizError, match="has 3 classes, but .* predicts two"):
        fit_to_model(d, (None, 4), units=1, activation="sigmoid")
    with pytest.raises(NnvizError, match="continuous target"):
        fit_to_model(load_data("diabetes"), (None, 10), units=1, activation="sigmoid")


def test_features_are_reshaped_to_an_image_input():
    d = fit_to_model(load_data("digits"), (None, 8, 8, 1), units=10, activation="softmax")
    assert d.x_train.shape[1:] == (8, 8, 1)
