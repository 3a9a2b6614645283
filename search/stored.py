"""The stored fields of a question's candidates, with less Whoosh machinery per passage.

Whoosh's SegmentReader.stored_fields() copies each passage's fields into a new dict, asking
the schema about every field through Python calls, to drop fields the schema no longer has;
with 30 candidates a question that copy is a noticeable part of answering. Here the
segment's own per-document reader is asked directly (Whoosh is pinned to 2.7.4), and a dict
is copied only when it does hold a field outside the schema. The result is the same.
"""
from __future__ import annotations

from bisect import bisect_right

from whoosh.reading import IndexReader


def _fields_of(leaf: IndexReader, docnum: int, names: frozenset[str]) -> dict:
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or leaf.is_closed:  # not a plain open segment: Whoosh's own way
        return leaf.stored_fields(docnum)
    fields = perdoc.stored_fields(docnum)
    if fields.keys() <= names:
        return fields
    return {k: v for k, v in fields.items() if k in leaf.schema}


def stored_fields(reader: IndexReader, docnums: list[int]) -> list[dict]:
    """reader.stored_fields(n) for each global docnum n, in order."""
    leaves = list(reader.leaf_readers())
    bases = [base for _, base in leaves]
    names = [frozenset(leaf.schema.names()) for leaf, _ in leaves]
    out = []
    for docnum in docnums:
        if docnum < 0:
            raise ValueError(f"no document number {docnum}")
        n = bisect_right(bases, docnum) - 1
        out.append(_fields_of(leaves[n][0], docnum - bases[n], names[n]))
    return out
