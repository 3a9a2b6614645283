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
_LEVELS = WINDOW.bit_length()  # spans of 1, 2, 4 ... up to WINDOW hits
_FLOOR_LOG2 = np.array([0] + [n.bit_length() - 1 for n in range(1, WINDOW + 1)])


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
    asked, minus 0.2 if it is itself a question; the first on ties (_Terms._choices()). -1 when
    the passage has no sentences."""
    return feature_columns(q, [cand])[1][0]


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


def _asking(cand: Candidate) -> tuple[int, ...]:
    """The passage's sentences that are themselves questions (most passages have none); kept
    with the passage."""
    memo = cand.passage.memo
    found = memo.get("?")
    if found is None:
        text = cand.text
        found = memo["?"] = tuple(i for i, (s, e) in enumerate(cand.sentences) if text[s:e].rstrip().endswith("?"))
    return found


def _exact(q: Question, cands: Sequence[Candidate]) -> list[float]:
    """Share of the question's words found unstemmed, whole, in each candidate's text."""
    if not q.words:
        return [0.0] * len(cands)
    if not all_tokens(q.words):  # a word that is no one token is not among the whole words stored
        return [len(q.words & set(q.word_pattern.findall(c.text.lower()))) / len(q.words) for c in cands]
    arrays = [c.passage.word_codes for c in cands]
    found = np.flatnonzero(termcodes.among(np.concatenate(arrays), q.word_codes)[0])
    owner = np.searchsorted([*accumulate(map(len, arrays))], found, side="right")  # each one's candidate
    return (np.bincount(owner, minlength=len(cands)) / len(q.words)).tolist()  # each candidate's codes are distinct


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
        looked = np.flatnonzero(found)  # the positions of either
        at = at[looked]
        looked_bits, looked_places = bits[at], places[at]
        weighted = np.flatnonzero(looked_bits)
        self.where = looked[weighted]  # the hits' positions
        self.bits = looked_bits[weighted]  # the bit of the weighted term at each
        paired = np.flatnonzero(looked_places >= 0)
        self.paired = looked[paired]  # the positions of the bigrams' terms
        self.places = looked_places[paired]  # where each one's term is among q.bigram_keys[0]
        self.sentence = np.searchsorted(np.cumsum(lengths), self.where, side="right")  # each hit's sentence
        self.cand = self.owner[self.sentence]  # each hit's candidate
        self.code_first = np.array([0, *accumulate(map(len, codes))])  # each candidate's first position

    def _weigh(self, *sets: np.ndarray) -> list[np.ndarray]:
        """Each array of term sets as the weights of its sets, every distinct set weighed once."""
        every = np.concatenate(sets)
        terms = len(self.q.weights)
        if terms <= TABLE_TERMS:  # a table of every set of the question's terms, filled where used
            used = np.zeros(1 << terms, dtype=bool)
            used[every] = True
            distinct = np.flatnonzero(used)
            table = np.zeros(1 << terms)
            table[distinct] = self.q.weigh_sets(distinct)
            weights = table[every]
        else:
            distinct, inverse = np.unique(every, return_inverse=True)
            weights = self.q.weigh_sets(distinct)[inverse]
        ends = [*accumulate(map(len, sets))]
        return [weights[a:b] for a, b in zip([0, *ends], ends)]

    def _best(self, owner: np.ndarray, values: np.ndarray) -> list[float]:
        """The largest value of each candidate (0 with none): every value is 0 or more."""
        out = np.zeros(self.n)
        np.maximum.at(out, owner, values)
        return out.tolist()

    def values(self) -> tuple[list, ...]:
        """Per candidate: best sentence, best adjacent pair, density, whole passage, best window,
        and _choices() of it."""
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
        last = np.arange(len(bits))
        # Each window's first hit: at most WINDOW - 1 terms back, and of the candidate's own.
        first = np.maximum(np.searchsorted(where, where - (WINDOW - 1)), np.searchsorted(cand, cand))
        # spans[k, i]: the terms of hits i to i + 2**k - 1 (to the last hit, near the end). The
        # hits of a window are the two spans of the largest 2**k not above their number that
        # start and end it.
        spans = np.empty((_LEVELS, len(bits)), dtype=np.int64)
        spans[0] = bits
        for k in range(1, _LEVELS):
            step = 1 << (k - 1)
            spans[k] = spans[k - 1]
            spans[k, :-step] |= spans[k - 1, step:]
        k = _FLOOR_LOG2[last - first + 1]
        return spans[k, first] | spans[k, last - (1 << k) + 1]

    def _choices(self, covers: np.ndarray, best: list[float]) -> list[tuple[int, bool]]:
        """For each candidate, best_sentence() and whether that sentence (the whole text when there
        is none) offers the kind asked, from its sentences' coverages and the best of them. The
        sentences within 0.2 of their candidate's best compete on coverage, plus 0.1 if one
        offers the kind, minus 0.2 if it is itself a question; the first wins a tie."""
        q, cands, first = self.q, self.cands, self.first
        at = np.flatnonzero(covers >= np.array(best)[self.owner] - 0.2)  # the near-best sentences
        owner = self.owner[at]
        near = (at - np.array(first[:-1])[owner]).tolist()  # as numbers within their passage
        bounds = np.searchsorted(at, first)  # each candidate's run of them
        merit = covers[at]
        offered = [False] * len(near)
        if q.kind in MARKS_OF:
            offered = [_offers(q, cands[c], i) for c, i in zip(owner.tolist(), near)]
            merit = merit + 0.1 * np.array(offered, dtype=np.float64)
        # Whether a sentence asks matters only where it competes with another.
        rivals = np.flatnonzero(bounds[1:] - bounds[:-1] > 1).tolist()
        asking = [(n, found) for n in rivals if (found := _asking(cands[n]))]
        bounds = bounds.tolist()
        if asking:
            asks = np.zeros(len(near))
            for n, found in asking:
                asks[[j for j in range(bounds[n], bounds[n + 1]) if near[j] in found]] = 1.0
            merit = merit - 0.2 * asks
        order = np.lexsort((at, -merit, owner)).tolist()  # in each run, the best merit first
        return [(near[order[a]], offered[order[a]]) if a < b else (-1, _offers(q, cands[n], -1))
                for n, (a, b) in enumerate(zip(bounds, bounds[1:]))]

    def matched(self) -> list[list[int]]:
        """Per candidate, the positions among its codes that hold a weighted term."""
        local = (self.where - self.code_first[self.cand]).tolist()
        bounds = np.searchsorted(self.cand, np.arange(self.n + 1)).tolist()  # hits go candidate by candidate
        return [local[a:b] for a, b in zip(bounds, bounds[1:])]

    def bigram_shares(self) -> list[float]:
        """Per candidate, the share of the question's bigrams (pairs of adjacent terms, weighted
        or not) found adjacent among its terms."""
        q, where, at = self.q, self.paired, self.places
        if not q.bigrams:
            return [0.0] * self.n
        codes, keys = q.bigram_keys
        owner = np.searchsorted(self.code_first, where, side="right") - 1
        pairs = (where[1:] == where[:-1] + 1) & (owner[1:] == owner[:-1])  # adjacent, in one candidate
        pair_keys = at[:-1][pairs] * len(codes) + at[1:][pairs]
        wanted, which = termcodes.among(pair_keys, keys)
        # Which of the question's bigrams each candidate holds, each counted once.
        held = np.zeros((self.n, len(keys)), dtype=bool)
        held[owner[:-1][pairs][wanted], which[wanted]] = True
        return (held.sum(axis=1) / len(q.bigrams)).tolist()


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
    # Summed feature by feature in FEATURES order, as sum() of each row's products would be: numpy
    # adds the rows of a C-ordered array along its first axis one after another.
    products = np.array(columns, dtype=np.float64) * np.array([weights[name] for name in FEATURES])[:, None]
    scores = np.add.reduce(products, axis=0).tolist()
    order = sorted(range(len(cands)), key=lambda i: (-scores[i], i))
    return [Ranked(scores[i], cands[i], best[i], matched[i]) for i in order]
