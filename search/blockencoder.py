"""A segment's postings encoded in build workers, a share of the terms each, stitched by the parent.

Writing the postings file (Whoosh's codec pickling and compressing every block) was the
build's longest serial step. A term's blocks depend only on its own postings, so once every
passage has its number, each worker merges all the run files, encodes the terms of its share
(by a checksum of the term) with Whoosh's own postings writer into a file of its own, and the
parent copies the blocks into the postings file in term order, filling in where each term's
blocks start. The files come out byte for byte as Whoosh would write them.
"""
from __future__ import annotations

import heapq
import io
import pickle
import zlib
from operator import itemgetter
from typing import Iterator, Sequence

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length

from .termpool import merged

EXTENT = len(pack_long(0) + pack_int(0))  # where a term's blocks are, at the end of its info
Encoded = tuple[tuple[str, bytes], bytes, bytes | None]  # (key, term info bytes, blocks or None if inlined)


def _share(runs: Sequence[tuple[str, Sequence[int]]], store, share: int, shares: int):
    """The postings of this share's terms from every run, their docnums put in index order."""
    for name, docmap in runs:
        with store.open_file(name).raw_file() as f:
            while (entry := pickle.load(f)) is not None:
                if zlib.crc32(entry[0][1]) % shares == share:
                    yield (entry[0], [docmap[d] for d in entry[1]], entry[2], entry[3])


def encode_share(store, codec, schema, runs, lengths: dict[str, bytes], share: int, shares: int,
                 out_name: str) -> str:
    """Encode this share's terms into file out_name of store, one pickled Encoded per term.

    runs: (run file name, its docmap) for every run of the build; lengths: each
    indexed field's length bytes for every document (PreparedWriter.length_columns).
    """
    decoded = [0] + [byte_to_length(b) for b in range(1, 256)]
    buffer = io.BytesIO()
    pw = codec.postings_writer(StructFile(buffer))
    streams = [_share([run], store, share, shares) for run in runs]
    with store.create_file(out_name).raw_file() as out:
        for key, docnums, weights, values in merged(streams):
            column = lengths[key[0]]  # one byte per document of the index
            buffer.seek(0)
            buffer.truncate()
            pw.start_postings(schema[key[0]].format, W3TermInfo())
            add_postings(pw, docnums, weights, values,
                         [decoded[column[d]] for d in docnums])
            info = pw.finish_postings()
            if info.is_inlined():
                pickle.dump((key, info.to_bytes(), None), out, pickle.HIGHEST_PROTOCOL)
            else:
                info.set_extent(0, 0)
                pickle.dump((key, info.to_bytes()[:-EXTENT], buffer.getvalue()), out, pickle.HIGHEST_PROTOCOL)
        pickle.dump(None, out)
    return out_name


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


def read_encoded(store, name: str) -> Iterator[Encoded]:
    with store.open_file(name).raw_file() as f:
        while (entry := pickle.load(f)) is not None:
            yield entry


def write_encoded(fw, schema, store, names: Sequence[str]) -> None:
    """Write the terms of encoded files (encode_share) through field writer fw, in term order."""
    current, postfile, tindex = None, fw._postfile, fw._tindex
    for (name, btext), info, blocks in heapq.merge(*(read_encoded(store, n) for n in names), key=itemgetter(0)):
        if name != current:
            if current is not None:
                fw.finish_field()
            fw.start_field(name, schema[name])
            current, prefix = name, pack_ushort(fw._fieldid)
        if blocks is not None:
            info += pack_long(postfile.tell()) + pack_int(len(blocks))
            postfile.write(blocks)
        tindex.add(prefix + btext, info)
    if current is not None:
        fw.finish_field()
    fw.close()
