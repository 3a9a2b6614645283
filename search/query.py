"""Turn a user's question into a safe Whoosh query, built programmatically (never parsed as syntax)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from whoosh.query import NullQuery, Or, Query, Term

from . import settings
from .analysis import STOP_WORDS, stem, words
from .errors import BadQuery

# Words that shape a question but say nothing about its topic (beyond the stop list).
QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how many much kind type sort "
    "does did do tell please describe explain".split()
)
FIELDS = ("text", "title")


@dataclass(frozen=True)
class QueryPlan:
    question: str  # the question as received, after cleaning
    terms: tuple[str, ...]  # analyzed terms, in question order, distinct, capped
    words: tuple[str, ...]  # the surface words they came from (lowercased)

    def weighted_terms(self) -> list[tuple[str, str, float]]:
        """(field, term, boost) for every term in every searched field: the first stage's query."""
        return [(field, term, 1.0) for term in self.terms for field in FIELDS]

    def to_whoosh(self) -> Query:
        """The same query for Whoosh's own searcher: the reference the numpy first stage matches."""
        if not self.terms:
            return NullQuery
        return Or([Term(field, term) for term in self.terms for field in FIELDS])


def clean(question: object) -> str:
    """The question as text: control characters become spaces, whitespace collapses."""
    if not isinstance(question, str):
        raise BadQuery("the question must be text", code="bad_query")
    if not question.isprintable():  # holds a control, format or unassigned character, or a space other than " "
        question = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in question)
    return " ".join(question.split())


def plan(question: object) -> QueryPlan:
    """Validate a question and reduce it to its content terms."""
    text = clean(question)
    if not text:
        raise BadQuery("the question is empty: type a few words", code="empty_query")
    limit = settings.get("max_query_chars")
    if len(text) > limit:
        raise BadQuery(f"the question is too long: {len(text):,} characters, at most {limit:,}",
                       code="query_too_long")
    max_terms, max_chars = settings.get("max_query_terms"), settings.get("max_token_chars")
    seen: dict[str, str] = {}
    for word, _, _ in words(text):
        if word in STOP_WORDS or word in QUESTION_WORDS or len(word) > max_chars:
            continue
        term = stem(word)
        if term not in seen:
            seen[term] = word
            if len(seen) == max_terms:
                break
    return QueryPlan(question=text, terms=tuple(seen), words=tuple(seen.values()))
