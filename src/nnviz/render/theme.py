"""The theme's old home, kept so that ``nnviz.render.theme.Theme`` keeps working: the theme lives
in :mod:`nnviz.theme`, below layout and render."""

from ..theme import (FAMILIES, PATTERN_LINE, PATTERN_SPACING, PATTERNS, THEMES, Theme, family_of, resolve_theme,
                     with_font)

__all__ = ["Theme", "family_of", "FAMILIES", "THEMES", "PATTERNS", "PATTERN_SPACING", "PATTERN_LINE",
           "resolve_theme", "with_font"]
