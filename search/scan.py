"""Find words in a passage without walking all of them in Python. Pure functions.

Looking at every word of a passage in Python costs more than the rest of the per-hit work,
so the highlighter, for a passage that stores no term offsets, lets a small pattern compiled
once per question pick the few places worth a look; it finds a superset of what the plain walk
keeps and checks each place as the walk would. The words that stand whole in a passage, which
the re-ranker's exact matches compare with the question's, are cut once, at index time. Results
do not change (tests/test_scan.py compares both with their plain definitions).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from .analysis import TOKEN_PATTERN

# A token of re.finditer(TOKEN_PATTERN) starts where no word character precedes, nor a word
# character and a joiner (a joiner inside a token always follows a word character).
_TOKEN_START = r"(?<!\w)(?<!\w[.'’])"
_TOKEN_AT = re.compile(_TOKEN_START + TOKEN_PATTERN)
_TOKEN = re.compile(TOKEN_PATTERN)
# Where a whole word starts and ends: no word character or joiner before it, and after it no
# word character nor a joiner that goes on into one (questions.read_question's word_pattern).
BEFORE_WORD = r"(?<![\w.'’])"
AFTER_WORD = r"(?![\w]|[.'’]\w)"
_JOINERS = ".'’"  # the characters that join the pieces of one token
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.'")
# Characters other than c and c.upper() whose str.lower() is the plain character c
# (tests/test_scan.py checks this against all of Unicode).
_ODD_UPPER = {"k": "\u212a"}  # KELVIN SIGN


def _lowers_to(char: str) -> str:
    """A character class of everything whose lowercase is `char` (a plain character), where
    'i' also stands for 'y' as in answers._head."""
    found = {char, char.upper(), *_ODD_UPPER.get(char, "")}
    if char == "i":
        found |= {"y", "Y"}
    return "[" + re.escape("".join(sorted(found))) + "]"


@lru_cache(maxsize=1024)
def _head_pattern(heads: frozenset[str]) -> re.Pattern | None:
    """A whole token (as _TOKEN_AT matches one) whose first characters may be a head."""
    if not all(set(h) <= _PLAIN for h in heads):
        return None
    alternatives = "|".join(sorted("".join(map(_lowers_to, h)) for h in heads if h)) or "(?!)"
    return re.compile(f"{_TOKEN_START}(?=(?:{alternatives})){TOKEN_PATTERN}")


def tokens_by_head(text: str, heads: frozenset[str]) -> list[re.Match] | None:
    """The tokens of text (as re.finditer(TOKEN_PATTERN) cuts them) that may begin, once
    lowercased and with 'y' read as 'i', with one of `heads` (1 or 2 characters each): a superset
    of those that do. None when a head is not plain lowercase ASCII."""
    finder = _head_pattern(heads)
    if finder is None:
        return None
    # Tokens do not overlap, so going on after each one found skips no token start.
    return list(finder.finditer(text))


@lru_cache(maxsize=1024)
def all_tokens(words: frozenset[str]) -> bool:
    """Is each word one token (as re.finditer(TOKEN_PATTERN) cuts them)?"""
    return all(_TOKEN.fullmatch(w) for w in words)


def whole_tokens(lowered: str, tokens: Iterable[tuple[str, int, int]] | None = None) -> set[str]:
    """The words that stand whole in a lowercased text: for any words that are each one token,
    findall() of their alternation between BEFORE_WORD and AFTER_WORD finds exactly those of
    them that are in this set (questions.read_question's word_pattern; tests/test_scan.py).

    A word found whole is a token of the text (nothing that goes on a token precedes or follows
    it) and, conversely, a token is whole unless a joiner precedes it ("x.'moon": no word
    character can, and none nor a joiner that goes on into one can follow it). `tokens`, the
    (token, start, end) of the lowercased text when already known (as analysis.words gives
    them), saves cutting it again; `lowered` is then read only for whether a joiner precedes a
    token."""
    if tokens is None:
        return {m.group() for m in _TOKEN.finditer(lowered) if not m.start() or lowered[m.start() - 1] not in _JOINERS}
    return {token for token, start, _ in tokens if not start or lowered[start - 1] not in _JOINERS}
