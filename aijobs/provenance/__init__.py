"""Provenance: the corpus of source documents, paragraph numbering, number parsing,
citation verification and coverage.

Layer: above the record core; never imported by it, nor by ``aijobs.db``.
"""
