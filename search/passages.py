"""Passages as the re-ranker reads them: decoded once from their stored fields, then kept.

Reading a candidate's stored fields (a read, zlib, pickle) and decoding its term codes costs
more than re-ranking it. A segment never changes once written, so a passage read from one is
the same until the segment is merged away: PassageCache keeps the most recently used ones,
keyed by segment and document number within it.
"""
from __future__ import annotations

import sys
import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from whoosh.reading import IndexReader

from . import termcodes
from .stored import stored_fields


@dataclass(frozen=True, slots=True)
class Passage:
    """One indexed passage with what the index stored for re-ranking, decoded."""

    doc_id: str
    text: str
    sentences: Sequence[Sequence[int]]  # (start, end) spans relative to text
    codes: np.ndarray  # codes of its sentences' analyzed terms, one sentence after another (termcodes)
    lengths: np.ndarray  # how many of them each sentence has (int64)
    word_codes: np.ndarray  # codes of the words that stand whole in the lowercased text, sorted
    fields: dict  # everything stored, passed through to the result
    starts: np.ndarray | None = None  # where each of its terms starts in text, if stored
    # What the re-ranker worked out from the passage alone, kept for the next question that finds it.
    memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def from_fields(cls, f: dict) -> "Passage":
        return cls(doc_id=f["doc_id"], text=f["text"], sentences=f["sents"], codes=termcodes.decode(f["tcodes"]),
                   lengths=np.array(f["tlens"], dtype=np.int64), word_codes=termcodes.decode(f["wcodes"]), fields=f,
                   starts=termcodes.decode_starts(f["tstarts"]))


# Bytes a kept passage costs beyond its text and stored bytes (the dict of its fields, the
# arrays over its codes, its sentence spans): measured as about 4 KB on the scale corpora.
OVERHEAD = 4096


def footprint(passage: Passage) -> int:
    """About how many bytes of memory a kept passage holds: its text, its stored bytes (term
    codes, sentence vectors), and OVERHEAD."""
    return sys.getsizeof(passage.text) + sum(len(v) for v in passage.fields.values() if isinstance(v, bytes)) + OVERHEAD


def _segment_id(leaf: IndexReader) -> str | None:
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else None


class PassageCache:
    """The most recently read passages of an index, by (segment, document number), while their
    footprint() adds up to at most max_bytes; thread-safe. Passages of segments no longer read
    stay until they are the least recent."""

    def __init__(self, max_bytes: int):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self.held = 0  # bytes, by footprint()
        self._kept: OrderedDict[tuple[str, int], tuple[Passage, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def passages(self) -> list[Passage]:
        """The kept passages, least recent first."""
        with self._lock:
            return [passage for passage, _ in self._kept.values()]

    def read(self, reader: IndexReader, docnums: list[int]) -> list[Passage]:
        """The passage of each global docnum of reader, in order."""
        leaves = reader.leaf_readers()
        bases = [base for _, base in leaves]
        ids = [_segment_id(leaf) for leaf, _ in leaves]
        keys = []
        for docnum in docnums:
            n = bisect_right(bases, docnum) - 1
            keys.append((ids[n], docnum - bases[n]) if n >= 0 and ids[n] is not None else None)
        with self._lock:
            kept = [self._kept.get(key) if key is not None else None for key in keys]
            for key, entry in zip(keys, kept):
                if entry is not None:
                    self._kept.move_to_end(key)
        found = [entry[0] if entry is not None else None for entry in kept]
        missing = [n for n, passage in enumerate(found) if passage is None]
        if missing:
            read = stored_fields(reader, [docnums[n] for n in missing])
            for n, fields in zip(missing, read):
                found[n] = Passage.from_fields(fields)
            with self._lock:
                for n in missing:
                    if keys[n] is not None and keys[n] not in self._kept:
                        size = footprint(found[n])
                        self._kept[keys[n]] = (found[n], size)
                        self.held += size
                while self.held > self.max_bytes and self._kept:
                    self.held -= self._kept.popitem(last=False)[1][1]
        return found
