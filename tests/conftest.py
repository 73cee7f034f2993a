from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from truth import have_tf, in_ci  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REAL_MODELS = ROOT.parent / "shared" / "real-models"
EXAMPLES = ROOT / "examples"


def pytest_addoption(parser):
    parser.addoption("--regen", action="store_true", default=False,
                     help="Rewrite the golden files in tests/golden/ instead of comparing (also NNVIZ_REGEN=1).")


@pytest.fixture
def regen(request) -> bool:
    """Whether golden files are to be rewritten rather than compared."""
    return bool(request.config.getoption("--regen")) or os.environ.get("NNVIZ_REGEN") == "1"


def pytest_collection_modifyitems(config, items):
    skip_tf = pytest.mark.skip(reason="needs TensorFlow (pip install -e '.[test]')")
    skip_dot = pytest.mark.skip(reason="needs the Graphviz dot program (apt-get install graphviz)")
    tf = have_tf()
    dot = shutil.which("dot") is not None
    skip_browser = pytest.mark.skip(reason="needs Chromium (apt-get install chromium) and playwright")
    browser = shutil.which("chromium") is not None and importlib.util.find_spec("playwright") is not None
    skip_latex = pytest.mark.skip(reason="needs pdflatex and pdftoppm (apt-get install texlive-latex-base "
                                         "texlive-pictures texlive-latex-extra poppler-utils)")
    latex = shutil.which("pdflatex") is not None and shutil.which("pdftoppm") is not None
    for item in items:
        if "needs_browser" in item.keywords and not browser:
            item.add_marker(skip_browser)
        if "needs_tf" in item.keywords and not tf:
            item.add_marker(skip_tf)
        if "needs_dot" in item.keywords and not dot:
            item.add_marker(skip_dot)
        if "needs_latex" in item.keywords and not latex:
            item.add_marker(skip_latex)


def pytest_itemcollected(item):
    """Live TensorFlow (seconds to import, then models to build), Chromium and LaTeX are ``slow``: the quick
    tier (``-m "not slow and not oracle"``, README) runs without them; the full command runs them all."""
    if any(m in item.keywords for m in ("needs_tf", "needs_browser", "needs_latex")):
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``CI=true`` a skip is a failure: CI installs TensorFlow, dot, Chromium and playwright and has
    ../shared/real-models, so a test that would skip there means something is missing (deselect with -m)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may be missing: {reason}"


@pytest.fixture
def real_models() -> Path:
    if not REAL_MODELS.is_dir():
        pytest.skip("../shared/real-models is not beside this checkout")
    return REAL_MODELS


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.fixture(autouse=True, scope="session")
def _json_follows_the_schema():
    """Every to_dict() / --json output of the suite is checked against schema/graph.v2.json (tests/schema_check.py)."""
    from schema_check import checking

    with checking():
        yield


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Exit promptly: once the outcome is reported, move every object to the garbage collector's permanent
    generation. Python's shutdown otherwise runs full collections over the whole heap while it clears the
    modules (TensorFlow and Keras leave ~0.5 M long-lived objects and many cycles whose finalizers unregister
    traced functions), which took 4-30 s after the summary. Nothing is skipped: atexit handlers still run,
    and objects are still freed by reference counting; only cycles left at exit are not collected."""
    import gc

    gc.freeze()
