"""A passage's postings for the analysed fields, computed once from its words, as Whoosh would.

Whoosh analyses every field value through a chain of Token objects, one field at a time;
the passage's text feeds both `text` and `spell`, and its document's title `title` and `spell`
again. Here each value is split into words once (analysis.words) and every field's postings
come from that list. `field.index(value)` is the reference: tests/test_postings.py checks
these functions give exactly its (term bytes, frequency, weight, value bytes), which is what
the analyzers pickled in the schema produce, so queries see the same terms.
"""
from __future__ import annotations

from whoosh.system import pack_uint

from . import settings, spelling
from .analysis import STOP_WORDS, stem

Items = list[tuple[bytes, int, float, bytes]]  # (term bytes, frequency, weight, value bytes)


def stemmed_positions(lowered: list[str]) -> dict[str, list[int]]:
    """Each stemmed term's positions, numbered as the analyzer's StopFilter renumbers them.

    The first kept word keeps its own position; each later kept word takes the previous one
    plus one. Over-long words are dropped after that numbering, so they leave a gap.
    """
    limit = settings.get("max_token_chars")
    positions: dict[str, list[int]] = {}
    pos = None
    for i, word in enumerate(lowered):
        if word in STOP_WORDS:
            continue
        pos = i if pos is None else pos + 1
        if len(word) <= limit:
            positions.setdefault(stem(word), []).append(pos)
    return positions


def with_positions(positions: dict[str, list[int]], fieldobj) -> Items:
    """Postings of a field stored with positions (a phrase field)."""
    fmt = fieldobj.format
    boost = fmt.field_boost
    return [(term.encode("utf-8"), len(poses), float(len(poses)) * boost, fmt.encode(poses))
            for term, poses in positions.items()]


def counted(counts: dict[str, int], fieldobj) -> Items:
    """Postings of a field stored with frequencies only."""
    boost = fieldobj.format.field_boost
    return [(term.encode("utf-8"), n, float(n) * boost, pack_uint(n)) for term, n in counts.items()]


def frequencies(positions: dict[str, list[int]]) -> dict[str, int]:
    return {term: len(poses) for term, poses in positions.items()}


def surface_counts(*lowered: list[str]) -> dict[str, int]:
    """The spelling analyzer's terms of words: unstemmed, no stop words, within its size limits."""
    low, high = spelling.MIN_CHARS, settings.get("max_token_chars")
    counts: dict[str, int] = {}
    for words in lowered:
        for word in words:
            if low <= len(word) <= high and word not in STOP_WORDS:
                counts[word] = counts.get(word, 0) + 1
    return counts


def analysed(schema, title_words: list[str], title_positions: dict[str, list[int]],
             text_words: list[str]) -> dict[str, Items]:
    """Postings of a passage's `text`, `title` and `spell` fields from its lowercased words.

    title_positions is stemmed_positions(title_words), worked out once per document.
    """
    return {"text": with_positions(stemmed_positions(text_words), schema["text"]),
            "title": counted(frequencies(title_positions), schema["title"]),
            "spell": counted(surface_counts(title_words, text_words), schema["spell"])}
