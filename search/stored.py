"""The stored fields of a question's candidates, with less Whoosh machinery per passage.

Whoosh's SegmentReader.stored_fields() copies each passage's fields into a new dict, asking
the schema about every field through Python calls, to drop fields the schema no longer has,
and reads each passage's bytes through three layers of file objects (a seek and a read
each). Here the segment's stored column (Whoosh is pinned to 2.7.4) is read with one
os.pread per passage at the offset Whoosh recorded for it, decompressed and unpickled as
Whoosh does, and a dict is copied only when it does hold a field outside the schema. Where
the segment is not laid out that way (a memory-mapped or closed segment), Whoosh's own
per-document reader is asked instead. The result is the same.
"""
from __future__ import annotations

import os
import pickle
from bisect import bisect_right
from typing import Callable

from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import CompressedBytesColumn, PickleColumn
from whoosh.filedb.compound import SubFile
from whoosh.reading import IndexReader


def _pread_column(perdoc) -> Callable[[int], dict] | None:
    """A reader of the segment's stored dicts by docnum through os.pread, or None if the
    column is not Whoosh 2.7.4's pickled, compressed column in a plain file."""
    try:
        column = perdoc._cached_reader("_stored", STORED_COLUMN)
        if type(column) is not PickleColumn.Reader:
            return None
        child = column._child
        if type(child) is not CompressedBytesColumn.Reader:
            return None
        source = child._dbfile.file
        base = child._basepos
        if type(source) is SubFile:  # a file inside the segment's compound file
            base += source._offset
            source = source._file
        fd = source.fileno()
        offsets, lengths, decompress = child._offsets, child._lengths, child._decompress
    except (AttributeError, OSError, ValueError):  # e.g. memory-mapped: no file number
        return None
    pread, loads = os.pread, pickle.loads

    def fields(docnum: int) -> dict:
        length = lengths[docnum]
        if not length:
            return {}
        return loads(decompress(pread(fd, length, base + offsets[docnum])))
    return fields


def _reader_of(leaf: IndexReader) -> Callable[[int], dict]:
    """How to read this open segment's stored dicts: pread, else Whoosh's per-document reader,
    else (not a plain open segment) Whoosh's own stored_fields()."""
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or leaf.is_closed:
        return leaf.stored_fields
    return _pread_column(perdoc) or perdoc.stored_fields


def stored_fields(reader: IndexReader, docnums: list[int]) -> list[dict]:
    """reader.stored_fields(n) for each global docnum n, in order."""
    leaves = list(reader.leaf_readers())
    bases = [base for _, base in leaves]
    names = [frozenset(leaf.schema.names()) for leaf, _ in leaves]
    readers: dict[int, Callable[[int], dict]] = {}
    out = []
    for docnum in docnums:
        if docnum < 0:
            raise ValueError(f"no document number {docnum}")
        n = bisect_right(bases, docnum) - 1
        read = readers.get(n)
        if read is None:
            read = readers[n] = _reader_of(leaves[n][0])
        fields = read(docnum - bases[n])
        if not fields.keys() <= names[n]:
            leaf = leaves[n][0]
            fields = {k: v for k, v in fields.items() if k in leaf.schema}
        out.append(fields)
    return out
