"""Turn a hit into plain-text pieces the template escapes itself: marked words, answer sentence."""
from __future__ import annotations

from dataclasses import dataclass

from search.models import Hit


@dataclass(frozen=True)
class Segment:
    text: str
    mark: bool
    answer: bool


def segments(hit: Hit) -> list[Segment]:
    """Pieces of hit.text, split wherever a mark or the answer sentence starts or ends."""
    a_start = hit.answer.start - hit.citation.start
    a_end = hit.answer.end - hit.citation.start
    cuts = {0, len(hit.text), a_start, a_end}
    for start, end in hit.marks:
        cuts.update((start, end))
    bounds = sorted(c for c in cuts if 0 <= c <= len(hit.text))
    marks = set()
    for start, end in hit.marks:
        marks.update(b for b in bounds if start <= b < end)
    return [
        Segment(hit.text[s:e], s in marks, a_start <= s < a_end)
        for s, e in zip(bounds, bounds[1:]) if s < e
    ]
