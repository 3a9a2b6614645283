"""Second-stage ranking: re-order the first-stage candidates with question-aware evidence.

Every feature is a pure function of the question and a candidate (plus, for the document
features, the other candidates). The weights are data, fitted on a SQuAD development split
with `benchmarks/tune_rerank.py`; the README's Quality section records what each one bought.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .analysis import terms, words
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


FEATURES = ("bm25", "coverage", "sentence", "proximity", "bigrams", "exact", "title", "doc_best",
            "doc_share", "kind", "density")
WEIGHTS = dict(zip(FEATURES, (0.75, 2.0, 0.75, 1.0, 0.2, 1.5, 0.2, 2.0, 0.0, 0.5, 0.0)))


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> frozenset[str]:
    return frozenset(terms(title))


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


def features(q: Question, cand: Candidate, top: float, doc_best: dict, doc_share: dict) -> tuple[float, ...]:
    seq = [t for sent in cand.sentence_terms for t in sent]
    found = set(seq)
    pairs = set(zip(seq, seq[1:]))
    surface = {w for w, _, _ in words(cand.text)}
    best = best_sentence(q, cand)
    s, e = cand.sentences[best] if best >= 0 else (0, len(cand.text))
    return (
        cand.score / top,
        _cover(q, found),
        max((_cover(q, st) for st in cand.sentence_terms), default=0.0),
        _proximity(q, seq),
        len(q.bigrams & pairs) / len(q.bigrams) if q.bigrams else 0.0,
        len(q.words & surface) / len(q.words) if q.words else 0.0,
        _cover(q, _title_terms(cand.title)),
        doc_best[cand.doc_id] / top,
        doc_share.get(cand.doc_id, 0) / 20,
        float(offers_kind(q.kind, cand.text[s:e], q.words)),
        max((_cover(q, st) * min(1.0, 8 / (len(st) or 1)) for st in cand.sentence_terms), default=0.0),
    )


def feature_rows(q: Question, cands: list[Candidate]) -> list[tuple[float, ...]]:
    if not cands:
        return []
    top = max(c.score for c in cands) or 1.0
    doc_best: dict[str, float] = {}
    for c in cands:
        doc_best[c.doc_id] = max(doc_best.get(c.doc_id, 0.0), c.score)
    doc_share: dict[str, int] = {}
    for c in sorted(cands, key=lambda c: -c.score)[:20]:
        doc_share[c.doc_id] = doc_share.get(c.doc_id, 0) + 1
    return [features(q, c, top, doc_best, doc_share) for c in cands]


def rerank(q: Question, cands: list[Candidate], weights: dict | None = None) -> list[tuple[float, Candidate]]:
    """Candidates with their final scores, best first (ties keep first-stage order)."""
    w = [(weights or WEIGHTS)[name] for name in FEATURES]
    rows = feature_rows(q, cands)
    scored = [(sum(a * b for a, b in zip(w, row)), i) for i, row in enumerate(rows)]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [(score, cands[i]) for score, i in scored]
