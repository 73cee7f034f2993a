"""The gallery: examples that load, the batch engine (parallel, incremental, safe), its command and --check."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz import gallery
from nnviz.cli import cli
from nnviz.errors import NnvizError, OptionError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Keras's own count_params() for every spec (checked with keras 3 when the examples were written;
# test_specs_build_in_keras re-checks a sample when TensorFlow is present)
KERAS_PARAMS = {
    "alexnet.json": 62_379_752, "bidirectional_tagger.json": 1_086_673, "cnn1d_timeseries.json": 411_650,
    "conv_autoencoder.json": 74_497, "deepnn.json": 91, "gan_discriminator.json": 212_865,
    "gan_generator.json": 2_330_944, "gru_text.json": 675_886, "inception_module.json": 163_696,
    "lenet5.json": 61_706, "lstm_text.json": 2_609_473, "mnist_mlp.json": 535_818, "multi_io.json": 1_392_097,
    "perceptron.json": 4, "pima.json": 289, "residual_block.json": 305_152, "seq2seq.json": 546_141,
    "siamese.json": 22_978, "simple_classifier.json": 3_457, "stock.json": 20_225, "three_layer.json": 261,
    "transformer_encoder.json": 2_692_738, "vgg.json": 961_706,
    "keras/cnn.keras": 5_130, "keras/cnn_tuned.keras": 5_258, "keras/iris_mlp.keras": 67, "keras/lstm.h5": 72_353,
    "keras/seq2seq_lstm.keras": 53_800, "keras/gemma_backbone.keras": 123_456, "keras/subclassed_mlp.keras": 13_411,
    "keras/resnet50.json": 25_636_712,
}
MLPS = {"perceptron.json", "three_layer.json", "deepnn.json", "pima.json", "stock.json", "mnist_mlp.json",
        "simple_classifier.json", "keras/iris_mlp.keras"}
# a few sources that cover specs and Keras files, MLPs, branches, nesting and a shared layer
FEW = ["deepnn.json", "lenet5.json", "siamese.json", "keras/iris_mlp.keras"]


DRAWN: list[tuple[str, str]] = []  # what fake_draw drew in this process


def fake_draw(source, *, style="block", **options):
    """A tiny renderer with nnviz.draw's signature: the model's name on a small figure.

    The engine is tested with it, so these tests neither wait for nor depend on the real
    renderers; it lives at module level so that worker processes can import it.
    """
    from matplotlib.figure import Figure

    from nnviz.render.diagram import Diagram

    graph = nnviz.load(source)
    DRAWN.append((graph.name, style))

    def render():
        figure = Figure(figsize=(4, 2), dpi=50)
        figure.text(0.5, 0.5, f"{graph.name} ({style})", ha="center", va="center")
        return figure

    return Diagram(graph, style=style, render=render)


def exploding_draw(source, *, style="block", **options):
    """A renderer with a bug."""
    raise AssertionError(f"drew {nnviz.load(source).name} ({style}) again")


def dying_draw(source, *, style="block", **options):
    """A renderer whose process dies (as if killed or out of memory)."""
    os._exit(3)


def build(src, out, **kwargs):
    kwargs.setdefault("renderer", fake_draw)
    kwargs.setdefault("jobs", 1)
    kwargs.setdefault("progress", False)
    return gallery.build(src, out, **kwargs)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A temporary copy of a few examples (and the README that describes the Keras file)."""
    folder = tmp_path / "examples"
    for rel in FEW + ["README.md"]:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / rel, folder / rel)
    return folder


@pytest.fixture
def fake_default(monkeypatch):
    """Make the fake renderer the default, for the command line (in-process, --jobs 1)."""
    monkeypatch.setattr(gallery.workers, "_default_renderer", lambda: fake_draw)


def snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


# -- the examples --------------------------------------------------------------------------

def test_there_are_at_least_20_examples_and_each_loads_with_a_description():
    sources = gallery.find_sources(EXAMPLES)
    assert len(sources) >= 20
    described = gallery.readme_descriptions(EXAMPLES)
    for path in sources:
        rel = path.relative_to(EXAMPLES).as_posix()
        if rel.endswith(gallery.PAIR_SUFFIX):  # a pair: both its models are examples themselves
            pair = gallery.read_pair(path, EXAMPLES)
            assert pair.a in sources and pair.b in sources and pair.description, rel
            continue
        graph = nnviz.load(path)
        assert graph.total_params > 0, rel
        description = described.get(rel) or graph.description  # a Keras to_json() file: its README line
        assert description and "\n" not in description, f"{rel} has no one-line description"
        if path.suffix == ".json" and rel not in described:
            assert json.loads(path.read_text())["name"], rel


@pytest.mark.parametrize("rel", sorted(KERAS_PARAMS))
def test_example_parameters_equal_keras(rel):
    assert nnviz.load(EXAMPLES / rel).total_params == KERAS_PARAMS[rel]


def test_the_tutorial_networks_are_as_the_tutorials_build_them():
    perceptron = nnviz.load(EXAMPLES / "perceptron.json")
    assert perceptron.name == "Perceptron" and perceptron.layer("input").output_shape == (None, 3)
    assert [(l.type, l.units, l.activation) for l in perceptron.layers[1:]] == [("Dense", 1, "linear")]
    assert nnviz.load(EXAMPLES / "three_layer.json").layers[1].params == 140
    widths = {"pima.json": [8, 16, 8, 1], "stock.json": [27, 128, 128, 1], "mnist_mlp.json": [784, 512, 256, 10]}
    for rel, expected in widths.items():
        graph = nnviz.load(EXAMPLES / rel)
        assert [l.output_shape[-1] for l in graph.layers if l.type in ("InputLayer", "Dense")] == expected


def test_seq2seq_keras_file_feeds_the_encoder_states_to_the_decoder():
    graph = nnviz.load(EXAMPLES / "keras" / "seq2seq_lstm.keras")
    (call,) = graph.calls_of("decoder")
    assert [(r.layer, r.tensor) for r in call.inputs] == [("decoder_inputs", 0), ("encoder", 1), ("encoder", 2)]


def test_keras_files_are_small():
    for path in (EXAMPLES / "keras").iterdir():
        assert path.stat().st_size < 1024 * 1024, path


def test_examples_readme_lists_every_example_with_its_parameters():
    table = dict(re.findall(r"^\| \[`([^`]+)`\]\([^)]*\) \|.*\| ([\d,]+) \|$",
                            (EXAMPLES / "README.md").read_text(), re.M))
    sources = {p.relative_to(EXAMPLES).as_posix(): p for p in gallery.find_sources(EXAMPLES)}
    assert set(table) == set(sources)
    for rel, path in sources.items():
        if rel.endswith(gallery.PAIR_SUFFIX):  # a pair's count is its B side's
            path = gallery.read_pair(path, EXAMPLES).b
        assert table[rel] == f"{nnviz.load(path).total_params:,}", rel


@pytest.mark.needs_tf
@pytest.mark.parametrize("rel", ["lenet5.json", "seq2seq.json", "siamese.json", "transformer_encoder.json",
                                 "bidirectional_tagger.json", "conv_autoencoder.json"])
def test_specs_build_in_keras(rel):
    build_model = pytest.importorskip("nnviz.training.build")
    model = build_model.to_keras(EXAMPLES / rel)
    assert model.count_params() == KERAS_PARAMS[rel]


@pytest.mark.parametrize("rel", sorted(r for r in KERAS_PARAMS))
def test_node_style_suits_mlps_only(rel):
    assert gallery.suits_node(nnviz.load(EXAMPLES / rel)) == (rel in MLPS)


# -- building ------------------------------------------------------------------------------

@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.slow
def test_build_from_scratch(src, tmp_path, jobs):
    out = tmp_path / "gallery"
    result = build(src, out, jobs=jobs)
    assert result.exit_code == 0, result.failed
    assert result.rendered == sorted(FEW) and not result.unchanged
    names = {p.name for p in out.iterdir()}
    for stem in ("deepnn.node", "deepnn.block", "lenet5.block", "siamese.block", "keras-iris_mlp-keras.node"):
        assert {f"{stem}.svg", f"{stem}.png", f"{stem}.thumb.png"} <= names
    assert "lenet5.volume.svg" in names and "deepnn.volume.svg" not in names  # volumes for CNNs only
    assert "lenet5.node.svg" not in names  # node style is for MLPs
    assert {"README.md", "index.html", "manifest.json"} <= names
    from PIL import Image

    with Image.open(out / "lenet5.block.thumb.png") as thumb:
        assert thumb.width <= 320 and thumb.height <= 320


@pytest.mark.slow
def test_builds_with_one_and_two_jobs_write_the_same_pages(src, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build(src, one, jobs=1)
    build(src, two, jobs=2)
    for name in ("README.md", "index.html", "manifest.json"):
        assert (one / name).read_text() == (two / name).read_text(), name


def test_index_pages_list_titles_descriptions_params_and_links(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    readme, page = (out / "README.md").read_text(), (out / "index.html").read_text()
    assert "[![LeNet-5 (block)](lenet5.block.thumb.png)](lenet5.block.svg)" in readme
    assert "61,706" in readme and "61,706 parameters" in page
    assert 'href="lenet5.block.svg"' in page and 'src="lenet5.block.thumb.png"' in page
    assert "LeCun&#x27;s LeNet-5" in page  # the spec's description, escaped
    described = gallery.readme_descriptions(src)["keras/iris_mlp.keras"]
    assert described in readme  # a Keras file's description, from the sources' README.md
    titles = re.findall(r"<h2>(.*?)</h2>", page)
    assert titles == ["DeepNN", "iris_mlp", "LeNet-5", "siamese"]  # sorted by source path


def test_rebuild_with_nothing_changed_draws_and_writes_nothing(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    before = snapshot(out)
    DRAWN.clear()
    start = time.perf_counter()
    result = build(src, out, jobs=2)
    assert time.perf_counter() - start < 1.0
    assert DRAWN == []
    assert result.exit_code == 0, result.failed
    assert result.rendered == [] and result.written == [] and result.unchanged == sorted(FEW)
    assert snapshot(out) == before


def test_changing_one_source_redraws_only_it(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    spec = json.loads((src / "lenet5.json").read_text())
    spec["layers"][-1]["units"] = 5
    (src / "lenet5.json").write_text(json.dumps(spec))
    result = build(src, out)
    assert result.rendered == ["lenet5.json"]
    assert result.unchanged == sorted(set(FEW) - {"lenet5.json"})
    assert f"{61_706 - 5 * 85:,}" in (out / "README.md").read_text()


def test_force_redraws_everything(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    assert build(src, out, force=True).rendered == sorted(FEW)
    assert build(src, out, check=True).exit_code == 0


def test_whitespace_only_line_ending_change_is_not_a_change(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    path = src / "deepnn.json"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert build(src, out).rendered == []


def test_changing_options_redraws_everything_and_removes_what_is_no_longer_made(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    result = build(src, out, formats=["svg"], styles=["block"])
    assert result.rendered == sorted(FEW)
    assert "deepnn.block.png" in result.removed and "deepnn.node.svg" in result.removed
    assert (out / "deepnn.block.thumb.png").is_file()  # thumbnails are made without a kept PNG
    assert not (out / "deepnn.block.png").exists()


def test_bad_source_is_reported_and_the_rest_render(src, tmp_path):
    (src / "bad.json").write_text('{"name": "bad", "input_shape": [3], "layers": [{"type": "Dens", "units": 1}]}')
    out = tmp_path / "gallery"
    result = build(src, out, jobs=2)
    assert result.exit_code == 2
    (failure,) = result.failed
    assert failure.source == "bad.json" and failure.traceback is None
    assert "bad.json" in failure.message and "unknown layer type 'Dens'" in failure.message
    assert result.rendered == sorted(FEW)
    assert not any(p.name.startswith("bad.") for p in out.iterdir())
    # still reported on the next build, until it is fixed
    assert [f.source for f in build(src, out).failed] == ["bad.json"]


def test_a_renderer_bug_is_reported_with_its_traceback(src, tmp_path):
    result = build(src, tmp_path / "gallery", renderer=exploding_draw)
    assert len(result.failed) == len(FEW)
    assert all("AssertionError" in f.message and "Traceback" in f.traceback for f in result.failed)
    assert result.exit_code == 2


def test_a_worker_that_dies_fails_its_sources_instead_of_the_build(src, tmp_path):
    result = build(src, tmp_path / "gallery", renderer=dying_draw, jobs=2)
    assert result.exit_code == 2 and [f.source for f in result.failed] == sorted(FEW)
    assert all("died" in f.message for f in result.failed)


def test_a_source_that_breaks_keeps_its_previous_images(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    (src / "lenet5.json").write_text("{ not json")
    result = build(src, out)
    assert [f.source for f in result.failed] == ["lenet5.json"]
    assert (out / "lenet5.block.svg").is_file()
    assert "LeNet-5" in (out / "README.md").read_text()
    assert build(src, out, check=True).stale == ["lenet5.json: changed"]


def test_files_nnviz_did_not_make_survive(src, tmp_path):
    out = tmp_path / "gallery"
    out.mkdir()
    mine = {"notes.txt": "my notes", "logo.png": "not an image", "old.block.svg": "<svg/>"}
    for name, text in mine.items():
        (out / name).write_text(text)
    build(src, out)
    (src / "siamese.json").unlink()
    result = build(src, out)
    assert "siamese.block.svg" in result.removed and not (out / "siamese.block.svg").exists()
    for name, text in mine.items():
        assert (out / name).read_text() == text
    assert "siamese" not in (out / "README.md").read_text()


def test_a_readme_nnviz_did_not_write_is_not_overwritten(src, tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "README.md").write_text("# My docs\n")
    with pytest.raises(NnvizError, match="README.md exists and was not written by nnviz"):
        build(src, out)
    assert (out / "README.md").read_text() == "# My docs\n"


def test_the_gallery_may_live_inside_its_sources(src):
    out = src / "gallery"
    build(src, out)
    result = build(src, out)
    assert result.exit_code == 0 and result.unchanged == sorted(FEW)  # its own files are no sources


@pytest.mark.parametrize("kwargs,message", [
    ({"formats": ["gif"]}, "unknown format: 'gif'"),
    ({"styles": ["boxes"]}, "unknown style: 'boxes'"),
    ({"formats": []}, "at least one format"),
    ({"jobs": 0}, "jobs must be a positive integer"),
    ({"check": True, "force": True}, "check and force exclude each other"),
])
def test_bad_options_are_rejected(src, tmp_path, kwargs, message):
    with pytest.raises(OptionError, match=message):
        build(src, tmp_path / "gallery", **kwargs)
    assert not (tmp_path / "gallery").exists()


# -- a hostile manifest ----------------------------------------------------------------------

def plant(out: Path, files: list[str], source: str = "gone.json", slug: str = "gone") -> None:
    """Add an entry to the gallery's manifest whose source is gone and which lists ``files``."""
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["sources"][source] = {"source": source, "hash": "0", "slug": slug, "name": "Gone",
                                   "description": None, "total_params": 1, "styles": ["block"], "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest))


def hostile_names(tmp_path: Path, out: Path) -> list[tuple[str, Path]]:
    """File names a manifest may list and the victim each would delete: outside ``out``, or not nnviz's."""
    outside = tmp_path / "victim.txt"
    sub = out / "sub"
    sub.mkdir()
    (out / "gone.block.svg").symlink_to(tmp_path / "linked.block.svg")
    (out / "dir").symlink_to(tmp_path)
    return [("../victim.txt", outside), (str(outside), outside), ("sub/gone.block.svg", sub / "gone.block.svg"),
            ("gone.block.svg", tmp_path / "linked.block.svg"), ("dir/victim.txt", outside),
            ("../gone.block.svg", tmp_path / "gone.block.svg"), ("notes.txt", out / "notes.txt"),
            ("other.block.svg", out / "other.block.svg")]  # another slug's name


@pytest.mark.parametrize("index", range(8))
def test_a_manifest_cannot_delete_files_outside_the_gallery_or_not_nnvizs(src, tmp_path, index):
    out = tmp_path / "gallery"
    build(src, out)
    name, victim = hostile_names(tmp_path, out)[index]
    victim.write_text("keep me")
    plant(out, ["gone.block.png", name])
    (out / "gone.block.png").write_text("png")
    result = build(src, out)
    assert victim.read_text() == "keep me"
    assert result.removed == [] and (out / "gone.block.png").read_text() == "png"
    assert [w for w in result.warnings if "ignored the entry 'gone.json'" in w and repr(name) in w]
    assert "gone.json" not in (out / "manifest.json").read_text()  # the rebuilt manifest drops it


def test_check_does_not_probe_paths_a_manifest_names(src, tmp_path, monkeypatch):
    out = tmp_path / "gallery"
    build(src, out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["sources"]["lenet5.json"]["files"].append("/etc/passwd")
    (out / "manifest.json").write_text(json.dumps(manifest))
    probed = []
    real = Path.is_file
    monkeypatch.setattr(Path, "is_file", lambda self: probed.append(str(self)) or real(self))
    result = build(src, out, check=True)
    assert "/etc/passwd" not in probed and not [p for p in probed if not p.startswith(str(tmp_path))]
    # the entry is not trusted, so its source counts as new (not "current" because /etc/passwd exists)
    assert result.stale == ["lenet5.json: new"] and "'/etc/passwd'" in result.warnings[0]


def test_the_command_warns_about_a_hostile_manifest(src, tmp_path, fake_default):
    out = tmp_path / "gallery"
    build(src, out)
    (tmp_path / "victim.txt").write_text("keep me")
    plant(out, ["../victim.txt"])
    r = run("gallery", str(src), "-o", str(out), "--jobs", "1")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "victim.txt").read_text() == "keep me"
    assert "nnviz: warning: " in r.stderr and "'../victim.txt' is not a file name nnviz writes" in r.stderr


# -- clashing slugs, big and non-regular sources -----------------------------------------------

def spec(name: str, units: int) -> str:
    return json.dumps({"name": name, "input_shape": [3], "layers": [{"type": "Dense", "units": units}]})


@pytest.mark.parametrize("first,second", [("a-b.json", "a.b.json"), ("keras-cnn.json", "keras/cnn.json"),
                                          ("Net.json", "net.json")])
@pytest.mark.slow
def test_sources_with_the_same_slug_get_their_own_images(tmp_path, first, second):
    src, out = tmp_path / "src", tmp_path / "gallery"
    for i, rel in enumerate((first, second)):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(spec(f"model{i}", i + 1))
    result = build(src, out)
    one, two = result.entries
    assert one.slug != two.slug and one.slug.lower() != two.slug.lower()
    assert not set(one.files) & set(two.files) and all((out / f).is_file() for f in one.files + two.files)
    assert (out / one.image("block", "svg")).read_bytes() != (out / two.image("block", "svg")).read_bytes()
    assert build(src, out, check=True).exit_code == 0
    assert [e.slug for e in build(tmp_path / "src", tmp_path / "again", jobs=2).entries] == [one.slug, two.slug]
    (src / second).write_text(spec("model1", 5))  # a change to one redraws that one, under its own name
    assert build(src, out, check=True).stale == [f"{second}: changed"]
    (src / first).unlink()  # the other one takes the plain slug: redrawn, its old images removed
    result = build(src, out)
    assert result.rendered == [second] and result.entries[0].slug == gallery.sources._slug(second)
    assert set(result.removed) == (set(two.files) | set(one.files)) - set(result.entries[0].files)
    assert build(src, out, check=True).exit_code == 0


def test_the_source_hash_reads_in_chunks(tmp_path):
    import tracemalloc

    big = tmp_path / "big.h5"
    with open(big, "wb") as fh:
        fh.truncate(64 << 20)  # sparse: 64 MB of zeros
    tracemalloc.start()
    try:
        digest = gallery.sources._hash(big, "big.h5", None, {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"hashing a 64 MB file took {peak:,} bytes"
    import hashlib

    assert digest == hashlib.sha256(b'{"description": null, "options": {}}\0' + b"\0" * (64 << 20)).hexdigest()


@pytest.mark.parametrize("text", [b"a\r\nb", b"\r\r\n\r", b"x" * 9 + b"\r\n" * 5, b"\r" * 20, b"\r\n" * 7 + b"\r"])
def test_the_chunked_hash_is_the_whole_file_hash_of_before(tmp_path, monkeypatch, text):
    import hashlib

    monkeypatch.setattr(gallery.sources, "HASH_CHUNK", 3)  # chunk boundaries fall inside CRLFs
    head = b'{"description": "d", "options": {"k": 1}}\0'
    for rel, data in (("a.json", text.replace(b"\r\n", b"\n")), ("a.h5", text)):  # CRLF is LF in a spec only
        (tmp_path / rel).write_bytes(text)
        assert gallery.sources._hash(tmp_path / rel, rel, "d", {"k": 1}) == hashlib.sha256(head + data).hexdigest()


def test_non_regular_sources_are_refused_on_one_line_and_the_rest_drawn(src, tmp_path):
    os.mkfifo(src / "fifo.json")  # reading it would wait for a writer forever
    (src / "zero.h5").symlink_to("/dev/zero")  # reading it would never end
    out = tmp_path / "gallery"
    for check in (True, False):
        result = build(src, out, check=check)
        assert result.exit_code == 2
        assert [(f.source, f.message) for f in result.failed] == [
            ("fifo.json", f"{src / 'fifo.json'}: not a regular file (a FIFO): nnviz reads only files and folders"),
            ("zero.h5", f"{src / 'zero.h5'}: not a regular file (a character device): nnviz reads only files "
                        "and folders")]
    assert sorted(result.rendered) == sorted(FEW)


# -- hostile names and descriptions in the index pages -----------------------------------------

HOSTILE_NAME = "<script>alert(1)</script> *x* [y](javascript:alert(2))"
HOSTILE_DESCRIPTION = "<img src=x onerror=alert(3)> & **b** | ![i](http://evil/) keeps `code|span <b>` as code"


def markdown_html(text: str) -> str:
    """The Markdown as a renderer with raw HTML on (as MkDocs or Sphinx may be) turns it into HTML."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_the_readme_shows_hostile_names_descriptions_and_file_names_as_text(tmp_path):
    src, out = tmp_path / "src", tmp_path / "gallery"
    src.mkdir()
    rel = "we`ird|x.json"  # a backtick would end the code span, a pipe the table cell
    (src / rel).write_text(json.dumps({"name": HOSTILE_NAME, "description": HOSTILE_DESCRIPTION,
                                       "input_shape": [3], "layers": [{"type": "Dense", "units": 1}]}))
    build(src, out)
    page = markdown_html((out / "README.md").read_text())
    for tag in ("<script", "<img src=\"x\"", "<em>", "<strong>b", 'href="javascript', 'src="http://evil'):
        assert tag not in page
    assert re.findall(r'<img src="([^"]*)"', page) == ["we-ird-x.block.thumb.png", "we-ird-x.node.thumb.png"]
    row = next(line for line in page.split("<tr>") if "we`ird" in line)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert len(cells) == 5, cells
    assert cells[0] == html_text(HOSTILE_NAME)
    assert cells[1] == "<code>we`ird|x.json</code>"
    assert cells[3] == (html_text(HOSTILE_DESCRIPTION.split("`")[0]) + "<code>code|span &lt;b&gt;</code> as code")


def html_text(text: str) -> str:
    import html

    return html.escape(text, quote=False).replace("'", "&#x27;")


def test_index_html_shows_code_spans_as_code_and_escapes_the_rest(tmp_path):
    entry = gallery.Entry("n.json", "h", "n", HOSTILE_NAME, HOSTILE_DESCRIPTION, 4, ("block",),
                          ("n.block.svg", "n.block.thumb.png"))
    page = gallery.render_html([entry], ["svg"])
    assert "<script" not in page and "<img src=x" not in page and "`" not in page.split("-->", 1)[1]
    assert "<code>code|span &lt;b&gt;</code> as code" in page


# -- check -----------------------------------------------------------------------------------

def test_check_reports_stale_without_writing_and_passes_when_current(src, tmp_path):
    out = tmp_path / "gallery"
    result = build(src, out, check=True)
    assert result.exit_code == 1 and result.stale == [f"{rel}: new" for rel in sorted(FEW)]
    assert not out.exists()
    build(src, out)
    assert build(src, out, check=True).exit_code == 0
    (out / "lenet5.block.png").unlink()
    (src / "deepnn.json").write_text((src / "deepnn.json").read_text().replace('"h1"', '"hidden1"'))
    before = snapshot(out)
    result = build(src, out, check=True)
    assert result.exit_code == 1
    assert result.stale == ["deepnn.json: changed", "lenet5.json: lenet5.block.png is missing"]
    assert snapshot(out) == before


def test_check_notices_edited_index_pages_and_removed_sources(src, tmp_path):
    out = tmp_path / "gallery"
    build(src, out)
    (out / "index.html").write_text("edited")
    assert build(src, out, check=True).stale == ["index.html: out of date"]
    build(src, out)
    (src / "siamese.json").unlink()
    assert build(src, out, check=True).stale == ["siamese.json: removed (its files are still in the gallery)"]


# -- the command -----------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_command_builds_checks_and_reports(src, tmp_path, fake_default):
    out = str(tmp_path / "gallery")
    r = run("gallery", str(src), "-o", out, "--check")
    assert r.exit_code == 1 and "stale: lenet5.json: new" in r.output
    r = run("gallery", str(src), "-o", out, "--jobs", "1", "--styles", "block,node,volume", "--formats", "svg,png")
    assert r.exit_code == 0, r.output
    assert f"gallery {out}: 4 drawn, 0 unchanged, 0 failed" in r.output
    r = run("gallery", str(src), "-o", out, "--check")
    assert r.exit_code == 0 and "is current (4 models)" in r.output


def test_command_exits_2_after_drawing_the_good_sources(src, tmp_path, fake_default):
    (src / "bad.json").write_text('{"input_shape": [3], "layers": [{"type": "Dens", "units": 1}]}')
    out = tmp_path / "gallery"
    r = run("gallery", str(src), "-o", str(out), "--jobs", "1")
    assert r.exit_code == 2
    assert f"nnviz: error: {src / 'bad.json'}: " in r.stderr and "Traceback" not in r.output
    assert (out / "lenet5.block.svg").is_file()


def test_command_rejects_bad_options_as_one_line(src, tmp_path):
    r = run("gallery", str(src), "-o", str(tmp_path / "g"), "--formats", "gif")
    assert r.exit_code == 2 and r.output.strip() == (
        "nnviz: error: unknown format: 'gif' (must be one of ['svg', 'png', 'pdf'])")


def test_repository_gallery_is_current():
    """The committed gallery/ is what the examples draw: CI fails when they drift apart.

    After changing examples/, run `nnviz gallery examples/ -o gallery/` and commit gallery/.
    """
    proc = subprocess.run(["nnviz", "gallery", "examples/", "-o", "gallery/", "--check"], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_modern_keras_files_draw_as_folded_layer_trees():
    """The KerasHub backbone and the subclassed model of the examples store no graph (issue 12)."""
    gemma = nnviz.load(EXAMPLES / "keras" / "gemma_backbone.keras")
    assert gemma.has_graph is False and gemma.model_class == "GemmaBackbone"
    assert gemma.hyperparameters["num_layers"] == 4
    frames = {c.title: c for c in nnviz.draw(gemma).scene.clusters}
    assert any(t.startswith("decoder_block_0 … decoder_block_3 ×4") for t in frames)
    mlp = nnviz.load(EXAMPLES / "keras" / "subclassed_mlp.keras")
    assert mlp.has_graph is False and mlp.model_class == "ResidualMLP"
    block = mlp.layer("residual_block")
    assert block.type == "ResidualBlock" and [l.type for l in block.subgraph.layers] == [
        "Dense", "LayerNormalization", "Dense"]
    assert any(t.startswith("residual_block … residual_block_2 ×3") for t in
               (c.title for c in nnviz.draw(mlp).scene.clusters))


# -- pairs: a diff in the gallery --------------------------------------------------------------

def _pair_src(tmp_path: Path) -> Path:
    folder = tmp_path / "pairs"
    (folder / "keras").mkdir(parents=True)
    for rel in ("keras/cnn.keras", "keras/cnn_tuned.keras", "diffs/cnn_tuned.diff.json"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / rel, folder / rel)
    return folder


@pytest.mark.slow
def test_a_pair_source_is_drawn_as_the_diff_of_its_models_and_checked(tmp_path):
    from PIL import Image

    from nnviz.modeldiff import diff

    src = _pair_src(tmp_path)
    out = tmp_path / "gallery"
    result = gallery.build(src, out, jobs=1, progress=False, formats=("svg", "png"))
    assert result.exit_code == 0 and result.failed == []
    (entry,) = [e for e in result.entries if e.source == "diffs/cnn_tuned.diff.json"]
    assert entry.styles == ("diff",) and entry.slug == "diffs-cnn_tuned"
    assert entry.files == ("diffs-cnn_tuned.diff.svg", "diffs-cnn_tuned.diff.png", "diffs-cnn_tuned.diff.thumb.png")
    assert entry.name == "digits_cnn → digits_cnn_tuned" and entry.total_params == 5_258
    # what it drew is nnviz diff --weights of the two files: the statuses, the dashed links, the weights
    d = diff(src / "keras/cnn.keras", src / "keras/cnn_tuned.keras", weights=True)
    assert sorted(d.added) == ["bn2", "dropout"] and d.removed == ["pool1"]
    svg = (out / "diffs-cnn_tuned.diff.svg").read_text()
    assert "digits_cnn → digits_cnn_tuned" in svg and "strides 1 → 2" in svg and "nnviz-one-sided" in svg
    assert "weights Δ" in svg and "link only in A" in svg
    assert Image.open(out / "diffs-cnn_tuned.diff.png").size[0] > 300
    readme = (out / "README.md").read_text()
    assert "diffs-cnn_tuned.diff.thumb.png" in readme and "diff · 5,258 params" in readme
    # current, then stale when either model changes (its hash covers both files' bytes)
    assert gallery.build(src, out, check=True).exit_code == 0
    with open(src / "keras/cnn_tuned.keras", "ab") as fh:
        fh.write(b"\0")
    check = gallery.build(src, out, check=True)
    assert check.exit_code == 1 and "diffs/cnn_tuned.diff.json: changed" in check.stale
    # the node style alone draws no diff (a diff is a block diagram)
    assert gallery.build(src, tmp_path / "n", jobs=1, progress=False, styles=("node",)).entries[0].files == ()


@pytest.mark.parametrize("pair, message", [
    ({"a": "../../outside.keras", "b": "keras/cnn.keras"}, "inside the sources folder"),
    ({"a": "/etc/passwd.json", "b": "keras/cnn.keras"}, "inside the sources folder"),
    ({"a": "keras/cnn.keras", "b": "notes.txt"}, "inside the sources folder"),
    ({"a": "keras/cnn.keras", "b": "x.diff.json"}, "inside the sources folder"),
    ({"a": "keras/cnn.keras"}, 'an object {"a": model, "b": model}'),
    ({"a": "keras/cnn.keras", "b": "keras/cnn.keras", "run": "rm -rf"}, "unknown key 'run'"),
    ({"a": "keras/cnn.keras", "b": "keras/cnn.keras", "weights": "yes"}, "'weights' must be a bool"),
])
@pytest.mark.slow
def test_a_bad_pair_is_one_line_and_the_rest_are_drawn(tmp_path, pair, message):
    src = _pair_src(tmp_path / "in")
    outside = tmp_path / "outside.keras"
    shutil.copy(EXAMPLES / "keras/cnn.keras", outside)  # a real model, but outside the sources
    (src / "bad.diff.json").write_text(json.dumps(pair))
    result = build(src, tmp_path / "gallery")
    (failure,) = result.failed
    assert failure.source == "bad.diff.json" and message in failure.message and failure.traceback is None
    assert "\n" not in failure.message and {e.source for e in result.entries} >= {"keras/cnn.keras"}


@pytest.mark.slow
def test_a_spec_s_gallery_options_reach_the_drawing(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    spec = {"name": "c", "input_shape": [16], "layers": [{"type": "Dense", "units": 64, "name": "big"},
                                                         {"type": "Dense", "units": 2, "name": "small"}]}
    (src / "plain.json").write_text(json.dumps(spec))
    (src / "costly.json").write_text(json.dumps({**spec, "gallery": {"color_by": "macs"}}))
    result = gallery.build(src, out, formats=("svg",), jobs=1)
    assert not result.failed
    assert "MACs" in (out / "costly.block.svg").read_text() and "MACs" not in (out / "plain.block.svg").read_text()
    (src / "bad.json").write_text(json.dumps({**spec, "gallery": {"colour_by": "macs"}}))
    (src / "worse.json").write_text(json.dumps({**spec, "gallery": ["macs"]}))
    failed = {f.source: f.message for f in gallery.build(src, out, formats=("svg",), jobs=1).failed}
    assert "colour_by" in failed["bad.json"] and '"gallery" must be an object' in failed["worse.json"]
