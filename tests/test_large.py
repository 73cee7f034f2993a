"""Large but honest inputs: a 10,000-layer model in every form reads and summarises.

No timings are asserted here (``benchmarks/bench_large.py`` prints them); what is checked is that
it completes with the right numbers, which a quadratic step would make this test crawl through.
"""

from __future__ import annotations


import pytest

import nnviz
from benchmodules import bench_large

pytestmark = pytest.mark.slow  # 10,000-layer models: in the full command, not the quick tier

N = 10_000
DENSE = 16 * 16 + 16




def _expected_params(form: str) -> int:
    if form == "Sequential":
        return N * DENSE
    if form == "nnviz spec":  # Dense on two of every three layers, but Add at every tenth
        return sum(DENSE for i in range(N) if i % 10 != 9 and i % 3 != 2)
    return sum(DENSE for i in range(N) if i % 10 != 9)


@pytest.mark.parametrize("form", ["nnviz spec", "Keras 3 functional", "Keras 2 Model", "Sequential",
                                  "Keras 3 config in .h5"])
def test_ten_thousand_layers_summarise(tmp_path, form):
    path = bench_large().FORMS[form](tmp_path, N)
    graph = nnviz.load(path)
    assert len(graph.layers) == N + 1
    assert graph.total_params == _expected_params(form)
    assert graph.layer(f"l{N - 1}").output_shape == (None, 16)
    text = graph.summary()
    assert f"Total params: {graph.total_params:,}" in text
    rows = graph.to_dict()["layers"]
    assert len(rows) == N + 1 and rows[-1]["inbound"]
