"""A passage's postings for the analysed fields, computed once from its words, as Whoosh would.

Whoosh analyses every field value through a chain of Token objects, one field at a time;
the passage's text feeds both `text` and `spell`, and its document's title `title` and `spell`
again. Here each value is split into words once (analysis.words) and every field's postings
come from that list. `field.index(value)` is the reference: tests/test_postings.py checks
these functions give exactly its (term bytes, frequency, weight, value bytes), which is what
the analyzers pickled in the schema produce, so queries see the same terms.
"""
from __future__ import annotations

from functools import cache

from whoosh.formats import Positions
from whoosh.system import pack_uint

from . import settings, spelling
from .analysis import STOP_WORDS, stem

Items = list[tuple[bytes, int, float, bytes]]  # (term bytes, frequency, weight, value bytes)


def stems_of(lowered: list[str]) -> list[str | bool | None]:
    """Each word's stem as the analyzer makes it; None for a stop word (the StopFilter drops
    it before numbering positions) and False for an over-long word (numbered, then dropped)."""
    limit = settings.get("max_token_chars")
    return [None if w in STOP_WORDS else stem(w) if len(w) <= limit else False for w in lowered]


def positions_of(stems: list[str | bool | None]) -> dict[str, list[int]]:
    """Each stemmed term's positions, numbered as the analyzer's StopFilter renumbers them.

    The first kept word keeps its own position; each later kept word takes the previous one
    plus one. Over-long words are dropped after that numbering, so they leave a gap.
    """
    positions: dict[str, list[int]] = {}
    pos = None
    for i, term in enumerate(stems):
        if term is None:
            continue
        pos = i if pos is None else pos + 1
        if term is not False:
            positions.setdefault(term, []).append(pos)
    return positions


def stemmed_positions(lowered: list[str]) -> dict[str, list[int]]:
    """positions_of(stems_of(lowered))."""
    return positions_of(stems_of(lowered))


ONE_POSITION_TABLE = 1024  # positions whose one-position value is made in advance


@cache
def _one_position_parts() -> tuple[bytes, tuple[bytes, ...]]:
    """Positions().encode([p]) for each p below ONE_POSITION_TABLE, as a head common to all and
    a tail per p. Most terms occur once in a passage; joining head and tail is cheaper than
    encoding, and makes a new object each time, as pickling the postings needs (a shared
    object would be pickled as a reference, and the file would differ from Whoosh's)."""
    values = [Positions().encode([p]) for p in range(ONE_POSITION_TABLE)]
    head = pack_uint(1)
    if not all(v.startswith(head) for v in values):
        raise ValueError("unexpected Positions encoding")
    return head, tuple(v[len(head):] for v in values)


def with_positions(positions: dict[str, list[int]], fieldobj) -> Items:
    """Postings of a field stored with positions (a phrase field)."""
    fmt = fieldobj.format
    boost, encode = fmt.field_boost, fmt.encode
    if type(fmt) is not Positions:
        return [(term.encode("utf-8"), len(poses), float(len(poses)) * boost, encode(poses))
                for term, poses in positions.items()]
    head, tails = _one_position_parts()
    return [(term.encode("utf-8"), 1, boost * 1.0, head + tails[poses[0]])
            if len(poses) == 1 and poses[0] < ONE_POSITION_TABLE
            else (term.encode("utf-8"), len(poses), float(len(poses)) * boost, encode(poses))
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
             text_words: list[str], text_stems: list | None = None,
             tallied: frozenset[str] = frozenset()) -> dict[str, Items | dict[str, int]]:
    """Postings of a passage's `text`, `title` and `spell` fields from its lowercased words.

    title_positions is stemmed_positions(title_words), worked out once per document;
    text_stems, stems_of(text_words) when the caller has it already. A field in `tallied`
    (termpool.Tally) gets its terms' counts instead of postings items.
    """
    stems = stems_of(text_words) if text_stems is None else text_stems
    spell = surface_counts(title_words, text_words)
    return {"text": with_positions(positions_of(stems), schema["text"]),
            "title": counted(frequencies(title_positions), schema["title"]),
            "spell": spell if "spell" in tallied else counted(spell, schema["spell"])}
