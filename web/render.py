"""Turn results into plain-text pieces the templates escape themselves: marks, answer, cited passage."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from search.models import Citation, Document, Hit


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


@dataclass(frozen=True)
class Cited:
    """A document's text cut around one cited passage and the answer sentence inside it."""

    before: str
    lead: str  # passage text before the answer sentence
    answer: str
    tail: str  # passage text after the answer sentence
    after: str


def cited(text: str, passage: tuple[int, int], answer: tuple[int, int] | None = None) -> Cited:
    """Cut text at the passage; an answer outside the passage is ignored."""
    start, end = passage
    a_start, a_end = answer if answer and start <= answer[0] <= answer[1] <= end else (end, end)
    return Cited(text[:start], text[start:a_start], text[a_start:a_end], text[a_end:end], text[end:])


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a document's URL is never a script link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def publisher(citation: Citation | Document) -> str:
    """Who published the cited document: the URL's site when known, else the corpus source."""
    url = safe_url(citation.url)
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.") or citation.source
