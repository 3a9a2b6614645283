"""Records that flow through the engine; each result's to_dict() is the JSON contract."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Document:
    """One article as loaded from the corpus."""

    doc_id: str
    title: str
    text: str
    source: str  # path relative to the corpus folder, or the record id for JSONL
    url: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD when known


@dataclass(frozen=True)
class Source:
    """A document as the source filter lists it: everything but its text."""

    doc_id: str
    title: str
    source: str
    url: str | None = None
    date: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Filters:
    """Restrictions on the documents searched; empty means the whole index."""

    doc: tuple[str, ...] = ()  # any of these document ids
    date_from: str | None = None  # ISO YYYY-MM-DD, inclusive
    date_to: str | None = None  # ISO YYYY-MM-DD, inclusive; undated documents never match a range

    def __bool__(self) -> bool:
        return bool(self.doc or self.date_from or self.date_to)

    def to_dict(self) -> dict:
        return {"doc": list(self.doc), "date_from": self.date_from, "date_to": self.date_to}


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences of one document; start/end index the document's text."""

    doc_id: str
    number: int  # position of the passage within its document, from 0
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()  # sentence spans, relative to the passage

    @property
    def passage_id(self) -> str:
        return f"{self.doc_id}#{self.number}"


# A result's records are named tuples: as immutable as frozen dataclasses, and quicker to make
# (ten hits a question, each with an answer and a citation).
class Answer(NamedTuple):
    """The sentence of a passage that best answers the question (document offsets)."""

    text: str
    start: int
    end: int


class Citation(NamedTuple):
    doc_id: str
    title: str
    source: str
    url: str | None
    date: str | None
    start: int
    end: int


class Hit(NamedTuple):
    rank: int
    score: float
    text: str
    answer: Answer
    highlight: str  # HTML-escaped passage text with <mark> around matched words
    citation: Citation
    # Matched words as (start, end) offsets into `text`, for renderers that escape by
    # themselves (the HTML page); not part of the JSON contract.
    marks: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "score": self.score,
            "text": self.text,
            "answer": self.answer._asdict(),
            "highlight": self.highlight,
            "citation": self.citation._asdict(),
        }


@dataclass(frozen=True)
class SearchResponse:
    query: str
    took_ms: float
    results: tuple[Hit, ...] = field(default_factory=tuple)
    # Added for paging, filters and honesty; the three fields above are unchanged.
    page: int = 1  # results are ranks (page - 1) * k + 1 onwards
    k: int = 10
    has_more: bool = False  # a next page has results
    answered: bool = False  # the best passage holds most of the question (see search/confidence.py)
    suggestion: str | None = None  # the question with unknown words corrected ("did you mean")
    filters: Filters = field(default_factory=Filters)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "took_ms": self.took_ms,
            "results": [hit.to_dict() for hit in self.results],
            "page": self.page,
            "k": self.k,
            "has_more": self.has_more,
            "answered": self.answered,
            "suggestion": self.suggestion,
            "filters": self.filters.to_dict(),
        }
