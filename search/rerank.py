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

from . import kernels
from .passages import Passage
from .questions import MARKS_OF, Question, kind_marks, offers
from .scan import all_tokens
from .semantic import similarities


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
    "proximity": 1.5,  # the same, in the best window of kernels.WINDOW terms
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
    first = np.array([0, *accumulate(map(len, arrays))])
    counts = kernels.found_at(np.concatenate(arrays), first, q.word_codes)[2]  # each candidate's codes are distinct
    return (counts / len(q.words)).tolist()


def feature_rows(q: Question, cands: Sequence[Candidate]) -> list[tuple[tuple[float, ...], int]]:
    """For each candidate, one value per name in FEATURES, in that order, and its best sentence's index."""
    columns, best = feature_columns(q, cands)
    return list(zip(zip(*columns), best))


def feature_columns(q: Question, cands: Sequence[Candidate]) -> tuple[list[list[float]], list[int]]:
    """For each name in FEATURES, in that order, its value for each candidate; and each candidate's
    best sentence."""
    columns, best, _ = _features(q, cands)
    return columns, best


def _features(q: Question, cands: Sequence[Candidate]) -> tuple[list[list[float]], list[int], list[np.ndarray]]:
    """feature_columns(), and the positions among each candidate's codes that hold a weighted
    term of the question.

    The term features of all candidates are worked out together: each weighted term has a bit,
    a set of them is the OR of their bits (kernels.term_sets()), and Question.weigh_sets()
    weighs them all at once.
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
    sentence, two, density, coverage, proximity, chosen, matched = terms.values()
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
    return [values[name] for name in FEATURES], [best for best, _ in chosen], matched


class _Terms:
    """Where the question's weighted terms stand in every candidate's sentences: the candidates'
    term codes chained, and the question's looked up among them (search/kernels.py)."""

    def __init__(self, q: Question, cands: Sequence[Candidate]):
        self.q, self.cands, self.n = q, cands, len(cands)
        passages = [c.passage for c in cands]
        self.lengths = np.concatenate([p.lengths for p in passages])
        self.sent_first = np.array([0, *accumulate(len(p.lengths) for p in passages)])  # each one's first sentence
        codes = [p.codes for p in passages]
        self.code_first = np.array([0, *accumulate(map(len, codes))])  # each one's first position
        # One look-up for both the weighted terms and the bigrams' terms.
        self.found, self.index, _ = kernels.found_at(np.concatenate(codes), self.code_first, q.code_lookup[0])

    def values(self) -> tuple[list, ...]:
        """Per candidate: best sentence, best adjacent pair, density, whole passage, best window,
        _choices() of it, and matched()."""
        sets, local, hit_first = kernels.term_sets(self.found, self.index, self.q.code_lookup[1], self.lengths,
                                                   self.sent_first, self.code_first)
        values, near, near_weights, near_first = kernels.term_values(self.q.weigh_sets(sets), self.lengths,
                                                                     self.sent_first, hit_first)
        best, pair, density, coverage, window = values.tolist()
        hit_first = hit_first.tolist()
        matched = [local[a:b] for a, b in zip(hit_first, hit_first[1:])]
        return (best, pair, density, coverage, window,
                self._choices(near.tolist(), near_weights.tolist(), near_first.tolist()), matched)

    def _choices(self, near: list[int], weights: list[float], bounds: list[int]) -> list[tuple[int, bool]]:
        """For each candidate, best_sentence() and whether that sentence (the whole text when there
        is none) offers the kind asked, from its near-best sentences (kernels.term_values()). They
        compete on their weight, plus 0.1 if one offers the kind, minus 0.2 if it is itself a
        question; the first wins a tie."""
        q = self.q
        kind = q.kind in MARKS_OF
        out = []
        for cand, a, b in zip(self.cands, bounds, bounds[1:]):
            if b - a == 1:  # no rival
                out.append((near[a], kind and _offers(q, cand, near[a])))
                continue
            if a == b:
                out.append((-1, _offers(q, cand, -1)))
                continue
            asking = _asking(cand)
            chosen, merit, offered = -1, 0.0, False
            for i, weight in zip(near[a:b], weights[a:b]):
                offers_here = kind and _offers(q, cand, i)
                if offers_here:
                    weight += 0.1
                if i in asking:
                    weight -= 0.2
                if chosen < 0 or weight > merit:
                    chosen, merit, offered = i, weight, offers_here
            out.append((chosen, offered))
        return out

    def bigram_shares(self) -> list[float]:
        """Per candidate, the share of the question's bigrams (pairs of adjacent terms, weighted
        or not) found adjacent among its terms."""
        q = self.q
        if not q.bigrams:
            return [0.0] * self.n
        terms, keys = q.bigram_keys
        counts = kernels.bigram_counts(self.found, self.index, q.code_lookup[2], self.code_first, keys, terms)
        return (counts / len(q.bigrams)).tolist()


class Ranked(NamedTuple):
    """A re-ranked candidate."""

    score: float  # the weighted sum of its features
    candidate: Candidate
    best: int  # its best sentence, best_sentence()
    matched: np.ndarray  # the positions among its codes that hold a weighted term of the question


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
