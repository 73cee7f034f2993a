"""The ``nnviz`` command: summary, draw, train, gallery, view.

Every expected failure is an :class:`~nnviz.errors.NnvizError`: it is printed on
one line (``nnviz: error: <path>: <message>``) and the exit status is 2; ``--debug``
shows the traceback too. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

import click

from . import __version__
from .errors import NnvizError

__all__ = ["main", "cli"]


class _Group(click.Group):
    """Turns NnvizError into one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NnvizError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"nnviz: error: {err}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nnviz")
@click.option("--debug", is_flag=True, help="Show the full traceback of errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Draw Keras neural networks: node-and-link and block diagrams, summaries, training."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the layer graph as JSON (to_dict()).")
@click.option("--weights-file", type=click.Path(path_type=str), default=None,
              help="Weights (.h5) for a JSON architecture.")
def summary(source: str, as_json: bool, weights_file: str | None) -> None:
    """Print a table of SOURCE's layers, shapes and parameters, like Keras's model.summary()."""
    from .readers.sniff import load

    graph = load(source, weights_file=weights_file)
    if as_json:
        click.echo(json.dumps(graph.to_dict(), indent=2))
    else:
        click.echo(graph.summary())


@cli.command("layers")
def layers_cmd() -> None:
    """List the Keras layer classes nnviz infers shapes and parameters for."""
    from .layers.registry import registered

    for name in registered():
        click.echo(name)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``nnviz`` command."""
    cli.main(args=argv, prog_name="nnviz", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
