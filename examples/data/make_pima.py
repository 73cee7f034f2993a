"""Write ``pima.csv``: a generated stand-in for the Pima Indians diabetes data (which cannot be downloaded here).

The columns, their units and ranges follow the real file (768 women, 8 measurements and
an ``Outcome`` of 1 for diabetes, about a third of them); the values are drawn from a
seeded generator, and the outcome follows a logistic model in which glucose, BMI, age,
the pedigree function and pregnancies raise the odds, so a small network learns it to
roughly the accuracy the tutorials report for the real data (about 75-80%).

Run ``python examples/data/make_pima.py``: the same file every time.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from nnviz.fileio import write_atomic

COLUMNS = ("Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI",
           "DiabetesPedigreeFunction", "Age", "Outcome")
ROWS = 768
SEED = 1988  # the year the Pima data set was published


def generate(rows: int = ROWS, seed: int = SEED) -> np.ndarray:
    """The table as floats, one row per person, in the order of ``COLUMNS``."""
    rng = np.random.default_rng(seed)
    age = np.clip(21 + rng.gamma(1.6, 8.0, rows), 21, 81).round()
    pregnancies = np.clip(rng.poisson(0.9 + (age - 21) * 0.14), 0, 17)
    glucose = np.clip(rng.normal(118 + (age - 33) * 0.35, 28, rows), 44, 199).round()
    bmi = np.clip(rng.normal(32.3, 6.8, rows), 18.2, 67.1).round(1)
    pressure = np.clip(rng.normal(70 + (age - 33) * 0.25 + (bmi - 32) * 0.3, 11, rows), 24, 122).round()
    skin = np.clip(rng.normal(29 + (bmi - 32) * 1.1, 7, rows), 7, 99).round()
    insulin = np.clip(np.exp(rng.normal(4.7, 0.55, rows)) * (glucose / 120) ** 1.5, 14, 846).round()
    pedigree = np.clip(rng.lognormal(-0.95, 0.6, rows), 0.078, 2.42).round(3)
    logit = (-0.85 + 0.038 * (glucose - 120) + 0.085 * (bmi - 32) + 0.03 * (age - 33)
             + 0.9 * (pedigree - 0.47) + 0.06 * (pregnancies - 3.8))
    outcome = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(float)
    return np.column_stack([pregnancies, glucose, pressure, skin, insulin, bmi, pedigree, age, outcome])


def to_csv(table: np.ndarray) -> str:
    """The table as CSV text with the Pima header; whole numbers without a decimal point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table:
        writer.writerow([f"{v:g}" for v in row])
    return out.getvalue()


if __name__ == "__main__":
    path = write_atomic(Path(__file__).with_name("pima.csv"), to_csv(generate()))
    print(f"wrote {path}")
