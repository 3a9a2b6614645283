"""Documents into passages: their Whoosh fields, their postings, and a build worker's share of them."""
from __future__ import annotations

from bisect import bisect_left
from itertools import chain
from typing import Iterable, Iterator

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage

from . import analysis, docstore, postings, semantic, settings, termcodes
from .blockencoder import encode_share
from .chunking import chunk_document
from .models import Document
from .segmentwriter import field_postings
from .termpool import Tally, TermPool

WORKER_POOL_POSTINGS = 2_000_000  # postings a worker holds in memory before writing a run file


Words = list[tuple[str, int, int]]  # analysis.words() of a text
Stems = list  # postings.stems_of() of those words


def _passages(doc: Document, origin: str, encoder=None) -> Iterator[tuple[dict, Words, Stems]]:
    """Each passage's Whoosh fields, with the words of its text (analysis.words) and their stems.

    With an encoder (search/semantic.py), each passage also stores the vectors of its sentences ("vec").
    """
    target, max_words = settings.get("passage_words"), settings.get("passage_max_words")
    rev = docstore.revision(doc)
    passages = chunk_document(doc, target, max_words)
    vectors = _sentence_vectors(encoder, passages) if encoder is not None else None
    for n, p in enumerate(passages):
        words = analysis.words(p.text)
        stems = postings.stems_of([w for w, _, _ in words])
        fields = dict(pid=p.passage_id, doc_id=doc.doc_id, file=origin, rev=rev, number=p.number,
                      title=doc.title, text=p.text, source=doc.source, url=doc.url, date=doc.date or "",
                      start=p.start, end=p.end, sents=[list(span) for span in p.sentences],
                      spell=f"{doc.title}\n{p.text}",
                      **term_fields(p.text, words, stems, sentence_terms(p.text, words, p.sentences, stems)))
        if vectors is not None:
            fields["vec"] = semantic.to_stored(vectors[n])
        yield fields, words, stems


def _sentence_vectors(encoder, passages) -> list:
    """Each passage's sentence vectors (one row per sentence), encoded in one call per document."""
    texts = [p.text[a:b] for p in passages for a, b in p.sentences]
    rows, out, at = encoder.encode(texts), [], 0
    for p in passages:
        out.append(rows[at:at + len(p.sentences)])
        at += len(p.sentences)
    return out


def passage_fields(doc: Document, origin: str, encoder=None) -> Iterator[dict]:
    """The Whoosh fields of each passage of doc, which came from corpus file `origin`."""
    return (fields for fields, _, _ in _passages(doc, origin, encoder))


def term_fields(text: str, words: Words, stems: Stems, terms: list[list[str]]) -> dict:
    """The stored fields that carry each sentence's terms to the re-ranker and the highlighter:
    all their codes (search/termcodes.py), sentence after sentence, and how many each sentence
    has; where each one starts in the text, when the terms are exactly the text's words that
    are not stop words, in order, none of them over-long (else None: the highlighter then finds
    the words itself); and the codes of the words that stand whole in the lowercased text
    (termcodes.encode_whole_words), for exact matches."""
    chained = list(chain.from_iterable(terms))
    starts = None
    if len(text) <= termcodes.STARTS_MAX and False not in stems:  # an over-long word is stemmed False
        if [stem for stem in stems if stem is not None] == chained:
            starts = termcodes.encode_starts([start for stem, (_, start, _) in zip(stems, words) if stem is not None])
    return {"tcodes": termcodes.encode(chained), "tlens": [len(t) for t in terms], "tstarts": starts,
            "wcodes": termcodes.encode_whole_words(text, words)}


def sentence_terms(text: str, words: Words, sentences, stems: Stems | None = None) -> list[list[str]]:
    """Each sentence's analysed terms: analysis.terms(text[a:b]) for each span (a, b).

    A span with white space (or the text's end) on both sides holds exactly the words of the
    whole text that start inside it, so those are reused (with their stems, postings.stems_of,
    when given); any other span is analysed alone.
    """
    if stems is None:
        stems = postings.stems_of([w for w, _, _ in words])
    starts = [start for _, start, _ in words]
    out = []
    for a, b in sentences:
        if (a == 0 or text[a - 1].isspace()) and (b == len(text) or text[b].isspace()):
            inside = stems[bisect_left(starts, a):bisect_left(starts, b)]
            out.append([t for t in inside if t is not None and t is not False])
        else:
            out.append(analysis.terms(text[a:b]))
    return out


def with_postings(schema: Schema, doc: Document, fields: list[dict]) -> list[tuple[dict, dict]]:
    """Each passage's fields with the postings of its analysed fields."""
    return _with_postings(schema, doc, [(f, analysis.words(f["text"]), None) for f in fields])


def _with_postings(schema: Schema, doc: Document, passages, tallied=frozenset()) -> list[tuple[dict, dict]]:
    """passages: (fields, words, stems or None) of each passage; tallied: as postings.analysed."""
    title_words = [w for w, _, _ in analysis.words(doc.title)]
    title_positions = postings.stemmed_positions(title_words)
    return [(f, postings.analysed(schema, title_words, title_positions, [w for w, _, _ in words], stems, tallied))
            for f, words, stems in passages]


def _problem(doc: Document, origin: str, exc: Exception) -> str:
    return (f"{origin}: document {doc.doc_id[:80]!r} cannot be cut into passages "
            f"({type(exc).__name__}), skipped")


def cut(documents: Iterable[tuple[Document, str]], encoder=None) -> tuple[list[tuple[Document, list[dict]]], list[str]]:
    """Each (document, its file) with its passages' fields; one that cannot be cut is reported, not fatal.

    Sentence splitting runs regular expressions under NLTK's time limit; a hostile document
    (a megabyte of ". . .") hits it, and only that document is left out.
    """
    kept, problems = [], []
    for doc, origin in documents:
        try:
            kept.append((doc, list(passage_fields(doc, origin, encoder))))
        except Exception as exc:
            problems.append(_problem(doc, origin, exc))
    return kept, problems


def cut_with_postings(schema: Schema, doc: Document, origin: str, encoder=None,
                      tallied: frozenset[str] = frozenset()) -> tuple[list[tuple[dict, dict]], str | None]:
    """(each passage's fields and postings, None), or ([], why) for a document cut() would skip.

    Fields in `tallied` get their terms' counts instead of postings (postings.analysed)."""
    try:
        passages = list(_passages(doc, origin, encoder))
    except Exception as exc:
        return [], _problem(doc, origin, exc)
    return _with_postings(schema, doc, passages, tallied), None


class PassageWorker:
    """Cuts batches of (document, file) in a build worker, keeping their postings in its own runs.

    Its passages are numbered in the order it cut them; the parent maps those numbers to the
    index's when it adopts the runs.
    """

    def __init__(self, schema: Schema, tempdir: str, codec, tallied: frozenset[str], encoder, index: int):
        self._schema, self._codec, self._index, self._encoder = schema, codec, index, encoder
        self._store = FileStorage(tempdir)
        self._pool = TermPool(self._store, WORKER_POOL_POSTINGS, prefix=f"worker{index}-")
        self._tallied, self._tally = tallied, Tally()  # as PreparedWriter(tallied=...) does
        self._passages = 0
        if encoder is not None:
            semantic.side_by_side()  # the other build worker encodes at the same time

    def work(self, entries: list[tuple[Document, str]]) -> list[tuple[str | None, list[tuple[dict, dict]]]]:
        """Per entry: (why it was skipped or None, [(passage fields, scorable field lengths)])."""
        out = []
        for entry in entries:
            passages, problem = cut_with_postings(self._schema, *entry, self._encoder, self._tallied)
            done = []
            for f, analysed in passages:
                indexed, lengths = field_postings(self._schema, f, analysed)
                for name, items in indexed.items():
                    if name in self._tallied:
                        self._tally.add_counts(name, self._passages, items)
                    else:
                        self._pool.add_items(name, self._passages, items)
                self._passages += 1
                done.append((f, lengths))
            out.append((problem, done))
        return out

    def finish(self) -> tuple[list[str], dict]:
        """The names of the run files holding this worker's postings, and its tally's terms."""
        return self._pool.runs(), self._tally.terms

    def encode(self, runs, lengths: dict[str, bytes], shares: int) -> str:
        """Encode this worker's share of the terms of every worker's runs; the file's name."""
        return encode_share(self._store, self._codec, self._schema, runs, lengths, self._index, shares,
                            f"worker{self._index}.encoded")
