"""Find words in a passage without walking all of them in Python. Pure functions.

Looking at every word of a passage in Python costs more than the rest of the per-hit work,
so the highlighter lets a small pattern, compiled once per question, pick the few places
worth a look, and the re-ranker looks for each question word with str.find. Both find a
superset of what the plain walk keeps and check each place as the walk would, so results do
not change (tests/test_scan.py compares them).
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
_BEFORE_WORD = re.compile(BEFORE_WORD)
_AFTER_WORD = re.compile(AFTER_WORD)
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
def _all_tokens(words: frozenset[str]) -> bool:
    return all(_TOKEN.fullmatch(w) for w in words)


def _occurs_whole(word: str, text: str) -> bool:
    at = text.find(word)
    while at >= 0:
        if _BEFORE_WORD.match(text, at) and _AFTER_WORD.match(text, at + len(word)):
            return True
        at = text.find(word, at + 1)
    return False


def whole_words(words: frozenset[str], lowered: str) -> set[str] | None:
    """The words that occur whole in `lowered` (not inside a longer token): what findall() of
    their alternation, longest first, between _BEFORE_WORD and _AFTER_WORD finds, as a set.
    None when a word is not one token, for the caller to run that findall() itself.

    Two matches of single-token words can neither overlap nor start at one place (a token
    holds only word characters and joiners, and a joiner in it is followed by a word
    character), so findall() finds each word wherever it occurs whole, and str.find can look."""
    if not _all_tokens(words):
        return None
    return {w for w in words if _occurs_whole(w, lowered)}
