"""Loaded by Datasette from its plugins folder when `aijobs serve` runs: see aijobs.tools.browse."""

from aijobs.tools.browse import menu_links, register_routes, render_cell

__all__ = ["menu_links", "register_routes", "render_cell"]
