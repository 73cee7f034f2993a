"""The command line: summary, --json, errors as one line with exit status 2, --debug."""

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from nnviz.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_summary_table_like_keras():
    r = run("summary", str(EXAMPLES / "deepnn.json"))
    assert r.exit_code == 0, r.output
    assert 'Model: "DeepNN"' in r.output
    assert "h1 (Dense)" in r.output and "(None, 6)" in r.output
    assert "Total params: 91 (364.00 B)" in r.output
    assert "Connected to" in r.output


def test_summary_json_is_to_dict():
    import nnviz

    r = run("summary", str(EXAMPLES / "deepnn.json"), "--json")
    assert r.exit_code == 0
    assert json.loads(r.output) == nnviz.load(EXAMPLES / "deepnn.json").to_dict()


def test_error_is_one_line_exit_2_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"input_shape": [3], "layers": [{"type": "Dens", "units": 1}]}')
    r = run("summary", str(bad))
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"nnviz: error: {bad}: ")
    assert "Traceback" not in r.output


def test_debug_shows_the_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nnviz.cli", "--debug", "summary", str(tmp_path / "missing.h5")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "ReadError" in proc.stderr


def test_installed_command_runs_in_a_real_process(tmp_path):
    proc = subprocess.run(["nnviz", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    import nnviz

    assert nnviz.__version__ in proc.stdout
    proc = subprocess.run(["nnviz", "summary", str(tmp_path / "missing.h5")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"nnviz: error: {tmp_path / 'missing.h5'}: no such file or directory"
    assert proc.stdout == ""


def test_layers_lists_the_registry():
    r = run("layers")
    assert r.exit_code == 0
    names = r.output.split()
    assert "Dense" in names and names == sorted(names)


def _limited_cli(*args: str) -> subprocess.CompletedProcess:
    """``nnviz ARGS`` in a fresh process with 2 GB of address space and 60 s (a hang or runaway read fails)."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run([sys.executable, "-m", "nnviz.cli", *args], capture_output=True, text=True,
                          timeout=60, preexec_fn=limit)


def test_non_regular_files_are_refused_on_one_line(tmp_path):
    import os

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # reading waits for a writer forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # reading never ends
    cases = [(["summary", str(fifo)], fifo, "a FIFO"), (["draw", str(zero), "-o", str(tmp_path / "z.svg")], zero,
             "a character device"), (["summary", str(EXAMPLES / "deepnn.json"), "--weights-file", str(fifo)],
             fifo, "a FIFO")]
    for args, path, kind in cases:
        proc = _limited_cli(*args)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr == f"nnviz: error: {path}: not a regular file ({kind}): nnviz reads only files and folders\n"
    assert not (tmp_path / "z.svg").exists()


def test_view_writes_into_a_private_folder_never_a_planted_one(tmp_path, monkeypatch):
    import os
    import stat
    import tempfile

    shared = tmp_path / "tmp"  # the shared temporary folder, where another user planted names
    shared.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    for planted in ("nnviz", f"nnviz-{os.getuid()}"):
        (shared / planted).symlink_to(victim)
    for attempt in ("link", "open"):
        r = run("view", str(EXAMPLES / "deepnn.json"), "--no-browser")
        assert r.exit_code == 0, r.output
        written = Path(r.output.split("wrote ", 1)[1].strip())
        assert written.read_text().startswith("<!DOCTYPE html>") and list(victim.iterdir()) == []
        folder = os.lstat(written.parent)
        assert written.parent.parent == shared and stat.S_ISDIR(folder.st_mode)
        assert folder.st_uid == os.getuid() and stat.S_IMODE(folder.st_mode) == 0o700
        if attempt == "link":  # next: the per-user name is a folder others may write to (and swap a page in)
            (shared / f"nnviz-{os.getuid()}").unlink()
            (shared / f"nnviz-{os.getuid()}").mkdir()
            os.chmod(shared / f"nnviz-{os.getuid()}", 0o777)
    assert list((shared / f"nnviz-{os.getuid()}").iterdir()) == []
    assert not written.is_relative_to(shared / f"nnviz-{os.getuid()}")
    (shared / f"nnviz-{os.getuid()}").rmdir()  # with the name free, the per-user folder is used
    written = Path(run("view", str(EXAMPLES / "deepnn.json"), "--no-browser").output.split("wrote ", 1)[1].strip())
    assert written.parent == shared / f"nnviz-{os.getuid()}"


def _draw_to(out) -> "object":
    return run("draw", str(EXAMPLES / "deepnn.json"), "-o", str(out))


def test_a_read_only_output_is_not_replaced_and_a_private_one_stays_private(tmp_path):
    import os
    import stat

    read_only, private = tmp_path / "ro.svg", tmp_path / "private.svg"
    for path, mode in ((read_only, 0o444), (private, 0o600)):
        path.write_text("mine")
        os.chmod(path, mode)
    r = _draw_to(read_only)  # the owner's write bit decides, so this holds for root too
    assert r.exit_code == 2
    assert r.output == f"nnviz: error: {read_only}: the file is read-only: nnviz does not replace it " \
                       "(make it writable (chmod u+w) or choose another name)\n"
    assert read_only.read_text() == "mine" and stat.S_IMODE(read_only.stat().st_mode) == 0o444
    r = _draw_to(private)
    assert r.exit_code == 0, r.output
    assert private.read_text().startswith("<?xml") and stat.S_IMODE(private.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private.svg", "ro.svg"]  # no temporary left


def test_outputs_the_system_refuses_are_one_line_errors(tmp_path):
    for out in ("/proc/self/nnviz.svg", "/sys/kernel/nnviz.svg", tmp_path / ("n" * 260 + ".svg")):
        r = _draw_to(out)
        assert r.exit_code == 2, r.output  # not 1: an exception (a traceback)
        assert r.output.startswith(f"nnviz: error: {out}: cannot write the file: ") and r.output.count("\n") == 1
    os_dir = tmp_path / "folder.svg"
    os_dir.mkdir()
    assert _draw_to(os_dir).output == f"nnviz: error: {os_dir}: is not a regular file: nnviz does not replace it\n"
    assert list(tmp_path.iterdir()) == [os_dir] and list(os_dir.iterdir()) == []


def test_a_long_legal_output_name_works(tmp_path):
    out = tmp_path / ("n" * 251 + ".svg")  # 255 bytes: the longest name; the temporary one must be shorter
    r = _draw_to(out)
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<?xml") and list(tmp_path.iterdir()) == [out]


def test_train_refuses_a_read_only_output_before_training(tmp_path, monkeypatch):
    import os

    import nnviz.training.fit

    monkeypatch.setattr(nnviz.training.fit, "train", lambda *a, **k: (_ for _ in ()).throw(AssertionError("trained")))
    model, history = tmp_path / "m.keras", tmp_path / "h.png"
    for path in (model, history):
        path.write_text("mine")
        os.chmod(path, 0o444)
    for args, path in ((["-o", str(model)], model), (["--history", str(history)], history),
                       (["--animate", str(history)], history)):
        r = run("train", str(EXAMPLES / "iris.json"), "--data", "iris", *args)
        assert r.exit_code == 2 and r.output.startswith(f"nnviz: error: {path}: the file is read-only"), r.output
        assert path.read_text() == "mine"
