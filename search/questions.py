"""What a question asks for: its weighted terms, adjacent-term pairs, and the kind of answer."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from math import frexp, fsum, ldexp
from typing import Mapping

import numpy as np

from . import kernels
from .analysis import STOP_WORDS, stem, words
from .query import QUESTION_WORDS
from .scan import AFTER_WORD, BEFORE_WORD
from .termcodes import codes

_KINDS = (
    ("number", re.compile(r"\bhow (many|much|long|old|far|large|big|tall|high|often|fast)\b"
                          r"|\bwhat (percentage|percent|number|amount|size)\b")),
    ("date", re.compile(r"\b(when|what (year|date|day|month|century|decade|time)|which (year|century|decade))\b")),
    ("person", re.compile(r"\b(who|whom|whose)\b")),
    ("place", re.compile(r"\bwhere\b|\b(what|which) (city|country|state|place|region|town|continent)\b")),
)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(1\d{3}|20\d{2}|\d{1,2}(st|nd|rd|th) century|January|February|March|April|May|June|"
                   r"July|August|September|October|November|December|spring|summer|autumn|winter)\b"
                   r"|\b\d{1,4}s\b", re.IGNORECASE)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’-]+")


def answer_kind(question: str) -> str:
    """number, date, person, place, or other."""
    lowered = question.lower()
    return next((kind for kind, pattern in _KINDS if pattern.search(lowered)), "other")


# The kinds that kind_marks() finds marks for, each named by the marks it looks for (a person
# and a place are both names).
MARKS_OF = {"number": "number", "date": "date", "person": "name", "place": "name"}


def kind_marks(kind: str, sentence: str) -> tuple[str, ...]:
    """What in the sentence could answer a question of this kind, lowercased: its numbers, its
    names (capitalised words not opening it), or its first date; () for kind "other"."""
    if kind == "number":
        return tuple(m.group().lower() for m in _NUMBER.finditer(sentence))
    if kind == "date":
        found = _DATE.search(sentence)
        return (found.group().lower(),) if found else ()
    if kind in ("person", "place"):
        return tuple(m.group().lower() for m in _NAME.finditer(sentence))
    return ()


def offers(kind: str, marks: tuple[str, ...], question_words: frozenset[str]) -> bool:
    """Whether kind_marks() of a sentence offer an answer: any date, else a number or name the
    question does not itself hold."""
    if kind == "date":
        return bool(marks)
    return not question_words.issuperset(marks)


def offers_kind(kind: str, sentence: str, question_words: frozenset[str]) -> bool:
    """Does the sentence hold something of the kind asked for (a name not in the question, a year...)."""
    return offers(kind, kind_marks(kind, sentence), question_words)


@dataclass(frozen=True)
class Question:
    """The question as the re-ranker sees it."""

    text: str
    weights: Mapping[str, float]  # query term -> idf 
    bigrams: frozenset[tuple[str, str]]  # adjacent content terms of the question
    words: frozenset[str]  # lowercased content words, unstemmed
    kind: str
    word_source: str  # the source of word_pattern
    vector: object = field(default=None, compare=False)  # the sentence model's unit vector of the text (search/semantic.py), or None

    @cached_property
    def word_pattern(self) -> re.Pattern:
        """Finds the words, whole, in lowercased text; compiled when first needed (the re-ranker
        needs it only for unusual words, and compiling costs more than answering)."""
        return re.compile(self.word_source)

    @cached_property
    def term_set(self) -> frozenset[str]:
        return frozenset(self.weights)

    @cached_property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0

    @cached_property
    def term_bits(self) -> dict[str, int]:
        """A bit for each weighted term, so that a set of them is an int (for the re-ranker)."""
        return {term: 1 << n for n, term in enumerate(self.weights)}

    @cached_property
    def word_codes(self) -> np.ndarray:
        """The codes of the words."""
        return codes(list(self.words))

    @cached_property
    def _places(self) -> dict[str, int]:
        """A number for each term of the bigrams (in the order of the terms)."""
        return {t: n for n, t in enumerate(sorted({t for pair in self.bigrams for t in pair}))}

    @cached_property
    def bigram_keys(self) -> tuple[int, np.ndarray]:
        """How many terms the bigrams have, and each bigram as one number, sorted: the numbers
        (_places) of its two terms, i * (that many) + j."""
        place = self._places
        return len(place), np.array(sorted(place[a] * len(place) + place[b] for a, b in self.bigrams), dtype=np.int64)

    @cached_property
    def code_lookup(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The codes of the weighted terms and of the bigrams' terms together; for each, its
        term bit (0 for a term not weighted) and its number among the bigrams' terms (-1 for
        none)."""
        bits, place = self.term_bits, self._places
        terms = [*bits, *(t for t in place if t not in bits)]
        return (codes(terms), np.array([bits.get(t, 0) for t in terms], dtype=np.int64),
                np.array([place.get(t, -1) for t in terms], dtype=np.int64))

    @cached_property
    def _bit_weights(self) -> dict[int, float]:
        return {0: 0.0}

    @cached_property
    def _weights_and_bits(self) -> tuple[tuple[float, ...], tuple[int, ...]]:
        return tuple(self.weights.values()), tuple(self.term_bits.values())

    @cached_property
    def _fixed_point(self) -> tuple[np.ndarray, float] | None:
        """The weights as int64 multiples of one power of two, with that power: exact, as a
        float is an integer times a power of two. None when a sum of them could pass 2**62 (the
        weights span too many powers of two), when that power is below the normal floats (a
        sum would round twice) or a weight is not a finite number of at least 0."""
        weights = self._weights_and_bits[0]
        if not all(0 <= w < float("inf") for w in weights):
            return None
        powers = [frexp(w)[1] for w in weights if w]  # w < 2**power
        low = min(powers, default=53) - 53  # every weight is a whole multiple of 2**low
        if low < -1022 or max(powers, default=0) - low > 62:
            return None
        whole = [int(ldexp(w, -low)) for w in weights]
        if sum(whole) >= 1 << 62:
            return None
        return np.array(whole, dtype=np.int64), ldexp(1.0, low)

    def weigh_sets(self, sets: np.ndarray) -> np.ndarray:
        """weigh_bits() of each set of term bits (int64), the same to the last bit: an integer
        sum is exact, and turning it into a float rounds it once, as fsum() does."""
        fixed = self._fixed_point
        if fixed is None:
            return np.array([self.weigh_bits(b) for b in sets.tolist()], dtype=np.float64)
        whole, unit = fixed
        return kernels.weigh(sets, whole, unit, self.total)

    def weigh_bits(self, bits: int) -> float:
        """The weighted share of the terms whose bits are set: exactly rerank._weigh() of them
        (an exact sum, so neither the order of the terms nor the process can change it)."""
        found = self._bit_weights.get(bits)
        if found is None:
            weights, term_bits = self._weights_and_bits
            found = self._bit_weights[bits] = fsum(compress(weights, map(bits.__and__, term_bits))) / self.total
        return found


def read_question(text: str, weights: Mapping[str, float], vector=None) -> Question:
    content = [w for w, _, _ in words(text) if w not in STOP_WORDS and w not in QUESTION_WORDS]
    stems = [stem(w) for w in content]
    alternatives = "|".join(sorted(map(re.escape, set(content)), key=len, reverse=True)) or "(?!)"
    return Question(text=text, weights=dict(weights), bigrams=frozenset(zip(stems, stems[1:])),
                    words=frozenset(content), kind=answer_kind(text),
                    word_source=f"{BEFORE_WORD}(?:{alternatives}){AFTER_WORD}", vector=vector)
