"""Postings gathered by term, spilled to sorted run files, merged back in term and document order.

Whoosh's own pool sorts one tuple per posting; here each term's postings are lists that
grow in place, and a run file holds one pickle per term. Runs written by build workers
number their documents locally; a docmap (local number -> index number) puts them in place
when they are merged.
"""
from __future__ import annotations

import heapq
import pickle
from itertools import groupby
from operator import itemgetter
from typing import Iterable, Iterator, Sequence

from whoosh.formats import Frequency
from whoosh.system import pack_uint

Key = tuple[str, bytes]  # (field name, term bytes)
Term = tuple[Key, list, list, list]  # (key, docnums ascending, weights, value bytes)


class TermPool:
    """Postings by term, in memory up to `limit` postings, then in sorted run files in `store`."""

    def __init__(self, store, limit: int, prefix: str = "terms"):
        self._store, self._limit, self._prefix = store, limit, prefix
        # field name -> term bytes -> (docnums, weights, values): no key tuple made per posting
        self._terms: dict[str, dict[bytes, tuple[list, list, list]]] = {}
        self._size = 0
        self._runs: list[str] = []

    def add_items(self, fieldname: str, docnum: int, items) -> None:
        """One document's postings of a field: (term bytes, frequency, weight, value bytes)."""
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = {}
        for btext, _, weight, vbytes in items:
            lists = terms.get(btext)
            if lists is None:
                terms[btext] = ([docnum], [weight], [vbytes])
            else:
                lists[0].append(docnum)
                lists[1].append(weight)
                lists[2].append(vbytes)
        self._size += len(items)
        if self._size >= self._limit:
            self._spill()

    def add(self, item) -> None:
        """One posting as Whoosh's pool takes it (a merge would): (field, term bytes, docnum, weight, value)."""
        fieldname, btext, docnum, weight, vbytes = item
        self.add_items(fieldname, docnum, [(btext, 0, weight, vbytes)])

    def _spill(self) -> None:
        name = f"{self._prefix}{len(self._runs)}.run"
        with self._store.create_file(name).raw_file() as f:
            # One pickle per term, each on its own: a shared Pickler (and Unpickler) would keep
            # every term it has seen in its memo, the whole run in memory.
            for term in self._sorted_out():
                pickle.dump(term, f, pickle.HIGHEST_PROTOCOL)
            pickle.dump(None, f)
        self._runs.append(name)
        self._terms, self._size = {}, 0

    def _sorted_out(self) -> Iterator[Term]:
        """The pooled terms in (field, term) order, each let go once handed out."""
        for fieldname in sorted(self._terms):
            terms = self._terms[fieldname]
            for btext in sorted(terms):
                yield ((fieldname, btext), *terms.pop(btext))
        self._terms = {}

    def runs(self) -> list[str]:
        """Every posting written out; the run files' names."""
        if self._terms:
            self._spill()
        return list(self._runs)

    def terms(self) -> Iterator[Term]:
        """Every term in order, its docnums ascending."""
        if not self._runs:
            yield from self._sorted_out()
            return
        yield from merged([read_run(self._store, name) for name in self.runs()])

    def cleanup(self) -> None:
        for name in self._runs:
            try:
                self._store.delete_file(name)
            except OSError:
                pass
        self._runs, self._terms = [], {}


def read_run(store, name: str, docmap: Sequence[int] | None = None) -> Iterator[Term]:
    """A run file's terms, their docnums put through docmap when given."""
    with store.open_file(name).raw_file() as f:
        while (entry := pickle.load(f)) is not None:
            if docmap is not None:
                entry = (entry[0], [docmap[d] for d in entry[1]], entry[2], entry[3])
            yield entry


def merged(sources: Iterable[Iterator[Term]]) -> Iterator[Term]:
    """Sorted term streams as one: a term's postings from several streams joined in docnum order."""
    for key, parts in groupby(heapq.merge(*sources, key=itemgetter(0)), key=itemgetter(0)):
        parts = list(parts)
        if len(parts) == 1:
            yield parts[0]
            continue
        docnums, weights, values = (sum((p[i] for p in parts), []) for i in (1, 2, 3))
        if any(a[1][-1] > b[1][0] for a, b in zip(parts, parts[1:])):  # streams interleave
            order = sorted(range(len(docnums)), key=docnums.__getitem__)
            docnums = [docnums[i] for i in order]
            weights = [weights[i] for i in order]
            values = [values[i] for i in order]
        yield (key, docnums, weights, values)


class Tally:
    """A lexicon field's postings, tallied: per term, its total frequency and the first document
    that holds it, instead of one posting per document.

    Fields searched only for their words and how often each occurs (the "did you mean" field)
    need no more, and a full build spent about a seventh of its time on their postings. Each
    term then has one posting, on its first document, whose frequency is the term's count in
    every document: the reader's frequency() is the same; its doc_frequency() is 1.
    """

    def __init__(self):
        self.terms: dict[str, dict[str, list[int]]] = {}  # field -> term -> [frequency, first docnum]

    def add_counts(self, fieldname: str, docnum: int, counts: dict[str, int]) -> None:
        """How often each term occurs in one document's field, docnums ascending from call to call."""
        terms = self.terms.get(fieldname)
        if terms is None:
            terms = self.terms[fieldname] = {}
        for term, frequency in counts.items():
            held = terms.get(term)
            if held is None:
                terms[term] = [frequency, docnum]
            else:
                held[0] += frequency

    def join(self, other: dict[str, dict[str, list[int]]], docmap: Sequence[int]) -> None:
        """Add another tally's terms, whose documents docmap numbers as this tally's."""
        for fieldname, theirs in other.items():
            terms = self.terms.setdefault(fieldname, {})
            for term, (frequency, first) in theirs.items():
                held = terms.get(term)
                if held is None:
                    terms[term] = [frequency, docmap[first]]
                else:
                    held[0] += frequency
                    held[1] = min(held[1], docmap[first])

    def postings(self, schema) -> Iterator[tuple[str, int, list]]:
        """(field, docnum, [item]) for each tallied term."""
        for fieldname, terms in self.terms.items():
            fmt = schema[fieldname].format
            if type(fmt) is not Frequency:
                raise ValueError(f"field {fieldname!r}: only frequency postings can be tallied")
            for term, (frequency, first) in terms.items():
                # the item Whoosh's Frequency format (and postings.counted) makes
                btext = term.encode("utf-8")
                yield fieldname, first, [(btext, frequency, float(frequency) * fmt.field_boost, pack_uint(frequency))]
