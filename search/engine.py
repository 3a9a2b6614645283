"""The one entry point the CLI, the web page and the JSON API share: Engine.ask()."""
from __future__ import annotations

import time
from pathlib import Path

from . import settings
from .answers import best_sentence, highlight, matched_spans
from .errors import BadQuery
from .models import Citation, Hit, SearchResponse
from .query import plan
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


def _hit(rank: int, raw: RawHit, weights: dict[str, float]) -> Hit:
    f = raw.fields
    marks = matched_spans(f["text"], frozenset(weights))
    return Hit(
        rank=rank,
        score=round(float(raw.score), 4),
        text=f["text"],
        answer=best_sentence(f["text"], f["start"], weights),
        highlight=highlight(f["text"], marks),
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
        hits: list[Hit] = []
        if query.terms:
            raw = self.index.search(query.to_whoosh(), limit=k)
            searcher = self.index.searcher()
            weights = {t: searcher.idf("text", t) for t in query.terms}
            hits = [_hit(rank, r, weights) for rank, r in enumerate(raw, 1)]
        else:
            self.index.searcher()  # still report a missing index rather than an empty answer
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query=query.question, took_ms=round(took, 2), results=tuple(hits))

    def health(self) -> dict:
        stats = self.index.stats()
        return {"status": "ok", **stats}

    def close(self) -> None:
        self.index.close()
