"""Loaded by Datasette from its plugins folder when `aijobs serve` runs: see aijobs.db.plugins.aijobs_search.

Datasette takes one plugins folder, so the record pages' folder re-exports the search
plugin too: the search box and the `search` query then work beside the record pages.
"""

from aijobs.db.plugins.aijobs_search import prepare_connection

__all__ = ["prepare_connection"]
