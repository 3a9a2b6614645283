"""A Whoosh segment writer for a full build: postings gathered per term, not one at a time.

Whoosh's SegmentWriter puts every posting through a sorting pool (a tuple pickled to a run
file, read back and merged one by one) and looks each document's field length up again while
writing; on a build that is most of its time. This writer keeps each term's postings in
lists, spills them to run files a term at a time when they grow large, and writes the segment
with Whoosh's own codec from the merged lists and the field lengths it kept while adding.
It writes the same segment Whoosh would (tests/test_segmentwriter.py compares the files),
and commits, cancels, locks and cleans up exactly as SegmentWriter does: only the pool and
the final flush are replaced.
"""
from __future__ import annotations

import heapq
import pickle
from itertools import groupby
from operator import itemgetter

from whoosh.writing import SegmentWriter
from whoosh.util.numeric import byte_to_length, length_to_byte

Key = tuple[str, bytes]  # (field name, term bytes)


class TermPool:
    """Postings by term, in memory up to `limit` postings, then in sorted run files."""

    def __init__(self, tempstore, limit: int):
        self._store, self._limit = tempstore, limit
        self._terms: dict[Key, tuple[list, list, list]] = {}
        self._size = 0
        self._runs: list[str] = []

    def add_items(self, fieldname: str, docnum: int, items) -> None:
        """Postings of one document's field: (term bytes, frequency, weight, value bytes)."""
        terms = self._terms
        for btext, _, weight, vbytes in items:
            lists = terms.get((fieldname, btext))
            if lists is None:
                lists = terms[(fieldname, btext)] = ([], [], [])
            lists[0].append(docnum)
            lists[1].append(weight)
            lists[2].append(vbytes)
        self._size += len(items)
        if self._size >= self._limit:
            self._spill()

    def add(self, item) -> None:
        """One posting as Whoosh's pool takes it: (field name, term bytes, docnum, weight, value)."""
        fieldname, btext, docnum, weight, vbytes = item
        self.add_items(fieldname, docnum, [(btext, 0, weight, vbytes)])

    def _spill(self) -> None:
        name = f"terms{len(self._runs)}.run"
        with self._store.create_file(name).raw_file() as f:
            dump = pickle.Pickler(f, pickle.HIGHEST_PROTOCOL).dump
            for key in sorted(self._terms):
                dump((key, *self._terms[key]))
                del self._terms[key]  # memory falls as the run is written
            dump(None)
        self._runs.append(name)
        self._terms, self._size = {}, 0

    def _read_run(self, name: str):
        with self._store.open_file(name).raw_file() as f:
            load = pickle.Unpickler(f).load
            while (entry := load()) is not None:
                yield entry

    def terms(self):
        """(key, docnums, weights, values) for every term in order, docnums ascending."""
        if not self._runs:
            for key in sorted(self._terms):
                yield (key, *self._terms.pop(key))
            return
        if self._terms:
            self._spill()
        merged = heapq.merge(*(self._read_run(name) for name in self._runs), key=itemgetter(0))
        for key, parts in groupby(merged, key=itemgetter(0)):  # runs are in document order
            parts = list(parts)
            if len(parts) == 1:
                yield parts[0]
            else:
                yield (key, *(sum((p[i] for p in parts), []) for i in (1, 2, 3)))

    def cleanup(self) -> None:
        for name in self._runs:
            try:
                self._store.delete_file(name)
            except OSError:
                pass
        self._runs, self._terms = [], {}


class PreparedWriter(SegmentWriter):
    """SegmentWriter that also takes documents whose analysed fields' postings are given."""

    def __init__(self, ix, pool_postings: int = 4_000_000, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self._tempstorage, pool_postings)
        self._lengths: dict[str, bytearray] = {}  # field -> one length byte per document

    def add_prepared(self, fields: dict, postings: dict) -> None:
        """Add a document; postings maps some of its indexed fields to `field.index(value)`'s items."""
        self._check_state()
        schema, docnum, pdw = self.schema, self.docnum, self.perdocwriter
        if any(name.startswith("_") for name in fields):
            raise ValueError("boosts and custom stored values (fields named _...) are not supported")
        names = sorted(fields)
        self._check_fields(schema, names)
        pdw.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and separate spelling are not supported")
            length = 0
            if field.indexed:
                items = postings[name] if name in postings else list(field.index(value))
                self.pool.add_items(name, docnum, items)
                if field.scorable:
                    length = sum(item[1] for item in items)
                    self._keep_length(name, docnum, length)
            pdw.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                pdw.add_column_value(name, field.column_type, field.to_column_value(value))
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def add_document(self, **fields) -> None:
        self.add_prepared(fields, {})

    def _keep_length(self, name: str, docnum: int, length: int) -> None:
        column = self._lengths.setdefault(name, bytearray())
        if len(column) <= docnum:
            column.extend(bytes(docnum + 1 - len(column)))
        column[docnum] = length_to_byte(length) if length else 0

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw, schema = self.fieldwriter, self.schema
        decoded = [0] + [byte_to_length(b) for b in range(1, 256)]
        current = None
        for (name, btext), docnums, weights, values in self.pool.terms():
            if name != current:
                if current is not None:
                    fw.finish_field()
                fw.start_field(name, schema[name])
                current = name
                column = self._lengths.get(name, bytearray())
                column.extend(bytes(self.docnum - len(column)))
            fw.start_term(btext)
            add_postings(fw._postwriter, docnums, weights, values, [decoded[column[d]] for d in docnums])
            fw.finish_term()
        if current is not None:
            fw.finish_field()
        fw.close()


def add_postings(pw, docnums: list, weights: list, values: list, lengths: list) -> None:
    """What pw.add_posting does for each posting of a term, a block at a time.

    Reaches into Whoosh's W3PostingsWriter (Whoosh is pinned at 2.7.4): its block buffer
    (_ids, _weights, _values) and the block's statistics, which _write_block reads.
    """
    limit, i, n = pw._blocklimit, 0, len(docnums)
    while i < n:
        if len(pw._ids) >= limit:
            pw._write_block()
        j = min(n, i + limit - len(pw._ids))
        pw._ids.extend(docnums[i:j])
        block_weights = weights[i:j]
        pw._weights.extend(block_weights)
        pw._maxweight = max(pw._maxweight, *block_weights)
        pw._values.extend(v for v in values[i:j] if v)
        known = [length for length in lengths[i:j] if length]
        if known:
            low = min(known)
            pw._minlength = low if pw._minlength is None else min(pw._minlength, low)
            pw._maxlength = max(pw._maxlength, *known)
        i = j
