"""Is the best passage a good answer? Honest enough to say "no good answer found"."""
from __future__ import annotations

from math import fsum
from typing import Iterable, Mapping

from . import settings


def coverage(weights: Mapping[str, float], found: Iterable[str]) -> float:
    """Share of the question's weighted (idf) terms that the passage contains, 0..1."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return fsum(weights.get(term, 0.0) for term in set(found)) / total  # exact: no set order shows


def answers_well(weights: Mapping[str, float], found: Iterable[str]) -> bool:
    """True when the passage covers at least `answer_min_coverage` of the question."""
    return coverage(weights, found) >= settings.get("answer_min_coverage")
