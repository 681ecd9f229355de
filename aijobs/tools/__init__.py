"""Tools for people: formatting, JSON Schemas, scaffolds, diffs, displays, exports and
synthetic knowledge bases for benchmarks.

Layer: above the record core, the database and provenance; only the CLI imports it.
"""
