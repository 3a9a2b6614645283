"""Sentence boundaries as character spans, with NLTK's untrained Punkt and our abbreviation list."""
from __future__ import annotations

import re
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktToken

from .wordlists import load_words

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# A line break ends a sentence when the next line starts like a new one (not lowercase):
# headings, list items and forum lines have no final punctuation.
_LINE_BREAK = re.compile(r"\n(?=[ \t]*[^\s\w]*[A-Z0-9•\-*])")
# Punkt always breaks after "?" or "!", even inside a quote the sentence goes on from: “Why?” she asked.
_QUOTED_STOP = re.compile(r"[?!][\"'”’]+$")


class UntrainedPunkt(PunktSentenceTokenizer):
    """Punkt with parameters that hold abbreviations only, deciding each possible break faster.

    For every "." "?" "!" followed by more text, Punkt asks text_contains_sentbreak() of the
    few words around it, and answers by building an annotated token object per word: most of
    the time Punkt spends. Without collocations, frequent sentence starters or orthographic
    context (nothing trained), its rules reduce to the checks below on the same word tokens, so
    the answer is the same (tests/test_sentences.py compares the two on many contexts). The
    checks read a few of NLTK's internals: should a later NLTK rename them or decide otherwise
    on the probes below, NLTK's own method is used instead.
    """

    PROBES = ("Dr. Smith", "J. Bach", "In 1990. The", "9. the", "end. The", "end? Yes", "U.S. Army",
              "e.g. the", "ex-Gov. Brown", "Wait... Then", "(1999). Then", 'said." He', "a.m. to")

    def __init__(self, abbreviations: frozenset[str]):
        params = PunktParameters()
        params.abbrev_types = set(abbreviations)
        super().__init__(params)
        self._tokenize = self._lang_vars.word_tokenize
        nltk = super().text_contains_sentbreak
        try:
            self._fast = all(self._decide(probe) == nltk(probe) for probe in self.PROBES)
        except Exception:  # a capability probe: whatever fails, NLTK's own method answers
            self._fast = False

    def text_contains_sentbreak(self, text: str) -> bool:
        """Whether a word of text other than its last ends a sentence (as Punkt decides it)."""
        return self._decide(text) if self._fast else super().text_contains_sentbreak(text)

    def _decide(self, text: str) -> bool:
        tokens = [t for line in text.split("\n") if line.strip() for t in self._tokenize(line)]
        return any(map(self._ends_sentence, tokens, tokens[1:]))

    def _ends_sentence(self, token: str, following: str) -> bool:
        if token in self._lang_vars.sent_end_chars:
            return True
        if not token.endswith(".") or token.endswith(".."):
            return False  # not period-final, or an ellipsis: never a break untrained
        lowered = token.lower()
        word = lowered[:-1]
        abbreviations = self._params.abbrev_types
        if word in abbreviations or word.split("-")[-1] in abbreviations:
            return False  # untrained, nothing can turn an abbreviation back into a break
        initial = PunktToken._RE_INITIAL.match(token) is not None
        kind = PunktToken._RE_NUMERIC.sub("##number##", lowered)  # PunktToken.type
        if initial or (kind[:-1] if len(kind) > 1 and kind[-1] == "." else kind) == "##number##":
            # An initial or a number ends no sentence before punctuation or a lowercase word;
            # an initial ends none before a capital either ("J. Bach").
            if following in self.PUNCTUATION or following[0].islower():
                return False
            if initial and following[0].isupper():
                return False
        return True


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    return UntrainedPunkt(load_words("abbreviations.txt"))


def _pieces(text: str, start: int, end: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    """Split text[start:end] at pattern matches, keeping absolute offsets."""
    spans, cursor = [], start
    for match in pattern.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Blank-line separated paragraphs, whitespace trimmed."""
    spans = (_strip(text, s, e) for s, e in _pieces(text, 0, len(text), _PARAGRAPH_BREAK))
    return [s for s in spans if s]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as (start, end) offsets into text, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    lines = (line for para in _pieces(text, start, end, _PARAGRAPH_BREAK)
             for line in _pieces(text, *para, _LINE_BREAK))
    for line_start, line_end in lines:
        chunk = text[line_start:line_end]
        first = len(spans)
        for s, e in _punkt().span_tokenize(chunk):
            stripped = _strip(text, line_start + s, line_start + e)
            if not stripped:
                continue
            if len(spans) > first and text[stripped[0]].islower() and _QUOTED_STOP.search(text, *spans[-1]):
                spans[-1] = (spans[-1][0], stripped[1])
            else:
                spans.append(stripped)
    return spans
