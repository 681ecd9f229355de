"""The database: table classes, rows from records, the atomic build, migrations, search, Datasette.

Layer: above the record core (``aijobs.records``, ``aijobs.kb``); never imported by it.
"""
