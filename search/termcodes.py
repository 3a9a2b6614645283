"""Analysed terms and words as 64-bit numbers, so that the re-ranker compares numbers, not strings.

Each passage stores the codes of its sentences' terms (indexer field `tcodes`), of the words
that stand whole in it (`wcodes`) and, when they are its words', where its terms start
(`tstarts`); a question looks its own up among them (search/kernels.py). A code is the first 8 bytes of
the string's BLAKE2b digest: the same in every process and on every machine. A question's term
shares its code with another term of a vocabulary of n with a chance of about n / 2⁶⁴ (one in
a trillion for ten million terms).
"""
from __future__ import annotations

from hashlib import blake2b

import numpy as np

from .analysis import STOP_WORDS
from .scan import whole_tokens

DTYPE = np.dtype("<u8")
STARTS_DTYPE = np.dtype("<u2")  # where each term starts in its passage, when stored (indexer field tstarts)
STARTS_MAX = int(np.iinfo(STARTS_DTYPE).max)
_CACHE: dict[str, int] = {}  # vocabularies are Zipfian: most terms of a passage were coded before
_CACHE_MAX = 1 << 20


def term_code(term: str) -> int:
    code = _CACHE.get(term)
    if code is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        code = _CACHE[term] = int.from_bytes(blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                             "little")
    return code


def codes(terms: list[str]) -> np.ndarray:
    """The code of each term, in order."""
    found = list(map(_CACHE.get, terms))
    if None in found:  # new terms: a passage often holds one
        found = [term_code(t) if code is None else code for code, t in zip(found, terms)]
    return np.array(found, dtype=DTYPE)


def encode(terms: list[str]) -> bytes:
    """The codes of terms, in order, as stored."""
    return codes(terms).tobytes()


def encode_set(terms: set[str]) -> bytes:
    """The distinct codes of terms, sorted, as stored."""
    found = np.sort(codes(list(terms)))
    keep = np.ones(len(found), dtype=bool)
    keep[1:] = found[1:] != found[:-1]  # two terms with one code: the code once
    return found[keep].tobytes()


def encode_whole_words(text: str, words: list[tuple[str, int, int]] | None = None) -> bytes:
    """encode_set() of the words that stand whole in the lowercased text (scan.whole_tokens),
    stop words left out.

    `words`, analysis.words(text), saves cutting the lowercase again when it has the text's
    tokens at the same places, lowercased: when lowering keeps the text's length and it holds
    no capital sigma (the one letter str.lower() lowers by its context), as lowering a
    character then never changes whether it is a word character or a joiner
    (tests/test_scan.py checks all of Unicode)."""
    if words is not None and "Σ" not in text and len(text.lower()) == len(text):
        return encode_set(whole_tokens(text, words) - STOP_WORDS)
    return encode_set(whole_tokens(text.lower()) - STOP_WORDS)


def decode(stored: bytes) -> np.ndarray:
    """encode()'s codes back as a read-only array."""
    return np.frombuffer(stored, dtype=DTYPE)


def encode_starts(starts: list[int]) -> bytes:
    """Offsets in a passage (each at most STARTS_MAX), as stored."""
    return np.array(starts, dtype=STARTS_DTYPE).tobytes()


def decode_starts(stored: bytes | None) -> np.ndarray | None:
    return None if stored is None else np.frombuffer(stored, dtype=STARTS_DTYPE)
