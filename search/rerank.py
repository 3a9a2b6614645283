"""Second-stage ranking: re-order the first-stage candidates with question-aware evidence.

Every feature is a pure function of the question and a candidate (plus, for the document
features, the other candidates). The weights are data, fitted on a SQuAD development split
with `benchmarks/tune_rerank.py`; the README's Quality section records what each one bought.
"""
from __future__ import annotations

from dataclasses import dataclass

from .analysis import words
from .questions import Question, offers_kind

WINDOW = 12  # terms in the proximity window


@dataclass(frozen=True)
class Candidate:
    """A first-stage hit with what the index stored for re-ranking."""

    score: float
    doc_id: str
    title: str
    text: str
    sentences: tuple[tuple[int, int], ...]  # spans relative to text
    sentence_terms: tuple[tuple[str, ...], ...]  # analyzed terms of each sentence
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
}
FEATURES = tuple(WEIGHTS)


def _cover(q: Question, found) -> float:
    return sum(q.weights.get(t, 0.0) for t in set(found)) / q.total


def best_sentence(q: Question, cand: Candidate) -> int:
    """Index of the sentence that best answers: most weighted terms, then offering the asked kind."""
    if not cand.sentences:
        return -1
    def merit(i: int) -> tuple[float, bool]:
        s, e = cand.sentences[i]
        text = cand.text[s:e]
        return (_cover(q, cand.sentence_terms[i]) + 0.1 * offers_kind(q.kind, text, q.words)
                - 0.2 * text.rstrip().endswith("?"), -i)
    return max(range(len(cand.sentences)), key=merit)


def _proximity(q: Question, seq: list[str]) -> float:
    """Best weighted coverage of any window of WINDOW consecutive passage terms."""
    best, counts, inside = 0.0, {}, 0.0
    for i, term in enumerate(seq):
        if term in q.weights:
            counts[term] = counts.get(term, 0) + 1
            if counts[term] == 1:
                inside += q.weights[term]
        if i >= WINDOW:
            old = seq[i - WINDOW]
            if old in q.weights:
                counts[old] -= 1
                if counts[old] == 0:
                    inside -= q.weights[old]
        best = max(best, inside)
    return best / q.total


def features(q: Question, cand: Candidate, top: float, doc_best: dict) -> tuple[float, ...]:
    """One value per name in FEATURES, in that order."""
    sent_terms = cand.sentence_terms
    seq = [t for sent in sent_terms for t in sent]
    surface = {w for w, _, _ in words(cand.text)}
    best = best_sentence(q, cand)
    s, e = cand.sentences[best] if best >= 0 else (0, len(cand.text))
    values = {
        "bm25": cand.score / top,
        "coverage": _cover(q, seq),
        "sentence": max((_cover(q, st) for st in sent_terms), default=0.0),
        "two_sentences": max((_cover(q, a + b) for a, b in zip(sent_terms, sent_terms[1:])), default=0.0),
        "proximity": _proximity(q, seq),
        "bigrams": len(q.bigrams & set(zip(seq, seq[1:]))) / len(q.bigrams) if q.bigrams else 0.0,
        "exact": len(q.words & surface) / len(q.words) if q.words else 0.0,
        "doc_best": doc_best[cand.doc_id] / top,
        "kind": float(offers_kind(q.kind, cand.text[s:e], q.words)),
        "density": max((_cover(q, st) * min(1.0, 8 / (len(st) or 1)) for st in sent_terms), default=0.0),
    }
    return tuple(values[name] for name in FEATURES)


def feature_rows(q: Question, cands: list[Candidate]) -> list[tuple[float, ...]]:
    if not cands:
        return []
    top = max(c.score for c in cands) or 1.0
    doc_best: dict[str, float] = {}
    for c in cands:
        doc_best[c.doc_id] = max(doc_best.get(c.doc_id, 0.0), c.score)
    return [features(q, c, top, doc_best) for c in cands]


def rerank(q: Question, cands: list[Candidate], weights: dict | None = None) -> list[tuple[float, Candidate]]:
    """Candidates with their final scores, best first (ties keep first-stage order)."""
    w = [(weights or WEIGHTS)[name] for name in FEATURES]
    rows = feature_rows(q, cands)
    scored = [(sum(a * b for a, b in zip(w, row)), i) for i, row in enumerate(rows)]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [(score, cands[i]) for score, i in scored]
