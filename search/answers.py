"""Choose the answer sentence of a passage and mark its matched words. Pure functions.

Choosing (which sentence, which words) is kept apart from showing (templates, CLI).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from html import escape
from itertools import accumulate
from math import fsum
from typing import Mapping

from .analysis import STOP_WORDS, TOKEN_PATTERN, stem, words
from .models import Answer
from .scan import tokens_by_head
from .sentences import sentence_spans

_TOKEN = re.compile(TOKEN_PATTERN)
_SPECIAL = re.compile(r"[&<>\"']")  # what html.escape() replaces


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


class Escaped:
    """A text HTML-escaped once, for marking any spans of it: escaping works character by
    character, so the escape of a span is the same slice of the escaped text."""

    __slots__ = ("html", "_specials", "_extra")

    def __init__(self, text: str):
        self.html = escape(text)
        # Where the characters that escaping lengthens stand, and how much longer the text is
        # before each of them (none when the text holds none).
        self._specials = [m.start() for m in _SPECIAL.finditer(text)] if len(self.html) != len(text) else []
        self._extra = [0, *accumulate(len(escape(text[i])) - 1 for i in self._specials)]

    def at(self, offset: int) -> int:
        """Where an offset of the text falls in the escaped text."""
        return offset + self._extra[bisect_left(self._specials, offset)] if self._specials else offset

    def marked(self, marks: list[tuple[int, int]]) -> str:
        """The escaped text with <mark> around each span of the text in marks (in order, apart)."""
        html, out, cursor = self.html, [], 0
        for start, end in marks:
            start, end = self.at(start), self.at(end)
            out += (html[cursor:start], "<mark>", html[start:end], "</mark>")
            cursor = end
        out.append(html[cursor:])
        return "".join(out)


def highlight(text: str, marks: list[tuple[int, int]]) -> str:
    """HTML-escaped text with <mark> around each marked span; nothing else is markup."""
    return Escaped(text).marked(marks)
