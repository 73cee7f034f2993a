"""The oracle: every recorded layer truth (``tests/data/truth/layer``, ``.../weights``) is what live Keras says.

The layer tests compare nnviz with Keras's answers recorded as data (see ``tests/truth.py``),
so they run without TensorFlow. These tests ask Keras again from each recorded question
alone, so a recorded answer that Keras no longer gives fails here.
"""

from __future__ import annotations

import pytest

from truth import COMPUTE, all_records

RECORDS = all_records("layer", "weights")


def test_there_is_recorded_truth():
    assert len([r for _, r in RECORDS if r["kind"] == "layer"]) >= 100


@pytest.mark.needs_tf
@pytest.mark.oracle
@pytest.mark.parametrize("path,record", RECORDS, ids=[f"{r['kind']}-{r['key']['cls']}-{p.stem[:8]}"
                                                      for p, r in RECORDS])
def test_recorded_truth_is_what_keras_says(path, record):
    assert COMPUTE[record["kind"]](record["key"]) == record["value"], f"{path.name}: Keras now says otherwise"
