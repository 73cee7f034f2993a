"""The ``nnviz`` command: summary, draw, train, gallery, view.

Every expected failure is an :class:`~nnviz.errors.NnvizError`: it is printed on
one line (``nnviz: error: <path>: <message>``) and the exit status is 2; ``--debug``
shows the traceback too. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import Any, Callable

import click

from . import __version__
from .errors import NnvizError, OptionError
from .text import printable_lines

__all__ = ["main", "cli"]


def _echo(text: str, *, err: bool = False) -> None:
    """click.echo with control characters shown escaped: names and messages from files never reach
    the terminal as escape sequences (every text output of the command goes through here)."""
    click.echo(printable_lines(text), err=err)


class _Group(click.Group):
    """Turns NnvizError into one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NnvizError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _echo(f"nnviz: error: {err}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nnviz")
@click.option("--debug", is_flag=True, help="Show the full traceback of errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Draw Keras neural networks: node-and-link and block diagrams, summaries, training."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if ctx.invoked_subcommand in _ONE_MODEL and gc.isenabled():
        # reading and drawing one model makes objects that live to the end and hold few cycles
        # (millions at 50,000 layers): the cyclic collector's passes over them were a quarter of
        # the CPU time. Paused for the command (not for train, profile or gallery: Keras, many models)
        gc.disable()
        ctx.call_on_close(gc.enable)


_ONE_MODEL = frozenset({"summary", "draw", "view", "diff"})


@cli.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the layer graph as JSON (to_dict()).")
@click.option("--weights-file", type=click.Path(path_type=str), default=None,
              help="Weights (.h5) for a JSON architecture.")
@click.option("--input-shape", "input_shape", multiple=True,
              help="Fix the input's free axes, no batch axis (128,64 or None,64); name=128 per input, repeated.")
@click.option("--build", is_flag=True, help="Build a model whose file stores no graph from its config, with Keras and "
              "KerasHub (imports their classes; see README, Safety).")
@click.option("--batch-size", type=int, default=1, show_default=True, help="Samples the totals are for.")
@click.option("--training", is_flag=True, help="Add the memory training needs (gradients, optimizer, activations).")
@click.option("--optimizer", default="adam", show_default=True, help="With --training: whose slots to count.")
def summary(source: str, as_json: bool, weights_file: str | None, input_shape: tuple[str, ...] = (),
            build: bool = False, batch_size: int = 1, training: bool = False, optimizer: str = "adam") -> None:
    """Print a table of SOURCE's layers, shapes and parameters, like Keras's model.summary()."""
    from .loading import load

    graph = load(source, weights_file=weights_file, input_shape=_input_shape(input_shape), build=build)
    if as_json:
        data = graph.to_dict(batch_size=batch_size, training=True, optimizer=optimizer) if training else graph.to_dict()
        _echo(json.dumps(data, indent=2))
    else:
        _echo(graph.summary(batch_size=batch_size, training=training, optimizer=optimizer))


def _input_shape(values: tuple[str, ...]) -> Any:
    """``--input-shape`` as ``input_shape=``; bad text is an OptionError naming the flag."""
    from .readers.trace import parse_input_shape

    if not values:
        return None
    try:
        return parse_input_shape(values[0] if len(values) == 1 and "=" not in values[0] else list(values))
    except OptionError as err:
        err.message = f"--input-shape: {err.message}"
        raise


def _size(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        w, h = (float(v) for v in text.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not WIDTHxHEIGHT in inches, e.g. 10x8") from None
    return (w, h)


@cli.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Output file: .png, .svg, .pdf, .tex (TikZ), .drawio, .dot/.gv, .mmd, .html "
                   "(default: SOURCE's name + .svg).")
@click.option("--style", type=click.Choice(["block", "node", "volume"]), default="block", show_default=True,
              help="A box per layer, neurons and links, or each layer's output as a 3-D volume.")
@click.option("--kernels", is_flag=True, default=None,
              help="Volume style: each convolution's window on the volume it reads, a pyramid to the next.")
@click.option("--engine", type=click.Choice(["matplotlib", "graphviz", "auto"]), default=None,
              help="Block style: who lays out and draws: matplotlib (the default, nnviz's own layout) or graphviz "
                   "(dot; auto picks it when installed). --width and --color-by need matplotlib. The volume style "
                   "and a layer tree (a file without a graph) are always drawn by matplotlib (auto draws them, "
                   "graphviz is an error); the node style takes none.")
@click.option("--direction", type=click.Choice(["LR", "TB"]), default=None, help="Data flows left-right or top-bottom.")
@click.option("--show", default=None, help="Block style: fields on blocks, e.g. shapes,params,activations.")
@click.option("--expand", multiple=True, help="Block style: nested model(s) to draw open ('all' for every one).")
@click.option("--collapse", type=click.Choice(["auto", "yes", "no"]), default=None,
              help="Block style: fold repeated blocks into one group.")
@click.option("--from", "from_layer", default=None, help="Block style: first layer of the range to draw.")
@click.option("--to", "to_layer", default=None, help="Block style: last layer of the range to draw.")
@click.option("--page", type=click.Choice(["a4", "letter", "none"]), default=None,
              help="The page to fit, text no smaller than 6 pt (default a4; none: natural size).")
@click.option("--max-neurons", type=int, default=None, help="Node style: neurons shown per layer before collapsing.")
@click.option("--weights", is_flag=True, default=None, help="Node style: colour links by the stored weights.")
@click.option("--weights-file", type=click.Path(path_type=str), default=None,
              help="Weights (.h5) for a JSON architecture.")
@click.option("--description", is_flag=True, default=None, help="Node style: caption layers with formulae.")
@click.option("--color-by", "color_by", default=None,
              help="Colour blocks (or neurons) by params, macs, flops, memory or a JSON file of {layer: number}.")
@click.option("--theme", default=None, help="Colours: default, paper, colorblind or dark.")
@click.option("--font", default=None, help="Font family of all text, any installed one (fc-list : family).")
@click.option("--figsize", default=None, help="Figure size in inches, WIDTHxHEIGHT.")
@click.option("--width", default=None,
              help="Exact figure width: 3.25in, 8.5cm, 252pt, or ieee-column, ieee-page, acm-column, acm-page, "
                   "a4-text, slide... (text stays at least 6 pt).")
@click.option("--dpi", type=float, default=None, help="Resolution of PNG output.")
@click.option("--input-shape", "input_shape", multiple=True,
              help="Fix the input's free axes, no batch axis (128,64 or None,64); name=128 per input, repeated.")
@click.option("--tex-snippet", is_flag=True, help="With -o FILE.tex: only the tikzpicture, to paste into a paper.")
@click.option("--build", is_flag=True, default=None, help="Build a model whose file stores no graph from its config, "
              "with Keras and KerasHub (imports their classes; see README, Safety).")
def draw(source: str, output: str | None, style: str, weights_file: str | None, dpi: float | None,
         figsize: str | None, collapse: str | None, expand: tuple[str, ...], show: str | None,
         input_shape: tuple[str, ...] = (), tex_snippet: bool = False, **options: Any) -> None:
    """Draw SOURCE (a Keras file, a to_json() file, an nnviz spec) as a diagram."""
    from pathlib import Path

    from .api import draw as draw_fn

    opts = {k: v for k, v in options.items() if v is not None}
    if figsize is not None:
        opts["figsize"] = _size(figsize)
    if collapse is not None:
        opts["collapse"] = {"auto": "auto", "yes": True, "no": False}[collapse]
    if expand:
        opts["expand"] = tuple(expand)
    if show is not None:
        opts["show"] = tuple(s.strip() for s in show.split(",") if s.strip())
    if opts.get("page") == "none":
        opts["page"] = None
    out = Path(output) if output else Path(Path(source).name).with_suffix(".svg")
    wrong = [k for k in opts if k in (_BLOCK_ONLY if style == "node" else _NODE_ONLY)
             or k in _VOLUME_ONLY and style != "volume"]
    if wrong:
        other = "volume" if wrong[0] in _VOLUME_ONLY else "block" if style == "node" else "node"
        raise OptionError(f"{_FLAGS[wrong[0]]} is a {other}-style option, and this draws --style {style}",
                          hint=f"add --style {other}, or leave {_FLAGS[wrong[0]]} out")
    if tex_snippet and out.suffix.lower() != ".tex":
        raise OptionError(f"--tex-snippet writes a .tex file, not {out.suffix or out.name!r}", path=out)
    try:
        diagram = draw_fn(source, style=style, weights_file=weights_file,
                          input_shape=_input_shape(input_shape), **opts)
        diagram.save(out, dpi=dpi, tex_snippet=tex_snippet)
    except OptionError as err:  # speak of the command's flags, not of the Python keywords
        err.message = _flag_names(err.message)
        raise
    _era_warnings(diagram.graph)
    _echo(f"wrote {out}")


# the draw command's flags by the keyword they set, and the style each belongs to
_FLAGS = {"engine": "--engine", "direction": "--direction", "show": "--show", "expand": "--expand",
          "collapse": "--collapse", "from_layer": "--from", "to_layer": "--to", "page": "--page",
          "max_neurons": "--max-neurons", "weights": "--weights", "description": "--description",
          "figsize": "--figsize", "dpi": "--dpi", "kernels": "--kernels", "width": "--width",
          "color_by": "--color-by", "font": "--font", "theme": "--theme"}
_BLOCK_ONLY = frozenset({"engine", "show", "expand", "collapse", "from_layer", "to_layer"})
_NODE_ONLY = frozenset({"max_neurons", "weights", "description"})
_VOLUME_ONLY = frozenset({"kernels"})  # the volume style takes the block style's options too


def _flag_names(message: str) -> str:
    """``max_neurons must be ...`` -> ``--max-neurons must be ...``.

    >>> _flag_names("max_neurons must be an integer of at least 4, got 0")
    '--max-neurons must be an integer of at least 4, got 0'
    >>> _flag_names("width 'x' is not a length nor a named width")
    "--width 'x' is not a length nor a named width"
    """
    import re

    # names that read as keywords wherever they stand ("show" and "expand" are words of the messages too)
    names = ("max_neurons", "from_layer", "to_layer", "figsize", "dpi", "color_by")
    message = re.sub(r"(?<![-\w'])(" + "|".join(names) + r")(?![\w'])", lambda m: _FLAGS[m.group(1)], message)
    # plain words ("the width of layer", "a named width") only where they name the option: the
    # message's subject ("font sizes must be" is the theme's, no flag), "engine must be ...", "weights=True"
    words = "|".join(("width", "engine", "weights", "kernels", "font", "theme"))
    message = re.sub(r"^(" + words + r")(?:=True)?(?= (?!sizes\b))", lambda m: _FLAGS[m.group(1)], message)
    return re.sub(r"(?<![-\w'])(" + words + r")(?= must be)", lambda m: _FLAGS[m.group(1)], message)


def _era_warnings(graph: Any) -> None:
    """Say where a file was drawn with a shape only its own Keras accepted."""
    from .layers.registry import ERA_NOTE

    for warning in graph.warnings:
        if ERA_NOTE in warning:
            _echo(f"nnviz: warning: {graph.source or graph.name}: {warning}", err=True)


@cli.command("train")
@click.argument("spec", type=click.Path(path_type=str))
@click.option("--data", default="synthetic", show_default=True,
              help="iris, digits, wine, breast_cancer, diabetes, a .csv or .npz file, or "
                   "synthetic[:classification|:regression][?n=500&features=20&classes=2].")
@click.option("--target", default=None, help="CSV: the column to predict (default: the last).")
@click.option("--epochs", type=int, default=50, show_default=True)
@click.option("--batch-size", type=int, default=None, help="Samples per step (default 32, fewer for small data).")
@click.option("--validation-split", type=float, default=0.2, show_default=True,
              help="Fraction of the training data held out for validation.")
@click.option("--test-split", type=float, default=0.2, show_default=True,
              help="Fraction of the data held out for the final test.")
@click.option("--loss", default=None, help="A Keras loss (default: from the output layer's activation).")
@click.option("--optimizer", default="adam", show_default=True)
@click.option("--learning-rate", type=float, default=None)
@click.option("--metrics", default=None, help="Comma-separated Keras metrics (default: accuracy or mae).")
@click.option("--patience", type=int, default=None, help="Stop early after this many epochs without improvement.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split, weights and shuffling.")
@click.option("--strategy", type=click.Choice(["default", "mirrored"]), default="default", show_default=True,
              help="mirrored: train under tf.distribute.MirroredStrategy (several GPUs).")
@click.option("--categorical", type=click.Choice(["onehot", "ordinal"]), default="onehot", show_default=True,
              help="CSV: how text columns become numbers.")
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Save the trained model (.keras, .h5).")
@click.option("--history", "history_path", type=click.Path(path_type=str), default=None,
              help="Plot loss and metrics per epoch (.png, .svg, .pdf).")
@click.option("--animate", type=click.Path(path_type=str), default=None,
              help="A GIF of the weights learning, epoch by epoch.")
@click.option("--animate-every", type=int, default=None, help="Epochs between animation frames.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal, not in CI).")
def train_cmd(spec: str, data: str, output: str | None, history_path: str | None, **options: Any) -> None:
    """Build SPEC in Keras, train it on DATA, and report the test metrics."""
    from .fileio import check_target
    from .training.fit import check_model_path, train
    from .training.plot import check_plot_path

    if output is not None:  # a bad suffix should fail before training, not after
        check_model_path(output)
    if history_path is not None:
        check_plot_path(history_path)
    for target in (output, history_path, options.get("animate")):
        if target is not None:  # so should a read-only file or a missing folder
            check_target(target)
    run = train(spec, data, **{k: v for k, v in options.items() if v is not None})
    _echo(f"trained {run.graph.name!r} for {run.epochs} epochs on {data}: {run.metrics_text()}")
    if output is not None:
        _echo(f"wrote {run.save(output)}")
    if history_path is not None:
        run.plot_history(history_path)
        _echo(f"wrote {history_path}")
    if options.get("animate") is not None:
        _echo(f"wrote {options['animate']}")


@cli.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("--no-browser", is_flag=True, help="Write the page and print its path; do not open it.")
@click.option("--weights-file", type=click.Path(path_type=str), default=None,
              help="Weights (.h5) for a JSON architecture.")
@click.option("--build", is_flag=True, help="Build a model whose file stores no graph from its config, with Keras and "
              "KerasHub (imports their classes; see README, Safety).")
def view(source: str, no_browser: bool, weights_file: str | None, build: bool = False) -> None:
    """Open SOURCE's interactive HTML view in the browser (written to a private temporary folder)."""
    import webbrowser
    from pathlib import Path

    from .api import draw as draw_fn
    from .fileio import private_folder

    diagram = draw_fn(source, style="block", weights_file=weights_file, build=build)
    out = private_folder() / (Path(source).name.replace(".", "_") + ".html")
    diagram.to_html(out)
    _echo(f"wrote {out}")
    if not no_browser:
        try:
            opened = webbrowser.open(out.resolve().as_uri())
        except webbrowser.Error:
            opened = False
        if not opened:  # a server, a container: nothing showed it, so say where it is
            _echo(f"nnviz: no browser could be opened; open {out.resolve().as_uri()} yourself", err=True)


@cli.command("diff")
@click.argument("a", type=click.Path(path_type=str))
@click.argument("b", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Draw the difference: .svg, .png, .pdf, .html (side by side) or .md (a report).")
@click.option("--json", "as_json", is_flag=True, help="Print the difference as JSON (to_dict()).")
@click.option("--fail-on", default=None,
              help="Exit 1 when any holds: added, removed, changed, params>N%, params>N, weights>X.")
@click.option("--map", "maps", multiple=True, metavar="A_NAME=B_NAME", help="Force a match of two layers.")
@click.option("--all-config", is_flag=True, help="Compare every config key, not only the architecture's.")
@click.option("--ignore", multiple=True, help="A field not to compare (params, activation, a config key...).")
@click.option("--weights", is_flag=True, help="Also compare weight values (both files must carry weights).")
@click.option("--expand", multiple=True, help="With -o: nested model(s) to draw open ('all' for every one).")
@click.option("--theme", default=None, help="With -o: colours, default, paper, colorblind or dark.")
def diff_cmd(a: str, b: str, output: str | None, as_json: bool, fail_on: str | None, maps: tuple[str, ...],
             all_config: bool, ignore: tuple[str, ...], weights: bool, expand: tuple[str, ...] = (),
             theme: str | None = None) -> None:
    """Show what changed between models A and B: layers added, removed and changed."""
    from .modeldiff import diff, failing, parse_fail_on
    from .errors import OptionError

    mapping = {}
    for item in maps:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise OptionError(f"--map {item!r}: expected A_NAME=B_NAME")
        mapping[left.strip()] = right.strip()
    conditions = parse_fail_on(fail_on) if fail_on is not None else None
    d = diff(a, b, mapping=mapping, all_config=all_config, ignore=ignore, weights=weights)
    if output is not None:
        from pathlib import Path

        from .modeldiff import save_diff

        drawing = {k: v for k, v in (("expand", tuple(expand)), ("theme", theme)) if v}
        save_diff(d, Path(output), **drawing)
    if as_json:
        _echo(d.to_json())
    else:
        for line in d.summary_lines():
            _echo(line)
        if output is not None:
            _echo(f"wrote {output}")
    if conditions is not None:
        held = failing(d, conditions)
        for reason in held:
            _echo(f"nnviz: diff: {reason}", err=True)
        if held:
            raise SystemExit(1)


@cli.command("profile")
@click.argument("source", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Write the times as JSON here (default: print them).")
@click.option("--build", is_flag=True, help="Build the file or spec with Keras from its config (needs TensorFlow).")
@click.option("--repeats", type=int, default=20, show_default=True, help="Timed runs per layer (the median is kept).")
@click.option("--batch-size", type=int, default=1, show_default=True, help="Samples per run.")
@click.option("--input-shape", "input_shape", multiple=True,
              help="Fix the input's free axes, no batch axis (128,64); name=128 per input, repeated.")
def profile_cmd(source: str, output: str | None, build: bool, repeats: int, batch_size: int,
                input_shape: tuple[str, ...]) -> None:
    """Time each layer of SOURCE on the current Keras backend; write {layer: seconds} for --color-by."""
    from .costs.timing import profile

    if output is not None:
        from .fileio import check_target

        check_target(output)
    result = profile(source, build=build, repeats=repeats, batch_size=batch_size,
                     input_shape=_input_shape(input_shape))
    text = json.dumps(result, indent=2) + "\n"
    if output is None:
        _echo(text.rstrip("\n"))
        return
    from .fileio import write_atomic

    write_atomic(output, text)
    slowest = sorted(result["layers"].items(), key=lambda kv: -kv[1])[:3]
    _echo(f"timed {len(result['layers'])} layers on {result['device']} (median of {repeats}); slowest: "
          + ", ".join(f"{name} {1000 * s:.3g} ms" for name, s in slowest))
    for name, why in result["skipped"].items():
        _echo(f"nnviz: profile: {name} not timed: {why}", err=True)
    _echo(f"wrote {output}")


@cli.command("layers")
def layers_cmd() -> None:
    """List the Keras layer classes nnviz infers shapes and parameters for."""
    from .layers.registry import registered

    for name in registered():
        _echo(name)


def _names(text: str | None) -> list[str] | None:
    """``"svg, png"`` -> ``["svg", "png"]`` (``None`` stays ``None``)."""
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


@cli.command("gallery")
@click.argument("src", type=click.Path(path_type=str))
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=str),
              help="The gallery folder (made if missing).")
@click.option("--styles", default=None,
              help="Comma-separated styles, of block,node,volume (default: every style that suits each model).")
@click.option("--formats", default="svg,png", show_default=True, help="Comma-separated formats, of svg,png,pdf.")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes (default: the CPU count).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and name what is stale (for CI).")
@click.option("--force", is_flag=True, help="Draw every source again, current or not.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@click.pass_context
def gallery_cmd(ctx: click.Context, src: str, out: str, styles: str | None, formats: str, jobs: int | None,
                check: bool, force: bool, progress: bool | None) -> None:
    """Draw every model in SRC (specs, Keras files) into the gallery OUT, redrawing only what changed.

    A source that cannot be drawn is reported and the rest are drawn; the exit status is then 2.
    """
    from .gallery import build

    result = build(src, out, styles=_names(styles), formats=_names(formats) or (), jobs=jobs, check=check,
                   force=force, progress=progress)
    for warning in result.warnings:
        _echo(f"nnviz: warning: {warning}", err=True)
    for failure in result.failed:
        _echo(f"nnviz: error: {failure.message}", err=True)
        if failure.traceback:  # not an NnvizError: a bug, so show where
            _echo(failure.traceback, err=True)
    if check:
        for line in result.stale:
            _echo(f"stale: {line}")
        if result.stale:
            _echo(f"gallery {out} is stale: run `nnviz gallery {src} -o {out}`")
        else:
            _echo(f"gallery {out} is current ({sum(1 for e in result.entries if e.styles)} models)")
    else:
        _echo(f"gallery {out}: {len(result.rendered)} drawn, {len(result.unchanged)} unchanged, "
                   f"{len(result.failed)} failed, {len(result.removed)} files removed")
    ctx.exit(result.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``nnviz`` command."""
    cli.main(args=argv, prog_name="nnviz", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
