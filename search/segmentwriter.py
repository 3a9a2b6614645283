"""A Whoosh segment writer for a full build: postings gathered per term, not one at a time.

Whoosh's SegmentWriter puts every posting through a sorting pool (a tuple pickled to a run
file, read back and merged one by one) and looks each document's field length up again while
writing; on a build that is most of its time. This writer keeps each term's postings in lists
(search/termpool.py), takes run files that build workers wrote, and writes the segment with
Whoosh's own codec from the merged lists and the field lengths it kept while adding. It
writes the same segment Whoosh would, given the same stored column (STORED_COLUMN below;
tests/test_segmentwriter.py compares the files), and
commits, cancels, locks and cleans up exactly as SegmentWriter does: only the pool and the
final flush are replaced.
"""
from __future__ import annotations

import pickle
from typing import Sequence

from whoosh.columns import CompressedBytesColumn, PickleColumn
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .blockencoder import add_postings, write_encoded
from .termpool import Tally, TermPool, merged, read_run


class _PickleColumn(PickleColumn):
    """Whoosh's PickleColumn, pickling at protocol 5 rather than 2, which has no opcode for
    bytes: the term codes and sentence vectors a passage stores would be pickled as a call that
    re-encodes a str, and unpickled 2.6 times slower. Readers unpickle either the same way."""

    class Writer(PickleColumn.Writer):
        def add(self, docnum, v):
            self._child.add(docnum, b"" if v is None else pickle.dumps(v, 5))


# Whoosh 2.7.4 deflates each passage's stored dict at level 3, and inflating one back takes
# about 9 µs: for the 30 candidates every question re-ranks, a tenth of the whole answer.
# Level 0 writes the same zlib format (stored blocks), which every Whoosh reader reads as
# before, in under 1 µs; the stored column grows about 1.8 times.
STORED_COLUMN = _PickleColumn(CompressedBytesColumn(level=0))


def store_uncompressed(perdoc) -> None:
    """Make a new Whoosh 2.7.4 per-document writer store passages at level 0 (STORED_COLUMN).

    Left as it is if it has already written a passage or is not laid out as expected:
    segments of either level read the same.
    """
    try:
        column = perdoc._colwriters["_stored"]
        dbfile, written = column._child._dbfile, column._child._count
    except (AttributeError, KeyError):
        return
    if type(column) is PickleColumn.Writer and type(column._child) is CompressedBytesColumn.Writer and not written:
        perdoc._colwriters["_stored"] = STORED_COLUMN.writer(dbfile)


def field_postings(schema, fields: dict, postings: dict) -> tuple[dict[str, list], dict[str, int]]:
    """(items of each indexed field, length of each scorable one) of a document's fields.

    postings gives some fields' items, exactly as field.index(value) would, or for a tallied
    field (termpool.Tally) its terms' counts; the others are indexed here. Pure work on plain
    data, so build workers can do it.
    """
    if any(name.startswith("_") for name in fields):
        raise ValueError("boosts and custom stored values (fields named _...) are not supported")
    indexed, lengths = {}, {}
    for name, value in fields.items():
        fieldobj = schema[name] if name in schema else None  # unknown: the writer says so
        if fieldobj is None or value is None or not fieldobj.indexed:
            continue
        if fieldobj.vector or fieldobj.separate_spelling():
            raise ValueError(f"field {name!r}: term vectors and separate spelling are not supported")
        items = indexed[name] = postings[name] if name in postings else list(fieldobj.index(value))
        if fieldobj.scorable:
            lengths[name] = sum(items.values()) if isinstance(items, dict) else sum(item[1] for item in items)
    return indexed, lengths


class PreparedWriter(SegmentWriter):
    """SegmentWriter that also takes documents with their postings worked out, or in run files."""

    def __init__(self, ix, pool_postings: int = 4_000_000, tallied: frozenset[str] = frozenset(), **kwargs):
        """tallied: fields whose postings are tallied (termpool.Tally) rather than kept one by one."""
        super().__init__(ix, **kwargs)
        store_uncompressed(self.perdocwriter)
        self.pool = TermPool(self._tempstorage, pool_postings)
        self.tallied, self.tally = frozenset(tallied), Tally()
        self._lengths: dict[str, bytearray] = {}  # field -> one length byte per document
        self._adopted: list[tuple[str, Sequence[int]]] = []
        self._encoded: list[str] = []

    @property
    def tempdir(self) -> str:
        """The folder of the writer's temporary files (Whoosh removes it on commit and cancel)."""
        return self._tempstorage.folder

    def add_prepared(self, fields: dict, postings: dict) -> None:
        """Add a document; postings maps some of its indexed fields to `field.index(value)`'s items."""
        indexed, lengths = field_postings(self.schema, fields, postings)
        self.add_stored(fields, lengths)
        for name, items in indexed.items():
            if name in self.tallied:
                counts = items if isinstance(items, dict) else {b.decode("utf-8"): n for b, n, _, _ in items}
                self.tally.add_counts(name, self.docnum - 1, counts)
            else:
                self.pool.add_items(name, self.docnum - 1, items)

    def add_document(self, **fields) -> None:
        self.add_prepared(fields, {})

    def add_stored(self, fields: dict, lengths: dict[str, int]) -> None:
        """Add a document whose postings come in a run file (adopt): its stored fields and lengths."""
        self._check_state()
        schema, pdw = self.schema, self.perdocwriter
        names = sorted(fields)
        self._check_fields(schema, names)
        pdw.start_doc(self.docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            fieldobj = schema[name]
            length = lengths.get(name, 0)
            if length:
                self._keep_length(name, self.docnum, length)
            pdw.add_field(name, fieldobj, value if fieldobj.stored else None, length)
            if fieldobj.column_type:
                pdw.add_column_value(name, fieldobj.column_type, fieldobj.to_column_value(value))
        pdw.finish_doc()
        self.docnum += 1
        self._added = True

    def adopt(self, name: str, docmap: Sequence[int]) -> None:
        """Take the postings of a run file in the temporary folder; docmap maps its docnums to ours."""
        self._adopted.append((name, docmap))

    def adopt_encoded(self, names: Sequence[str]) -> None:
        """Take every term's postings already encoded (blockencoder.encode_share) in these files.

        They replace the pool, the tally and adopted runs, which must then hold nothing.
        """
        self._encoded.extend(names)

    def tally_run(self) -> list[str]:
        """The tally's postings written out as run files (numbered as this writer's documents),
        for build workers to encode; the tally is then empty."""
        pool = TermPool(self._tempstorage, 1 << 62, prefix="tally")
        for name, docnum, items in self.tally.postings(self.schema):
            pool.add_items(name, docnum, items)
        self.tally = Tally()
        return pool.runs()

    def length_columns(self) -> dict[str, bytes]:
        """Each indexed field's length byte (0: none kept) for every document added so far."""
        columns = {name: self._lengths.get(name, b"") for name in self.schema.names() if self.schema[name].indexed}
        return {name: bytes(column) + bytes(self.docnum - len(column)) for name, column in columns.items()}

    def _keep_length(self, name: str, docnum: int, length: int) -> None:
        column = self._lengths.setdefault(name, bytearray())
        if len(column) <= docnum:
            column.extend(bytes(docnum + 1 - len(column)))
        column[docnum] = length_to_byte(length) if length else 0

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw, schema = self.fieldwriter, self.schema
        if self._encoded:
            if self._adopted or self.pool.runs() or self.tally.terms:
                raise ValueError("postings both encoded and pooled")
            write_encoded(fw, schema, self._tempstorage, self._encoded)
            return
        for name, docnum, items in self.tally.postings(self.schema):
            self.pool.add_items(name, docnum, items)
        decoded = [0] + [byte_to_length(b) for b in range(1, 256)]
        current = None
        sources = [self.pool.terms()] + [read_run(self._tempstorage, run, docmap) for run, docmap in self._adopted]
        for (name, btext), docnums, weights, values in merged(sources):
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

