"""The package's shape: no import cycles, and each stage imports only the stages below it.

Imports are read from the source with ``ast`` (nothing is imported), counting imports inside
functions too; imports under ``if TYPE_CHECKING:`` are for type checkers only and do not count.
The stages are those of ``docs/DESIGN.md``; change both together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parent.parent / "src"

# Lowest first. A module belongs to the stage of its longest matching prefix; it may import
# modules of its own stage (the cycle check keeps those one-way) and of any stage below.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("nnviz._version", "nnviz.errors", "nnviz.text", "nnviz.options", "nnviz.fileio", "nnviz.formatting",
              "nnviz.external", "nnviz.dataflow", "nnviz.layertree",
              "nnviz.registry",  # ClassRegistry: imports nothing of nnviz
              # plain data and its look: positioned shapes, colours and families, text extents
              "nnviz.scene", "nnviz.theme", "nnviz.layout.metrics")),
    # Keras's vocabulary (era aliases, automatic names, activation names, dtypes): no graph needed
    ("vocabulary", ("nnviz.layers.aliases", "nnviz.layers.names", "nnviz.layers.dtypes")),
    # the layer graph and what it says of itself: totals, costs, the summary table, its JSON
    ("ir", ("nnviz.graph", "nnviz.summary", "nnviz.costs")),
    # the table of known classes: readers consult it, inference functions register into it
    ("registry", ("nnviz.layers.registry",)),
    ("read", ("nnviz.readers",)),
    ("infer", ("nnviz.layers",)),  # a wrapped model's config is read with the readers' parser
    # what a block diagram shows: flattening, range selection, folding, group names, colouring
    ("view", ("nnviz.view",)),
    ("layout", ("nnviz.layout",)),
    ("render", ("nnviz.render",)),
    # costs.timing measures a model by loading it and building it with Keras (the training backend)
    ("pipeline", ("nnviz.loading", "nnviz.api", "nnviz.training", "nnviz.modeldiff", "nnviz.costs.timing")),
    ("apps", ("nnviz.gallery", "nnviz.cli", "nnviz")),
]

# Imports against the order that are still being moved (issue 11). Only ever shrink this list.
PENDING: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted((SRC / "nnviz").rglob("*.py")):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(mod: str) -> dict[str, int]:
    """The package modules ``mod`` imports (at any depth, not for type checking only) -> a line."""
    path = MODULES[mod]
    found: dict[str, int] = {}

    def target(name: str) -> str | None:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".")
                keep = len(base) - node.level + (1 if path.name == "__init__.py" else 0)
                stem = ".".join(base[:keep] + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            names = [stem] + [f"{stem}.{a.name}" for a in node.names]  # `from . import x` names a module
        for name in names:
            t = target(name)
            if t is not None and t != mod and not mod.startswith(t + "."):  # its own package's __init__
                found.setdefault(t, node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


IMPORTS = {mod: _imports(mod) for mod in MODULES}


def _stage(mod: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(STAGES):
        for p in prefixes:
            if (mod == p or mod.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), i
    assert rank is not None, f"{mod} is in no stage of STAGES"
    return rank


def test_the_view_stage_sits_between_inference_and_layout():
    """The view (selection, folding, colouring) knows neither where blocks go nor how they are drawn."""
    names = [name for name, _ in STAGES]
    assert names.index("infer") < names.index("view") < names.index("layout")
    view = [mod for mod in MODULES if mod == "nnviz.view" or mod.startswith("nnviz.view.")]
    assert {"nnviz.view.model", "nnviz.view.repeats", "nnviz.view.fold", "nnviz.view.paint"} <= set(view)
    for mod in view:
        assert not any(d.startswith(("nnviz.layout", "nnviz.render")) for d in IMPORTS[mod]), (mod, IMPORTS[mod])


def test_the_checks_see_the_imports():
    assert len(MODULES) > 40
    assert "nnviz.errors" in IMPORTS["nnviz.graph"] or "nnviz.graph" in IMPORTS["nnviz.layers.infer"]
    assert "nnviz.layers.infer" in IMPORTS["nnviz.layers"]


def test_every_renderer_is_in_the_render_stage():
    """The newer writers (volume, TikZ, draw.io) and the rest of render/ rank as renderers: they may
    use layouts and scenes but never the pipeline or a reader."""
    render = [name for name, _ in STAGES].index("render")
    for mod in ("nnviz.render.volume", "nnviz.render.tikz", "nnviz.render.drawio", "nnviz.render.block",
                "nnviz.render.html", "nnviz.render.dot"):
        assert mod in MODULES, mod
        assert _stage(mod) == render, mod
        assert not any(d.startswith(("nnviz.api", "nnviz.readers")) for d in IMPORTS[mod]), (mod, IMPORTS[mod])


def test_no_import_cycles():
    g = nx.DiGraph()
    for mod, deps in IMPORTS.items():
        g.add_node(mod)
        g.add_edges_from((mod, d) for d in deps)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, "import cycles:\n  " + "\n  ".join(", ".join(c) for c in cycles)


def test_every_module_has_a_stage():
    for mod in MODULES:
        _stage(mod)


def test_stages_import_only_downwards():
    wrong = []
    for mod, deps in IMPORTS.items():
        for dep, line in deps.items():
            if _stage(dep) > _stage(mod) and (mod, dep) not in PENDING:
                wrong.append(f"{MODULES[mod].relative_to(SRC)}:{line}: {mod} ({STAGES[_stage(mod)][0]}) imports "
                             f"{dep} ({STAGES[_stage(dep)][0]})")
    assert not wrong, "imports against the stage order:\n  " + "\n  ".join(wrong)


def test_pending_imports_are_still_there():
    """An entry of PENDING that is fixed leaves the list (so it cannot come back unnoticed)."""
    gone = [pair for pair in PENDING if pair[1] not in IMPORTS.get(pair[0], {})]
    assert not gone, f"fixed, remove from PENDING: {gone}"


# What a renderer may take from the view and layout stages: option types, constants, and helpers that
# read a placed Scene or write a View as text (a block's lines, the title, DOT). Never a function that
# builds a View or a Scene (block_view, compose, candidate_views, layout_nodes, volume_view, diff_scene...):
# the pipeline lays out and hands the renderers their Scenes (docs/DESIGN.md). Names, not modules, so
# that splitting a layout module moves nothing here.
RENDER_MAY_USE = {
    "BlockOptions", "NodeOptions",  # option types
    "LEGEND_SWATCH", "LINE_HEIGHT", "SAFETY", "STATUSES", "WEIGHT_LIMITS",  # constants
    # a placed box's text and fill geometry; text extents; the font text is measured and drawn in
    "line_centers", "frozen_band", "text_plates", "text_size", "measuring", "register_font", "lookup_grid",
    # a view as text: a block's lines, the title, DOT text; the diff's title; data-flow order of a graph
    "block_lines", "title_lines", "to_dot", "dot_name", "diff_title", "topological_order",
}


STAGED = ("nnviz.layout", "nnviz.view")  # the stages that build Views and Scenes


def _layout_names(source: str, module: str, package: bool = False) -> list[tuple[str, int]]:
    """``(name, line)`` of what ``source`` (the module ``module``) imports from nnviz.view and nnviz.layout,
    not for type checking only; a whole module of theirs imported counts as ``module:<name>``."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                base = parts[:len(parts) - node.level + (1 if package else 0)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            if stem in STAGED or stem.startswith(tuple(p + "." for p in STAGED)):
                found.extend((f"module:{a.name}" if f"{stem}.{a.name}" in MODULES else a.name, node.lineno)
                             for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend((f"module:{a.name}", node.lineno) for a in node.names
                         if a.name in STAGED or a.name.startswith(tuple(p + "." for p in STAGED)))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_renderers_lay_nothing_out():
    """render/ takes Scenes: from the view and layout stages it imports only RENDER_MAY_USE."""
    wrong = []
    for mod, path in MODULES.items():
        if mod == "nnviz.render" or mod.startswith("nnviz.render."):
            wrong += [f"{path.relative_to(SRC)}:{line}: {name}"
                      for name, line in _layout_names(path.read_text(encoding="utf-8"), mod,
                                                      package=path.name == "__init__.py")
                      if name not in RENDER_MAY_USE]
    assert not wrong, "renderers importing layout functions (lay out in the pipeline instead):\n  " + "\n  ".join(wrong)


def test_the_renderer_check_sees_layout_calls():
    source = ("from typing import TYPE_CHECKING\nfrom ..layout.blocks import block_view, line_centers\n"
              "if TYPE_CHECKING:\n    from ..layout.groups import View\n"
              "def f():\n    from ..layout import neurons\n    import nnviz.layout.volume\n")
    names = [n for n, _ in _layout_names(source, "nnviz.render.x")]
    assert names == ["block_view", "line_centers", "module:neurons", "module:nnviz.layout.volume"]
    assert [n for n in names if n not in RENDER_MAY_USE] == ["block_view", "module:neurons",
                                                             "module:nnviz.layout.volume"]
