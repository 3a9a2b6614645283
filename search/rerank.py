"""Second-stage ranking: re-order the first-stage candidates with question-aware evidence.

Every feature is a pure function of the question and a candidate (plus, for the document
features, the other candidates). The weights are data, fitted on a SQuAD development split
with `benchmarks/tune_rerank.py`; the README's Quality section records what each one bought.
"""
from __future__ import annotations

from itertools import accumulate
from math import fsum
from operator import attrgetter
from typing import NamedTuple, Sequence

import numpy as np

from . import termcodes
from .passages import Passage
from .questions import MARKS_OF, Question, kind_marks, offers
from .scan import all_tokens
from .semantic import similarities

WINDOW = 12  # terms in the proximity window
TABLE_TERMS = 12  # questions of at most this many terms weigh their term sets through a table


class Candidate:
    """A first-stage hit: its score and its passage, whose attributes (doc_id, text, sentences,
    codes, lengths, word_codes, fields, starts) it shows as its own."""

    __slots__ = ("score", "passage")

    def __init__(self, score: float, passage: Passage):
        self.score, self.passage = score, passage

    def __repr__(self) -> str:
        return f"Candidate(score={self.score!r}, doc_id={self.passage.doc_id!r})"


for _name in Passage.__dataclass_fields__:
    setattr(Candidate, _name, property(attrgetter(f"passage.{_name}")))
del _name


# Kept because the tuning run credited them; tried and dropped at weight 0: title coverage,
# the document's share of the top 20, the longest chained run of question bigrams, and
# idf-weighted exact word matches (see the closing notes of the quality work).
WEIGHTS = {
    "bm25": 0.75,  # first-stage BM25F score, relative to the best candidate's
    "coverage": 2.0,  # idf-weighted share of the question's terms in the passage
    "sentence": 1.0,  # the same, in the passage's best sentence
    "two_sentences": 0.3,  # the same, in its best pair of adjacent sentences
    "proximity": 1.5,  # the same, in the best window of WINDOW terms
    "bigrams": 0.75,  # share of the question's adjacent term pairs found adjacent
    "exact": 1.0,  # share of the question's words found unstemmed
    "doc_best": 2.0,  # best first-stage score in the passage's document, relative
    "kind": 0.5,  # best sentence offers the kind of answer asked for (number, date, name)
    "density": 0.1,  # best sentence coverage, discounted for long sentences
    "semantic": 2.0,  # cosine of question and passage (mean of its sentences) in the sentence model
    "semantic_sentence": 8.0,  # the same for its closest sentence (both 0 without vectors)
}
FEATURES = tuple(WEIGHTS)


def _weigh(q: Question, hits) -> float:
    # fsum: exact, so a set's order (which varies with the process's string hashing) cannot
    # change the last bit and break a tie differently in another process.
    return fsum(map(q.weights.__getitem__, hits)) / q.total


def best_sentence(q: Question, cand: Candidate) -> int:
    """Index of the sentence that best answers: among those within 0.2 of the best coverage of
    the question's weighted terms, the best by coverage, plus 0.1 if it offers the kind of answer
    asked, minus 0.2 if it is itself a question; the first on ties. -1 when the passage has no
    sentences."""
    return feature_columns(q, [cand])[1][0]


def _choose(q: Question, cand: Candidate, covers: list[float], near: list[int]) -> tuple[int, bool]:
    """best_sentence() and whether that sentence (the whole text when there is none) offers the
    kind asked, from each sentence's coverage and `near`: the sentences whose coverage is within
    0.2 of the best one's. Only those compete on the bonuses below."""
    if not cand.sentences:
        return -1, _offers(q, cand, -1)
    best = max(near, key=lambda i: (covers[i] + 0.1 * _offers(q, cand, i) - 0.2 * _asks(cand, i), -i))
    return best, _offers(q, cand, best)


def _offers(q: Question, cand: Candidate, i: int) -> bool:
    """offers_kind() of the passage's sentence i (-1: its whole text); the sentence's marks of
    the kind are worked out once and kept with the passage."""
    if q.kind not in MARKS_OF:
        return False
    memo, key = cand.passage.memo, (MARKS_OF[q.kind], i)
    marks = memo.get(key)
    if marks is None:
        s, e = cand.sentences[i] if i >= 0 else (0, len(cand.text))
        marks = memo[key] = kind_marks(q.kind, cand.text[s:e])
    return offers(q.kind, marks, q.words)


def _asks(cand: Candidate, i: int) -> bool:
    """Whether the passage's sentence i is itself a question; kept with the passage."""
    memo, key = cand.passage.memo, ("?", i)
    found = memo.get(key)
    if found is None:
        s, e = cand.sentences[i]
        found = memo[key] = cand.text[s:e].rstrip().endswith("?")
    return found


def _exact(q: Question, cands: Sequence[Candidate]) -> list[float]:
    """Share of the question's words found unstemmed, whole, in each candidate's text."""
    if not q.words:
        return [0.0] * len(cands)
    if not all_tokens(q.words):  # a word that is no one token is not among the whole words stored
        return [len(q.words & set(q.word_pattern.findall(c.text.lower()))) / len(q.words) for c in cands]
    codes = np.concatenate([c.word_codes for c in cands])
    owner = np.repeat(np.arange(len(cands)), [len(c.word_codes) for c in cands])
    found = termcodes.among(codes, q.word_codes)[0]  # each candidate's codes are distinct
    return (np.bincount(owner[found], minlength=len(cands)) / len(q.words)).tolist()


def feature_rows(q: Question, cands: Sequence[Candidate]) -> list[tuple[tuple[float, ...], int]]:
    """For each candidate, one value per name in FEATURES, in that order, and its best sentence's index."""
    columns, best = feature_columns(q, cands)
    return list(zip(zip(*columns), best))


def feature_columns(q: Question, cands: Sequence[Candidate]) -> tuple[list[list[float]], list[int]]:
    """For each name in FEATURES, in that order, its value for each candidate; and each candidate's
    best sentence."""
    columns, best, _ = _features(q, cands)
    return columns, best


def _features(q: Question, cands: Sequence[Candidate]) -> tuple[list[list[float]], list[int], list[list[int]]]:
    """feature_columns(), and where each candidate holds the question's weighted terms (_Terms.matched()).

    The term features of all candidates are worked out together, with numpy: each position of
    a candidate's terms holds the bit of the question term there (0 for any other term), a set
    of question terms is the OR of their bits, and each distinct set is weighed once.
    """
    if not cands:
        return [[] for _ in FEATURES], [], []
    scores = [c.score for c in cands]
    doc_ids = [c.passage.doc_id for c in cands]
    top = max(scores) or 1.0
    doc_best: dict[str, float] = {}
    for doc_id, score in zip(doc_ids, scores):
        doc_best[doc_id] = max(doc_best.get(doc_id, 0.0), score)
    terms = _Terms(q, cands)
    sentence, two, density, coverage, proximity, chosen = terms.values()
    if q.vector is None:
        meaning = [(0.0, 0.0)] * len(cands)
    else:
        meaning = [similarities(q.vector, c.passage.fields.get("vec")) for c in cands]
    values = {
        "bm25": [score / top for score in scores],
        "coverage": coverage,
        "sentence": sentence,
        "two_sentences": two,
        "proximity": proximity,
        "bigrams": terms.bigram_shares(),
        "exact": _exact(q, cands),
        "doc_best": [doc_best[doc_id] / top for doc_id in doc_ids],
        "kind": [float(offered) for _, offered in chosen],
        "density": density,
        "semantic": [m[0] for m in meaning],
        "semantic_sentence": [m[1] for m in meaning],
    }
    return [values[name] for name in FEATURES], [best for best, _ in chosen], terms.matched()


class _Terms:
    """Where the question's weighted terms stand in every candidate's sentences, as numpy arrays.

    The candidates' term codes are chained; a "hit" is a position that holds a weighted term.
    """

    def __init__(self, q: Question, cands: Sequence[Candidate]):
        self.q, self.cands, self.n = q, cands, len(cands)
        passages = [c.passage for c in cands]
        counts = [len(p.lengths) for p in passages]
        lengths = np.concatenate([p.lengths for p in passages])
        self.lengths = lengths.astype(np.float64)
        self.owner = np.repeat(np.arange(self.n), counts)  # each sentence's candidate
        self.first = [0, *accumulate(counts)]  # each candidate's first sentence
        codes = [p.codes for p in passages]
        self.codes = np.concatenate(codes)
        # One look-up for both the weighted terms and the bigrams' terms.
        known, bits, places = q.code_lookup
        found, at = termcodes.among(self.codes, known)
        at_bits = np.where(found, bits[at], 0)  # the bit of the weighted term at each position, else 0
        self.where = np.flatnonzero(at_bits)  # the hits' positions
        self.bits = at_bits[self.where]
        self.places = np.where(found, places[at], -1)  # where each position's term is among q.bigram_keys[0], else -1
        self.sentence = np.searchsorted(np.cumsum(lengths), self.where, side="right")  # each hit's sentence
        self.cand = self.owner[self.sentence]  # each hit's candidate
        sizes = [len(c) for c in codes]
        self.position_owner = np.repeat(np.arange(self.n), sizes)
        self.code_first = np.array([0, *accumulate(sizes)])  # each candidate's first position

    def _weigh(self, *sets: np.ndarray) -> list[np.ndarray]:
        """Each array of term sets as the weights of its sets, every distinct set weighed once."""
        every = np.concatenate(sets)
        terms = len(self.q.weights)
        if terms <= TABLE_TERMS:  # a table of every set of the question's terms, filled where used
            used = np.zeros(1 << terms, dtype=bool)
            used[every] = True
            distinct = np.flatnonzero(used)
            table = np.zeros(1 << terms)
            table[distinct] = [self.q.weigh_bits(b) for b in distinct.tolist()]
            weights = table[every]
        else:
            distinct, inverse = np.unique(every, return_inverse=True)
            weights = np.array([self.q.weigh_bits(b) for b in distinct.tolist()], dtype=np.float64)[inverse]
        return np.split(weights, np.cumsum([len(s) for s in sets[:-1]]))

    def _best(self, owner: np.ndarray, values: np.ndarray) -> list[float]:
        """The largest value of each candidate (0 with none): every value is 0 or more."""
        out = np.zeros(self.n)
        np.maximum.at(out, owner, values)
        return out.tolist()

    def values(self) -> tuple[list, ...]:
        """Per candidate: best sentence, best adjacent pair, density, whole passage, best window,
        and _choose() of it."""
        masks = np.zeros(len(self.lengths), dtype=np.int64)
        np.bitwise_or.at(masks, self.sentence, self.bits)
        union = np.zeros(self.n, dtype=np.int64)
        np.bitwise_or.at(union, self.cand, self.bits)
        same = self.owner[1:] == self.owner[:-1]
        pairs = (masks[1:] | masks[:-1])[same]
        covers, pair_weights, coverage, windows = self._weigh(masks, pairs, union, self._windows())
        best = self._best(self.owner, covers)
        density = covers * np.minimum(1.0, 8 / np.maximum(self.lengths, 1))
        return (best, self._best(self.owner[1:][same], pair_weights), self._best(self.owner, density),
                coverage.tolist(), self._best(self.cand, windows), self._choices(covers, best))

    def _windows(self) -> np.ndarray:
        """For each hit, the terms of the hits within the WINDOW terms that end at it."""
        where, cand, bits = self.where, self.cand, self.bits
        windows = bits.copy()
        # Hits stand at distinct positions, so those within WINDOW terms are at most WINDOW - 1 back.
        for back in range(1, min(WINDOW, len(where))):
            near = (where[back:] - where[:-back] < WINDOW) & (cand[back:] == cand[:-back])
            if not near.any():
                break
            windows[back:] |= np.where(near, bits[:-back], 0)
        return windows

    def _choices(self, covers: np.ndarray, best: list[float]) -> list[tuple[int, bool]]:
        """_choose() of each candidate, from its sentences' coverages and the best of them."""
        q, first = self.q, self.first
        # The sentences within 0.2 of their passage's best, as numbers within their passage.
        at = np.flatnonzero(covers >= np.array(best)[self.owner] - 0.2)
        near = (at - np.array(first[:-1])[self.owner[at]]).tolist()
        near_first = np.searchsorted(at, first).tolist()
        covers = covers.tolist()
        out = []
        for n, cand in enumerate(self.cands):
            a, b = near_first[n], near_first[n + 1]
            if b == a + 1:  # the one near-best sentence, whatever its bonuses
                out.append((near[a], _offers(q, cand, near[a])))
            else:
                out.append(_choose(q, cand, covers[first[n]:first[n + 1]], near[a:b]))
        return out

    def matched(self) -> list[list[int]]:
        """Per candidate, the positions among its codes that hold a weighted term."""
        local = (self.where - self.code_first[self.cand]).tolist()
        bounds = np.searchsorted(self.cand, np.arange(self.n + 1)).tolist()  # hits go candidate by candidate
        return [local[a:b] for a, b in zip(bounds, bounds[1:])]

    def bigram_shares(self) -> list[float]:
        """Per candidate, the share of the question's bigrams (pairs of adjacent terms, weighted
        or not) found adjacent among its terms."""
        q, owner = self.q, self.position_owner
        if not q.bigrams:
            return [0.0] * self.n
        codes, keys = q.bigram_keys
        at = self.places
        found = at >= 0
        pairs = found[1:] & found[:-1] & (owner[1:] == owner[:-1])
        pair_keys = at[:-1][pairs] * len(codes) + at[1:][pairs]
        wanted = termcodes.among(pair_keys, keys)[0]
        # One count per distinct bigram a candidate holds.
        span = len(codes) ** 2  # more than any pair's key
        held = np.unique(owner[:-1][pairs][wanted] * span + pair_keys[wanted]) // span
        return (np.bincount(held, minlength=self.n) / len(q.bigrams)).tolist()


class Ranked(NamedTuple):
    """A re-ranked candidate."""

    score: float  # the weighted sum of its features
    candidate: Candidate
    best: int  # its best sentence, best_sentence()
    matched: list[int]  # the positions among its codes that hold a weighted term of the question


def rerank(q: Question, cands: list[Candidate], weights: dict | None = None) -> list[Ranked]:
    """The candidates re-ranked, best first; ties keep first-stage order."""
    weights = weights or WEIGHTS
    columns, best, matched = _features(q, cands)
    # Summed feature by feature in FEATURES order, from 0, as sum() of each row's products would be.
    scores = np.zeros(len(cands))
    for name, column in zip(FEATURES, columns):
        scores += weights[name] * np.array(column, dtype=np.float64)
    scores = scores.tolist()
    order = sorted(range(len(cands)), key=lambda i: (-scores[i], i))
    return [Ranked(scores[i], cands[i], best[i], matched[i]) for i in order]
