"""Fast first-stage ranking: Whoosh's BM25F scores, computed with numpy over cached postings.

Plain Whoosh walks a Python tree of union matchers one posting at a time and looks up each
document's field length through several calls; that is where its query time goes. Here each
term's postings are read once per segment into numpy arrays (segments never change once
written), and a query is a few vector operations plus one pass for the top k
(search/kernels.py).

The scores reproduce `whoosh.scoring.BM25F` in Whoosh 2.7.4 for an OR of terms:
  idf   = ln(doc_count_all / (doc_frequency + 1)) + 1          (whole index, deleted included)
  avgfl = field_length(field) / doc_count_all, or 1 if that is 0
  fl    = byte_to_length(length byte), Whoosh's lossy one-byte document length
  score = sum over matching terms of boost * idf * w*(K1+1) / (w + K1*(1 - B + B*fl/avgfl))
where w is the posting weight (frequency times the field's field_boost, stored at index time).
"""
from __future__ import annotations

import math
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh.reading import IndexReader

from . import kernels

Term = tuple[str, "str | bytes", float]  # (fieldname, text, query boost)
PREPARED_MAX = 20_000  # query terms whose statistics are kept for the segments last searched


@dataclass
class _Segment:
    """What never changes in one segment: per-field document lengths."""

    doc_count: int
    lengths: dict[str, np.ndarray] = field(default_factory=dict)


def bm25(idf: float, weights: np.ndarray, lengths: np.ndarray, avgfl: float,
         B: float, K1: float) -> np.ndarray:
    """Whoosh's bm25(), vectorised; same operation order so float results match bit for bit."""
    return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl)))


def whoosh_idf(doc_count_all: int, doc_frequency: int) -> float:
    """Whoosh's WeightingModel.idf."""
    return math.log(doc_count_all / (doc_frequency + 1)) + 1


def top_k(scores: np.ndarray, k: int) -> list[tuple[float, int]]:
    """(score, docnum) of the k best positive scores: score descending, then docnum ascending."""
    docnums, best = kernels.top_k(scores, k)
    return list(zip(best.tolist(), docnums.tolist()))


def read_postings(reader: IndexReader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All (docnum, weight) postings of one term in one segment, deleted documents included."""
    matcher = reader.postings(fieldname, btext)
    # The segment reader hides deleted documents behind a FilterMatcher; deletions are masked
    # separately so that these arrays stay valid for the segment's whole life.
    matcher = getattr(matcher, "child", matcher)
    ids, weights = array("i"), array("d")  # compact while growing, unlike lists of Python numbers
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.frombuffer(ids, dtype=np.intc).astype(np.int32), np.frombuffer(weights, dtype=np.float64)


def read_lengths(reader: IndexReader, fieldname: str) -> np.ndarray:
    """Every document's field length exactly as the BM25F scorer sees it (default 1)."""
    dfl = reader.doc_field_length
    # Whoosh returns None for a zero length byte; such documents hold no terms of the field.
    return np.array([dfl(n, fieldname, 1) or 0 for n in range(reader.doc_count_all())],
                    dtype=np.float64)


def segment_key(reader: IndexReader) -> str:
    """Identity of the segment behind a leaf reader; segments are immutable once written."""
    segment = reader.segment()
    return segment.segment_id() if segment is not None else f"reader-{id(reader)}"


class FastScorer:
    """Scores OR-of-terms queries like Whoosh BM25F; caches per-segment term impacts, LRU-bounded.
    One question at a time: it adds every question's scores up in one array it keeps."""

    def __init__(self, B: float = 0.75, K1: float = 1.2, max_cached_postings: int = 12_000_000,
                 max_cached_terms: int = 200_000):
        if not 0 <= B <= 1 or K1 < 0:
            raise ValueError(f"need 0 <= B <= 1 and K1 >= 0, got B={B}, K1={K1}")
        if max_cached_postings < 0 or max_cached_terms < 0:
            raise ValueError("max_cached_postings and max_cached_terms must be >= 0")
        self.B, self.K1 = B, K1
        self.max_cached_postings = max_cached_postings
        self.max_cached_terms = max_cached_terms
        self._segments: dict[str, _Segment] = {}
        # (segment, field, term) -> its document frequency there, 0 when absent: a lookup in
        # the segment's term table reads the index file, and a query asks for each term thrice.
        self._frequencies: OrderedDict[tuple, int] = OrderedDict()
        # (segment, field, term) -> (docnums, BM25 impact, (idf, avgfl) the impact was made with)
        self._postings: OrderedDict[tuple, tuple] = OrderedDict()
        self._cached = 0
        self._alive: dict[tuple[str, int], np.ndarray | None] = {}
        # (field, term, boost) -> _prepare_terms()'s entry for it in the segments _prepared_for, () when absent
        self._prepared: dict[tuple, tuple] = {}
        self._prepared_for: tuple[str, ...] = ()
        self._sums = np.zeros(0)  # scores by global docnum, all 0 between questions (_accumulate)
        self._touched: list[tuple[int, np.ndarray]] = []  # (offset, docnums) written since the last _clear()

    # -- per-segment caches ------------------------------------------------------------

    def _segment(self, reader: IndexReader, key: str) -> _Segment:
        seg = self._segments.get(key)
        if seg is None:
            seg = self._segments[key] = _Segment(reader.doc_count_all())
        return seg

    def _lengths(self, reader: IndexReader, key: str, fieldname: str) -> np.ndarray:
        seg = self._segment(reader, key)
        if fieldname not in seg.lengths:
            seg.lengths[fieldname] = read_lengths(reader, fieldname)
        return seg.lengths[fieldname]

    def _impacts(self, reader: IndexReader, key: str, fieldname: str, btext: bytes,
                 idf: float, avgfl: float) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25 contribution) of one term in one segment, cached until stats change."""
        cache_key = (key, fieldname, btext)
        hit = self._postings.get(cache_key)
        if hit is not None and hit[2] == (idf, avgfl):
            self._postings.move_to_end(cache_key)
            return hit[0], hit[1]
        if hit is not None:  # a commit changed idf or avgfl: recompute from the postings
            self._cached -= len(self._postings.pop(cache_key)[0])
        ids, weights = read_postings(reader, fieldname, btext)
        lengths = self._lengths(reader, key, fieldname)[ids]
        impact = bm25(idf, weights, lengths, avgfl, self.B, self.K1)
        self._postings[cache_key] = (ids, impact, (idf, avgfl))
        self._cached += len(ids)
        while self._cached > self.max_cached_postings and len(self._postings) > 1:
            old_ids = self._postings.popitem(last=False)[1][0]
            self._cached -= len(old_ids)
        return ids, impact

    def _frequency(self, reader: IndexReader, key: str, fieldname: str, btext: bytes) -> int:
        """The term's document frequency in one segment (deleted documents counted, as Whoosh does)."""
        cache_key = (key, fieldname, btext)
        found = self._frequencies.get(cache_key)
        if found is None:
            found = self._frequencies[cache_key] = reader.doc_frequency(fieldname, btext)
            if len(self._frequencies) > self.max_cached_terms:
                self._frequencies.popitem(last=False)
        else:
            self._frequencies.move_to_end(cache_key)
        return found

    def _alive_mask(self, reader: IndexReader, key: str) -> np.ndarray | None:
        """Boolean mask of live documents, or None when the segment has no deletions."""
        if not reader.has_deletions():
            return None
        segment = reader.segment()
        deleted = sorted(segment.deleted_docs() if segment is not None else
                         (n for n in range(reader.doc_count_all()) if reader.is_deleted(n)))
        # Deletions in a segment only ever grow, so their count identifies the set.
        mask_key = (key, len(deleted))
        if mask_key not in self._alive:
            mask = np.ones(reader.doc_count_all(), dtype=bool)
            mask[np.array(deleted, dtype=np.int64)] = False
            self._alive[mask_key] = mask
        return self._alive[mask_key]

    def forget(self, live_keys: set[str]) -> None:
        """Drop cached data of segments not in live_keys (merged away after a commit)."""
        for key in [k for k in self._segments if k not in live_keys]:
            del self._segments[key]
        for cache_key in [k for k in self._postings if k[0] not in live_keys]:
            self._cached -= len(self._postings.pop(cache_key)[0])
        for mask_key in [k for k in self._alive if k[0] not in live_keys]:
            del self._alive[mask_key]
        for cache_key in [k for k in self._frequencies if k[0] not in live_keys]:
            del self._frequencies[cache_key]

    # -- scoring --------------------------------------------------------------------------

    def scores(self, reader: IndexReader, terms: list[Term]) -> np.ndarray:
        """Dense BM25F score per global docnum (0 where nothing matched or deleted)."""
        try:
            return self._accumulate(reader, terms).copy()
        finally:
            self._clear()

    def _accumulate(self, reader: IndexReader, terms: list[Term]) -> np.ndarray:
        """The score of every global docnum, summed into the scorer's own array (a view of it,
        valid until _clear()).

        The array is kept from question to question and cleared where it was written: a new
        array as long as the index, every question, costs more in fresh memory pages than the
        adding itself. Each term's contributions are added in the order of the terms, as a
        bincount of their concatenation would, so every score is the same to the last bit."""
        if not isinstance(reader, IndexReader):  # a Searcher: score its reader
            reader = reader.reader()
        total = reader.doc_count_all()
        if len(self._sums) < total:
            self._sums = np.zeros(total)
        sums = self._sums[:total]
        leaves = [(leaf, offset, segment_key(leaf)) for leaf, offset in reader.leaf_readers()]
        prepared = self._prepare_terms(reader, leaves, terms, total)
        touched = self._touched
        for n, (leaf, offset, key) in enumerate(leaves):
            alive = self._alive_mask(leaf, key)
            part = sums[offset:offset + leaf.doc_count_all()]
            for fieldname, btext, idf, avgfl, boost, frequencies in prepared:
                if not frequencies[n]:  # not in this segment
                    continue
                ids, contrib = self._impacts(leaf, key, fieldname, btext, idf, avgfl)
                if boost != 1.0:
                    contrib = contrib * boost
                if alive is not None:
                    keep = alive[ids]
                    ids, contrib = ids[keep], contrib[keep]
                kernels.add_at(part, ids, contrib)
                touched.append((offset, ids))
        if len(self._segments) > len(leaves):
            self.forget({key for _, _, key in leaves})
        return sums

    def _clear(self) -> None:
        """Zero what _accumulate() wrote: a few postings lists, or the whole array when that is less work."""
        if sum(len(ids) for _, ids in self._touched) * 4 > len(self._sums):
            self._sums.fill(0.0)
        else:
            for offset, ids in self._touched:
                self._sums[offset:][ids] = 0.0
        self._touched.clear()

    def search(self, reader: IndexReader, terms: list[Term], k: int = 10,
               allowed: np.ndarray | None = None) -> list[tuple[float, int]]:
        """Top k (score, global docnum) for the OR of terms, best first, like searcher.search();
        `allowed`, a boolean array by docnum, keeps only those documents (a filter)."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        try:
            scores = self._accumulate(reader, terms)
            if allowed is not None:
                return top_k(np.where(allowed[: len(scores)], scores, 0.0), k)
            return top_k(scores, k)
        finally:
            self._clear()

    def _prepare_terms(self, reader: IndexReader, leaves: list, terms: list[Term], total: int):
        """(fieldname, bytes, idf, avgfl, boost, frequency in each leaf) per term; unknown fields
        and terms are dropped. A term is in a segment when its frequency there is above 0.

        Each term's is kept for the same segments: none of it changes while they stay (deleted
        documents count in every figure, as in Whoosh's)."""
        segments = tuple(key for _, _, key in leaves)
        if segments != self._prepared_for:
            self._prepared.clear()
            self._prepared_for = segments
        kept = self._prepared
        found = list(map(kept.get, terms))
        if None in found:
            for n, term in enumerate(terms):
                if found[n] is None:
                    found[n] = kept[term] = self._prepare_term(reader, leaves, term, total)
            while len(kept) > PREPARED_MAX:
                del kept[next(iter(kept))]
        return [entry for entry in found if entry]

    def _prepare_term(self, reader: IndexReader, leaves: list, term: Term, total: int) -> tuple:
        """_prepare_terms()'s entry of one term, worked out; () for an unknown field or term."""
        fieldname, text, boost = term
        schema = reader.schema
        if fieldname not in schema:
            return ()
        fieldtype = schema[fieldname]
        if not fieldtype.scorable:
            raise ValueError(f"field {fieldname!r} is not scorable (no field lengths)")
        if boost <= 0:
            raise ValueError(f"query boost must be positive, got {boost}")
        btext = text if isinstance(text, bytes) else fieldtype.to_bytes(text)
        frequencies = [self._frequency(leaf, key, fieldname, btext) for leaf, _, key in leaves]
        if not any(frequencies):
            return ()
        idf = whoosh_idf(total, sum(frequencies))
        avgfl = (reader.field_length(fieldname) / (total or 1)) or 1
        return fieldname, btext, idf, avgfl, float(boost), frequencies
