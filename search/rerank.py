"""Second-stage ranking: re-order the first-stage candidates with question-aware evidence.

Every feature is a pure function of the question and a candidate (plus, for the document
features, the other candidates). The weights are data, fitted on a SQuAD development split
with `benchmarks/tune_rerank.py`; the README's Quality section records what each one bought.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from math import fsum
from typing import Sequence

from .questions import Question, offers_kind
from .scan import whole_words
from .semantic import similarities

WINDOW = 12  # terms in the proximity window


@dataclass(frozen=True)
class Candidate:
    """A first-stage hit with what the index stored for re-ranking."""

    score: float
    doc_id: str
    text: str
    sentences: Sequence[Sequence[int]]  # (start, end) spans relative to text
    sentence_terms: Sequence[Sequence[str]]  # analyzed terms of each sentence
    fields: dict  # everything stored, passed through to the result


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


def best_sentence(q: Question, cand: Candidate, covers: list[float] | None = None) -> int:
    """Index of the sentence that best answers: most weighted terms, then offering the asked
    kind of answer, and not itself a question. -1 when the passage has no sentences."""
    if covers is None:
        seq = list(chain.from_iterable(cand.sentence_terms))
        covers = [q.weigh_bits(m) for m in _sentence_masks(cand.sentence_terms, *_found(q, seq))]
    return _choose(q, cand, covers)[0]


def _choose(q: Question, cand: Candidate, covers: list[float]) -> tuple[int, bool]:
    """best_sentence() and whether that sentence (the whole text when there is none) offers the kind asked."""
    if not cand.sentences:
        return -1, offers_kind(q.kind, cand.text, q.words)
    floor = max(covers) - 0.2  # only near-best sentences can win on the bonuses below
    offers: dict[int, bool] = {}

    def merit(i: int) -> tuple[float, int]:
        s, e = cand.sentences[i]
        text = cand.text[s:e]
        offers[i] = offers_kind(q.kind, text, q.words)
        return (covers[i] + 0.1 * offers[i] - 0.2 * text.rstrip().endswith("?"), -i)
    # A sentence below the floor cannot win: the best-covered one's merit is at least the floor.
    best = max((i for i, cover in enumerate(covers) if cover >= floor), key=merit)
    return best, offers[best]


def _bigrams(q: Question, seq: list[str]) -> float:
    """Share of the question's adjacent term pairs found adjacent in seq."""
    if not q.bigrams:
        return 0.0
    firsts = {a for a, _ in q.bigrams}
    pairs = set(compress(zip(seq, seq[1:]), map(firsts.__contains__, seq)))
    return len(q.bigrams & pairs) / len(q.bigrams)


def _exact(q: Question, text: str) -> float:
    """Share of the question's words found unstemmed, whole."""
    if not q.words:
        return 0.0
    lowered = text.lower()
    found = whole_words(q.words, lowered)
    if found is None:
        found = set(q.word_pattern.findall(lowered))
    return len(q.words & found) / len(q.words)


def _found(q: Question, seq: list[str]) -> tuple[list[int], list[int]]:
    """The positions in seq of the question's weighted terms, and each one's bit (Question.term_bits)."""
    codes = list(map(q.term_bits.get, seq, repeat(0)))
    where = list(compress(range(len(seq)), codes))
    return where, [codes[p] for p in where]


def _sentence_masks(sent_terms: Sequence[Sequence[str]], where: list[int], bits: list[int]) -> list[int]:
    """The bits of the question terms each sentence holds, from _found() of their chained terms."""
    masks = [0] * len(sent_terms)
    ends = list(accumulate(map(len, sent_terms)))
    n = 0
    for p, b in zip(where, bits):
        while p >= ends[n]:
            n += 1
        masks[n] |= b
    return masks


def _proximity(q: Question, seq: list[str]) -> float:
    """Best weighted coverage of any window of WINDOW consecutive passage terms."""
    return _best_window(q, *_found(q, seq))


def _best_window(q: Question, where: list[int], bits: list[int]) -> float:
    """_proximity() from the positions of the question's terms and their bits."""
    best, start = 0, 0
    window, window_start = 0, -1
    for end in range(len(where)):
        while where[end] - where[start] >= WINDOW:
            start += 1
        if start == window_start and window & bits[end]:
            continue  # the last window's very set (a repeat adds nothing), so the same sum
        window, window_start = 0, start
        for b in bits[start:end + 1]:
            window |= b
        best = max(best, q.weigh_bits(window))
    return float(best)


def features(q: Question, cand: Candidate, top: float, doc_best: dict) -> tuple[tuple[float, ...], int]:
    """One value per name in FEATURES, in that order, and the best sentence's index."""
    sent_terms = cand.sentence_terms
    seq = list(chain.from_iterable(sent_terms))
    # Each question term is a bit; a set of them is an int, its weight memoised per question.
    where, bits = _found(q, seq)
    masks = _sentence_masks(sent_terms, where, bits)
    weigh = q.weigh_bits
    covers = [weigh(m) if m else 0.0 for m in masks]
    best, offers = _choose(q, cand, covers)
    meaning = similarities(q.vector, cand.fields.get("vec"))
    union = 0
    for m in masks:
        union |= m
    values = {
        "bm25": cand.score / top,
        "coverage": weigh(union),
        "sentence": max(covers, default=0.0),
        "two_sentences": max((weigh(a | b) for a, b in zip(masks, masks[1:]) if a or b), default=0.0),
        "proximity": _best_window(q, where, bits),
        "bigrams": _bigram_share(q, seq, where),
        "exact": _exact(q, cand.text),
        "doc_best": doc_best[cand.doc_id] / top,
        "kind": float(offers),
        "density": max((c * min(1.0, 8 / (len(st) or 1)) for c, st in zip(covers, sent_terms) if c), default=0.0),
        "semantic": meaning[0],
        "semantic_sentence": meaning[1],
    }
    return tuple(values[name] for name in FEATURES), best


def _bigram_share(q: Question, seq: list[str], where: list[int]) -> float:
    """_bigrams() from the positions of the question's terms (a pair's terms are question terms)."""
    if not q.bigrams:
        return 0.0
    if not q.bigrams_weighted:
        return _bigrams(q, seq)
    pairs = {(seq[a], seq[b]) for a, b in zip(where, where[1:]) if b == a + 1}
    return len(q.bigrams & pairs) / len(q.bigrams)


def feature_rows(q: Question, cands: list[Candidate]) -> list[tuple[tuple[float, ...], int]]:
    if not cands:
        return []
    top = max(c.score for c in cands) or 1.0
    doc_best: dict[str, float] = {}
    for c in cands:
        doc_best[c.doc_id] = max(doc_best.get(c.doc_id, 0.0), c.score)
    return [features(q, c, top, doc_best) for c in cands]


def rerank(q: Question, cands: list[Candidate], weights: dict | None = None) -> list[tuple[float, Candidate, int]]:
    """(final score, candidate, best sentence index), best first; ties keep first-stage order."""
    w = [(weights or WEIGHTS)[name] for name in FEATURES]
    rows = feature_rows(q, cands)
    scored = [(sum(a * b for a, b in zip(w, row)), i, best) for i, (row, best) in enumerate(rows)]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [(score, cands[i], best) for score, i, best in scored]
