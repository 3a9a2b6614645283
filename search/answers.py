"""Choose the answer sentence of a passage and mark its matched words. Pure functions.

Choosing (which sentence, which words) is kept apart from showing (templates, CLI).
"""
from __future__ import annotations

import re
from html import escape
from math import fsum
from typing import Mapping

from .analysis import STOP_WORDS, TOKEN_PATTERN, stem, words
from .models import Answer
from .scan import tokens_by_head
from .sentences import sentence_spans

_TOKEN = re.compile(TOKEN_PATTERN)


def _head(word: str) -> str:
    # Snowball keeps a word's first two letters, but for y -> i ("dying" -> "die").
    return word[:2].replace("y", "i")


def matched_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of text whose words analyze to one of the query terms."""
    heads = frozenset(_head(t) for t in terms)
    tokens = tokens_by_head(text, heads)
    if tokens is None:
        return matched_spans_plain(text, terms)
    found = ((m.group().lower(), m.start(), m.end()) for m in tokens)
    return [(s, e) for w, s, e in found if _head(w) in heads and w not in STOP_WORDS and stem(w) in terms]


def spans_at(text: str, starts: list[int]) -> list[tuple[int, int]]:
    """The spans of the tokens that start at `starts` (matched_spans() from where the matched
    terms start, which the index stores: passagework.term_fields)."""
    match = _TOKEN.match
    return [(s, match(text, s).end()) for s in starts]


def matched_spans_plain(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """matched_spans() by looking at every word: its reference, and its way for unusual terms."""
    heads = {_head(t) for t in terms}
    return [(s, e) for w, s, e in words(text)
            if _head(w) in heads and w not in STOP_WORDS and stem(w) in terms]


def best_sentence(text: str, offset: int, weights: Mapping[str, float]) -> Answer:
    """The sentence covering the most (weighted) distinct query terms; the first on ties.

    The plain picker, for passages that carry no stored sentences (the quality benchmark gives
    the peers' passages their answer sentence with it); the engine uses the re-ranker's
    `rerank.best_sentence`, which reads the sentences stored at index time.
    `offset` is where text starts in its document, so the answer's offsets are document offsets.
    """
    spans = sentence_spans(text) or [(0, len(text))]
    best, best_score = spans[0], -1.0
    for start, end in spans:
        found = {stem(w) for w, _, _ in words(text[start:end]) if w not in STOP_WORDS}
        score = fsum(weights.get(term, 0.0) for term in found)  # exact, whatever the set's order
        if score > best_score:
            best, best_score = (start, end), score
    start, end = best
    return Answer(text=text[start:end], start=offset + start, end=offset + end)


def highlight(text: str, marks: list[tuple[int, int]]) -> str:
    """HTML-escaped text with <mark> around each marked span; nothing else is markup."""
    out, cursor = [], 0
    for start, end in marks:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)
