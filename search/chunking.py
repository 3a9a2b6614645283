"""Split a document into passages of whole sentences, paragraph-aware, with document offsets.

Pure functions on text: the only inputs are the text and the two size settings.
"""
from __future__ import annotations

import math
import re

from .models import Document, Passage
from .sentences import paragraph_spans, sentence_spans

Span = tuple[int, int]
_WORD = re.compile(r"\S+")


def word_count(text: str) -> int:
    return len(text.split())


def check_sizes(target_words: int, max_words: int) -> None:
    """Reject sizes that cannot work, where they enter."""
    if not (isinstance(target_words, int) and isinstance(max_words, int)):
        raise ValueError("passage sizes must be integers")
    if target_words < 10:
        raise ValueError(f"passage_words must be at least 10, got {target_words}")
    if max_words < target_words:
        raise ValueError(f"passage_max_words ({max_words}) must be >= passage_words ({target_words})")


def _split_long(text: str, span: Span, max_words: int) -> list[Span]:
    """Cut a single over-long sentence at word boundaries (the only place a sentence is cut)."""
    words = list(_WORD.finditer(text, *span))
    parts = math.ceil(len(words) / max_words)
    size = math.ceil(len(words) / parts)
    return [
        (words[i].start(), words[min(i + size, len(words)) - 1].end())
        for i in range(0, len(words), size)
    ]


def _units(text: str, max_words: int) -> list[tuple[Span, int, bool]]:
    """(sentence span, words, starts a paragraph) for every sentence of text."""
    units = []
    for para in paragraph_spans(text):
        first = True
        for span in sentence_spans(text, *para):
            n = word_count(text[span[0]:span[1]])
            pieces = _split_long(text, span, max_words) if n > max_words else [span]
            for piece in pieces:
                units.append((piece, word_count(text[piece[0]:piece[1]]), first))
                first = False
    return units


def _balanced(units: list[tuple[Span, int, bool]], target: int, max_words: int) -> list[list[int]]:
    """Group consecutive units into runs of about `target` words, never over max_words."""
    total = sum(n for _, n, _ in units)
    parts = max(1, round(total / target))
    goal = total / parts
    groups, current, size = [], [], 0
    for i, (_, n, _) in enumerate(units):
        if current and (size + n > max_words or (size >= goal * 0.75 and size + n / 2 > goal)):
            groups.append(current)
            current, size = [], 0
        current.append(i)
        size += n
    if current:
        groups.append(current)
    return groups


def passage_spans(text: str, target_words: int = 100, max_words: int = 200) -> list[Span]:
    """Passages as spans of text: paragraphs first, small ones merged, big ones split evenly."""
    return _layout(text, target_words, max_words)[1]


def _layout(text: str, target_words: int, max_words: int) -> tuple[list[Span], list[Span]]:
    """(sentence spans, passage spans) of text; every sentence lies inside one passage."""
    check_sizes(target_words, max_words)
    units = _units(text, max_words)
    # Blocks: runs of paragraphs merged until they reach half the target.
    blocks: list[list[tuple[Span, int, bool]]] = []
    for unit in units:
        starts_paragraph = unit[2]
        if not blocks or (starts_paragraph and sum(n for _, n, _ in blocks[-1]) >= target_words / 2):
            blocks.append([])
        blocks[-1].append(unit)
    spans = []
    for block in blocks:
        for group in _balanced(block, target_words, max_words):
            spans.append((block[group[0]][0][0], block[group[-1]][0][1]))
    return [span for span, _, _ in units], _merge_tiny(text, spans, target_words, max_words)


def _merge_tiny(text: str, spans: list[Span], target: int, max_words: int) -> list[Span]:
    """A passage far below target joins its smaller neighbour when that stays within bounds."""
    sizes = [word_count(text[s:e]) for s, e in spans]
    i = 0
    while len(spans) > 1 and i < len(spans):
        if sizes[i] >= target / 4:
            i += 1
            continue
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(spans) and sizes[j] + sizes[i] <= max_words]
        if not neighbours:
            i += 1
            continue
        j = min(neighbours, key=lambda n: sizes[n])
        a, b = min(i, j), max(i, j)
        spans[a:b + 1] = [(spans[a][0], spans[b][1])]
        sizes[a:b + 1] = [sizes[a] + sizes[b]]
        i = a
    return spans


def chunk_document(doc: Document, target_words: int = 100, max_words: int = 200) -> list[Passage]:
    """The document's passages, each with its sentences as offsets relative to the passage."""
    sentences, spans = _layout(doc.text, target_words, max_words)
    passages, i = [], 0
    for number, (start, end) in enumerate(spans):
        inside = []
        while i < len(sentences) and sentences[i][1] <= end:
            inside.append((sentences[i][0] - start, sentences[i][1] - start))
            i += 1
        passages.append(Passage(doc_id=doc.doc_id, number=number, start=start, end=end,
                                text=doc.text[start:end], sentences=tuple(inside)))
    return passages
