"""What blocks and neurons are coloured by: one ``color_by`` choice, resolved here, in the view stage.

Every block has a layer family (:func:`nnviz.theme.family_of`), coloured by
``Theme.family_colors``: that is the colouring when nothing else is asked for. Any other
colouring is a :class:`Coloring`: it sets each block's colour key (``Block.paint``, maybe a
note under its type line and edge kinds), and says which colour each key has, taken from a
palette of the theme (``Theme.palette``). Its keys' colours go into ``Theme.extra_colors``
(blocks) or ``Theme.role_colors`` (neurons), which every writer draws and every legend lists,
in order. The layout and the writers know no colouring by name.

* ``color_by=None``: :class:`Coloring` itself, the layer families (nothing painted);
* a cost (``"params"``, ``"macs"``, ``"flops"``, ``"memory"``, a ``.json`` file of
  ``{layer: number}``, a dict): :class:`nnviz.view.paint.Painting`, the ``scale`` palette,
  painted after folding (a folded block shows its layers' sum);
* a diff's status: :class:`nnviz.view.diff.StatusColoring`, the ``status`` and ``weights``
  palettes, painted before folding too (only copies of one status fold together).

A later colouring is one more subclass and, if it needs one, one more palette of the theme.

>>> import nnviz
>>> g = nnviz.load({"input_shape": [4], "layers": [{"type": "Dense", "units": 2, "name": "fc"}]})
>>> resolve_coloring(g, None).name, resolve_coloring(g, "params").name
('family', 'cost')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .model import Coloring

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph
    from ..theme import Theme
    from .model import View

__all__ = ["Coloring", "resolve_coloring"]

def resolve_coloring(graph: LayerGraph, color_by: Any, theme: Theme | None = None) -> Coloring:
    """The colouring ``color_by`` asks for (see the module's list); a :class:`Coloring` as it is.

    Raises:
        OptionError: an unknown ``color_by``.
        ReadError: a values file that cannot be read.
    """
    if isinstance(color_by, Coloring):
        return color_by
    if color_by is None:
        return Coloring()
    from .paint import painting

    return painting(graph, color_by, theme)
