"""The one entry point the CLI, the web page and the JSON API share: Engine.ask()."""
from __future__ import annotations

import time
from pathlib import Path

from . import settings
from .answers import highlight, matched_spans
from .errors import BadQuery
from .models import Answer, Citation, Document, Hit, SearchResponse
from .query import plan
from .questions import Question, read_question
from .rerank import Candidate, best_sentence, rerank
from .searcher import IndexHandle, RawHit


def check_k(k: object) -> int:
    """k as an int in 1..k_max, or BadQuery."""
    k_max = settings.get("k_max")
    if isinstance(k, bool) or not isinstance(k, int):
        try:
            k = int(str(k).strip())
        except ValueError:
            raise BadQuery(f"k must be a whole number from 1 to {k_max}", code="bad_k") from None
    if not 1 <= k <= k_max:
        raise BadQuery(f"k must be a whole number from 1 to {k_max}", code="bad_k")
    return k


def _candidate(raw: RawHit) -> Candidate:
    f = raw.fields
    return Candidate(score=float(raw.score), doc_id=f["doc_id"], title=f["title"], text=f["text"],
                     sentences=tuple(tuple(s) for s in f["sents"]),
                     sentence_terms=tuple(tuple(t.split()) for t in f["sterms"]), fields=f)


def _hit(rank: int, score: float, cand: Candidate, q: Question) -> Hit:
    f = cand.fields
    i = best_sentence(q, cand)
    s, e = cand.sentences[i] if i >= 0 else (0, len(cand.text))
    marks = matched_spans(cand.text, frozenset(q.weights))
    return Hit(
        rank=rank,
        score=round(score, 4),
        text=cand.text,
        answer=Answer(text=cand.text[s:e], start=f["start"] + s, end=f["start"] + e),
        highlight=highlight(cand.text, marks),
        citation=Citation(doc_id=f["doc_id"], title=f["title"], source=f["source"], url=f.get("url"),
                          date=f.get("date") or None, start=f["start"], end=f["end"]),
        marks=tuple(marks),
    )


class Engine:
    """Answers questions from the index in one folder."""

    def __init__(self, index_dir: Path | str | None = None):
        self.index = IndexHandle(index_dir if index_dir is not None else settings.default_index())

    def ask(self, question: object, k: object = None) -> SearchResponse:
        started = time.perf_counter()
        k = check_k(settings.get("k_default") if k is None else k)
        query = plan(question)
        self.index.searcher()  # also reports a missing index for a question of stop words
        hits: list[Hit] = []
        if query.terms:
            raw = self.index.search(query.to_whoosh(), limit=max(k, settings.get("rerank_depth")))
            # Asked again: the searcher fetched above is closed when search() had to reopen.
            searcher = self.index.searcher()
            q = read_question(query.question, {t: searcher.idf("text", t) for t in query.terms})
            ranked = rerank(q, [_candidate(r) for r in raw])[:k]
            hits = [_hit(rank, score, cand, q) for rank, (score, cand) in enumerate(ranked, 1)]
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query=query.question, took_ms=round(took, 2), results=tuple(hits))

    def document(self, doc_id: str) -> Document | None:
        return self.index.document(doc_id)

    def health(self) -> dict:
        stats = self.index.stats()
        return {"status": "ok", **stats}

    def close(self) -> None:
        self.index.close()
