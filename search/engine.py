"""The one entry point the CLI, the web page and the JSON API share: Engine.ask()."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from . import filters as doc_filters
from . import kernels, semantic, settings
from .answers import Escaped, matched_spans, spans_at
from .confidence import answers_well
from .errors import BadQuery, SearchError
from .models import Answer, Citation, Document, Filters, Hit, SearchResponse, Source
from .passages import Passage
from .query import plan
from .questions import Question, read_question
from .rerank import Candidate, Ranked, rerank
from .searcher import IndexHandle, RawHit
from .spelling import suggest
from .termcodes import term_code

log = logging.getLogger(__name__)


def _whole_number(value: object, low: int, high: int, message: str, code: str) -> int:
    """value as an int in low..high (a string of digits is accepted), or BadQuery."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise BadQuery(message, code=code) from None
    if not low <= value <= high:
        raise BadQuery(message, code=code)
    return value


def check_k(k: object) -> int:
    """k as an int in 1..k_max, or BadQuery."""
    k_max = settings.get("k_max")
    return _whole_number(k, 1, k_max, f"k must be a whole number from 1 to {k_max}", "bad_k")


def check_page(page: object, k: int) -> int:
    """page as an int from 1 while page * k stays within max_results, or BadQuery."""
    last = max(1, settings.get("max_results") // k)
    return _whole_number(page, 1, last, f"page must be a whole number from 1 to {last} when k is {k}",
                         "bad_page")


def _candidate(raw: RawHit) -> Candidate:
    return Candidate(raw.score, raw.passage)


def _found_terms(q: Question, ranked: Ranked) -> list[str]:
    """The question's weighted terms that the ranked candidate holds (where the re-ranker found them)."""
    held = set(ranked.candidate.passage.codes[ranked.matched].tolist())
    return [t for t in q.weights if term_code(t) in held]


def _escaped(passage: Passage) -> Escaped:
    """The passage's text escaped, once: kept with the passage for the next question that finds it."""
    found = passage.memo.get("html")
    if found is None:
        found = passage.memo["html"] = Escaped(passage.text)
    return found


def _hit(rank: int, ranked: Ranked, q: Question) -> Hit:
    passage, best = ranked.candidate.passage, ranked.best
    f, text = passage.fields, passage.text
    s, e = passage.sentences[best] if best >= 0 else (0, len(text))
    if passage.starts is None:
        marks = matched_spans(text, q.term_set)
    else:
        marks = spans_at(text, passage.starts[ranked.matched].tolist())
    return Hit(
        rank=rank,
        score=round(ranked.score, 4),
        text=text,
        answer=Answer(text=text[s:e], start=f["start"] + s, end=f["start"] + e),
        highlight=_escaped(passage).marked(marks),
        citation=Citation(doc_id=f["doc_id"], title=f["title"], source=f["source"], url=f.get("url"),
                          date=f.get("date") or None, start=f["start"], end=f["end"]),
        marks=tuple(marks),
    )


class Engine:
    """Answers questions from the index in one folder."""

    def __init__(self, index_dir: Path | str | None = None):
        self.index = IndexHandle(index_dir if index_dir is not None else settings.default_index())
        self._warned = False

    def ask(self, question: object, k: object = None, *, page: object = 1, doc=None,
            date_from: object = None, date_to: object = None) -> SearchResponse:
        """Ranked passages for a question: page `page` of `k`, within the documents the filters allow."""
        started = time.perf_counter()
        k = check_k(settings.get("k_default") if k is None else k)
        page = check_page(1 if page is None else page, k)
        chosen = self._check_filters(doc, date_from, date_to)
        query = plan(question)
        # One state of the index for the whole question; also reports a missing index for a
        # question of stop words.
        searcher = self.index.searcher()
        hits: list[Hit] = []
        answered = has_more = False
        if query.terms:
            offset = (page - 1) * k
            # The re-ranker orders the first stage's candidates in fixed blocks, each after the
            # one before, so that every page continues one ranking: a pool as deep as the page
            # would re-order passages an earlier page already showed. One more passage than the
            # page needs tells whether a next page exists.
            block = settings.get("rerank_depth")
            depth = -(-(offset + k + 1) // block) * block
            raw = self.index.search(query.weighted_terms(), limit=depth, filter=doc_filters.to_whoosh(chosen),
                                    searcher=searcher)
            q = read_question(query.question, {t: searcher.idf("text", t) for t in query.terms},
                              self._question_vector(query.question))
            cands = [_candidate(r) for r in raw]
            ranked = [hit for start in range(0, len(cands), block) for hit in rerank(q, cands[start:start + block])]
            answered = bool(ranked) and answers_well(q.weights, _found_terms(q, ranked[0]))
            has_more = len(ranked) > offset + k and (page + 1) * k <= settings.get("max_results")
            hits = [_hit(rank, r, q) for rank, r in enumerate(ranked[offset:offset + k], offset + 1)]
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query=query.question, took_ms=round(took, 2), results=tuple(hits), page=page,
                              k=k, has_more=has_more, answered=answered,
                              suggestion=None if answered else suggest(query.question, searcher.reader()), filters=chosen)

    def _question_vector(self, question: str):
        """The question's sentence-model vector when the live index stores passage vectors, else None.

        An index with vectors asked where the model is missing is still answered, by the words
        alone; the first such question logs why.
        """
        found = self.index.manifest
        if found is None or found.semantic != semantic.MODEL_ID:
            return None
        try:
            return semantic.shared().encode([question])[0]
        except semantic.Unavailable as exc:
            if not self._warned:
                self._warned = True
                log.warning("the index stores sentence-model vectors but %s: ranking by words alone", exc)
            return None

    def warm(self) -> None:
        """Compile the query path's loops (search/kernels.py), open the live index, and load the
        sentence model when it stores vectors, so that the first question does not wait for
        them. Never raises: a problem shows at that question."""
        kernels.compile()
        try:
            self.index.searcher()
            self._question_vector("")
        except SearchError as exc:
            log.warning("not warmed up: %s", exc)

    def _check_filters(self, doc, date_from, date_to) -> Filters:
        chosen = doc_filters.check_filters(doc, date_from, date_to)
        for doc_id in chosen.doc:
            if self.document(doc_id) is None:
                raise BadQuery(f"there is no document with id {doc_id!r}", code="unknown_doc")
        return chosen

    def sources(self, limit: int = 1000) -> list[Source]:
        """Documents to filter by (without their text), by title; at most `limit`."""
        return self.index.sources(limit)

    def document(self, doc_id: str) -> Document | None:
        return self.index.document(doc_id)

    def health(self) -> dict:
        stats = self.index.stats()
        return {"status": "ok", **stats}

    def close(self) -> None:
        self.index.close()
