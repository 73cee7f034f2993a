"""examples/quickstart.ipynb runs from top to bottom without an error (executed with nbclient)."""

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.needs_tf
def test_quickstart_notebook_runs():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()  # raises CellExecutionError on any failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "image/png" in kinds            # the inline figures
    assert "image/svg+xml" in kinds or "text/html" in kinds  # the Diagram's rich repr
    history = next(c for c in nb.cells if c.cell_type == "code" and "plot_history" in c.source)
    assert any("image/png" in o.get("data", {}) for o in history.outputs)  # the training curves show
    summary = next(o for o in nb.cells[1].outputs if "data" in o)["data"]
    assert "text/html" in summary and "Total params" in summary["text/html"]
