"""Retrieval metrics of benchmarks/README.md as pure functions over ranked results.

A question's ranking is a list of `Ranked` items, best first. Answers are matched after
`normalize`, the normalization of the official SQuAD v1.1 evaluation script.
"""
from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


@dataclass(frozen=True)
class Ranked:
    """One retrieved passage as the metrics see it."""

    text: str
    doc_id: str
    answer_sentence: str | None = None  # None when the system picks no sentence
    source: str | None = None  # the citation's source, for "cited right"


@dataclass(frozen=True)
class PassageStats:
    count: int
    mean_words: float
    max_words: int


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p95_ms: float


def normalize(s: str) -> str:
    """Lowercase, drop punctuation, drop the articles a/an/the, collapse whitespace."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", s).split())


# Passages recur across questions; normalizing each once keeps a 5,000-question run quick.
_normalized = lru_cache(maxsize=50_000)(normalize)


def gold_forms(answers: Sequence[str]) -> tuple[str, ...]:
    """Normalized gold answers; an answer that normalizes to nothing would match every text."""
    return tuple(dict.fromkeys(a for a in map(normalize, answers) if a))


def contains_answer(text: str | None, gold: Sequence[str]) -> bool:
    """Whether normalized text contains one of the normalized gold answers (as a substring)."""
    if not text:
        return False
    norm = _normalized(text)
    return any(g in norm for g in gold)


def first_answer_rank(ranking: Sequence[Ranked], gold: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing an answer, or None."""
    return next((i for i, item in enumerate(ranking, 1) if contains_answer(item.text, gold)), None)


def recall_curve(first_ranks: Sequence[int | None], max_k: int) -> tuple[float, ...]:
    """Answer recall@k for k = 1..max_k, from each question's first answer rank."""
    n = len(first_ranks)
    if not n:
        return tuple(0.0 for _ in range(max_k))
    return tuple(sum(1 for r in first_ranks if r is not None and r <= k) / n for k in range(1, max_k + 1))


def mrr(first_ranks: Sequence[int | None], cutoff: int = 10) -> float:
    """Mean reciprocal rank of the first answer passage; 0 beyond the cutoff."""
    if not first_ranks:
        return 0.0
    return sum(1 / r for r in first_ranks if r is not None and r <= cutoff) / len(first_ranks)


def answer_sentence_at_1(rankings: Sequence[Sequence[Ranked]], golds: Sequence[Sequence[str]]) -> float | None:
    """Share of questions whose top passage's answer sentence contains an answer; None if no sentences."""
    tops = [r[0] if r else None for r in rankings]
    if not any(t is not None and t.answer_sentence is not None for t in tops):
        return None
    hits = sum(1 for t, g in zip(tops, golds) if t is not None and contains_answer(t.answer_sentence, g))
    return hits / len(tops)


def article_at_1(rankings: Sequence[Sequence[Ranked]], doc_ids: Sequence[str | None]) -> float | None:
    """Share of questions (those that name an article) whose top passage is from that article."""
    pairs = [(r, d) for r, d in zip(rankings, doc_ids) if d is not None]
    if not pairs:
        return None
    return sum(1 for r, d in pairs if r and r[0].doc_id == d) / len(pairs)


def source_stem(source: str | None) -> str | None:
    """A citation source by file stem ("sub/000_x.txt" -> "000_x"), as seed-qa.jsonl names them."""
    return PurePosixPath(source).stem if source else None


def cited_right_curve(rankings: Sequence[Sequence[Ranked]], golds: Sequence[Sequence[str]],
                      sources: Sequence[Sequence[str]], max_k: int) -> tuple[float, ...]:
    """Share answered at k by a passage whose citation names one of the question's sources, k = 1..max_k."""
    firsts = []
    for ranking, gold, allowed in zip(rankings, golds, sources):
        allowed = set(allowed)
        firsts.append(next((i for i, item in enumerate(ranking, 1)
                            if (item.source in allowed or source_stem(item.source) in allowed)
                            and contains_answer(item.text, gold)), None))
    return recall_curve(firsts, max_k)


def passage_stats(texts: Sequence[str]) -> PassageStats:
    """Words (whitespace-separated, as search/chunking.py counts them) per indexed passage."""
    counts = [len(t.split()) for t in texts]
    if not counts:
        return PassageStats(0, 0.0, 0)
    return PassageStats(len(counts), sum(counts) / len(counts), max(counts))


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency(seconds: Sequence[float]) -> Latency:
    """p50 and p95 of per-question timings, in milliseconds."""
    return Latency(percentile(seconds, 50) * 1000, percentile(seconds, 95) * 1000)
