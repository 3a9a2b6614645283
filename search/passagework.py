"""Documents into passages: their Whoosh fields, their postings, and a build worker's share of them."""
from __future__ import annotations

from typing import Iterable

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage

from . import analysis, docstore, postings, settings
from .chunking import chunk_document
from .models import Document
from .segmentwriter import field_postings
from .termpool import TermPool

WORKER_POOL_POSTINGS = 2_000_000  # postings a worker holds in memory before writing a run file


def passage_fields(doc: Document, origin: str) -> Iterable[dict]:
    """The Whoosh fields of each passage of doc, which came from corpus file `origin`."""
    target, max_words = settings.get("passage_words"), settings.get("passage_max_words")
    rev = docstore.revision(doc)
    for p in chunk_document(doc, target, max_words):
        yield dict(pid=p.passage_id, doc_id=doc.doc_id, file=origin, rev=rev, number=p.number, title=doc.title,
                   text=p.text, source=doc.source, url=doc.url, date=doc.date or "", start=p.start, end=p.end,
                   sents=[list(span) for span in p.sentences],
                   sterms=[" ".join(analysis.terms(p.text[a:b])) for a, b in p.sentences],
                   spell=f"{doc.title}\n{p.text}")


def with_postings(schema: Schema, doc: Document, fields: list[dict]) -> list[tuple[dict, dict]]:
    """Each passage's fields with the postings of its analysed fields, words split once a value."""
    title_words = [w for w, _, _ in analysis.words(doc.title)]
    title_positions = postings.stemmed_positions(title_words)
    return [(f, postings.analysed(schema, title_words, title_positions,
                                  [w for w, _, _ in analysis.words(f["text"])])) for f in fields]


def cut(documents: Iterable[tuple[Document, str]]) -> tuple[list[tuple[Document, list[dict]]], list[str]]:
    """Each (document, its file) with its passages' fields; one that cannot be cut is reported, not fatal.

    Sentence splitting runs regular expressions under NLTK's time limit; a hostile document
    (a megabyte of ". . .") hits it, and only that document is left out.
    """
    kept, problems = [], []
    for doc, origin in documents:
        try:
            kept.append((doc, list(passage_fields(doc, origin))))
        except Exception as exc:
            problems.append(f"{origin}: document {doc.doc_id[:80]!r} cannot be cut into passages "
                            f"({type(exc).__name__}), skipped")
    return kept, problems


class PassageWorker:
    """Cuts batches of (document, file) in a build worker, keeping their postings in its own runs.

    Its passages are numbered in the order it cut them; the parent maps those numbers to the
    index's when it adopts the runs.
    """

    def __init__(self, schema: Schema, tempdir: str, index: int):
        self._schema = schema
        self._pool = TermPool(FileStorage(tempdir), WORKER_POOL_POSTINGS, prefix=f"worker{index}-")
        self._passages = 0

    def work(self, entries: list[tuple[Document, str]]) -> list[tuple[str | None, list[tuple[dict, dict]]]]:
        """Per entry: (why it was skipped or None, [(passage fields, scorable field lengths)])."""
        out = []
        for entry in entries:
            cuts, problems = cut([entry])
            done = []
            for doc, fields in cuts:
                for f, analysed in with_postings(self._schema, doc, fields):
                    indexed, lengths = field_postings(self._schema, f, analysed)
                    for name, items in indexed.items():
                        self._pool.add_items(name, self._passages, items)
                    self._passages += 1
                    done.append((f, lengths))
            out.append((problems[0] if problems else None, done))
        return out

    def finish(self) -> list[str]:
        """The names of the run files holding this worker's postings."""
        return self._pool.runs()
