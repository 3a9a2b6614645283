"""The one analyzer used for indexing and querying: tokenize, lowercase, drop stop words, stem.

Whoosh pickles the analyzer into the index schema, so every piece here is importable
at module level. Bump ANALYZER_VERSION whenever a change alters the terms it emits.
"""
from __future__ import annotations

import re
from functools import lru_cache

from nltk.stem.snowball import EnglishStemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter

from . import settings
from .wordlists import load_words

ANALYZER_NAME = "regex+lower+stop+snowball-english"
ANALYZER_VERSION = 2

# Words joined by apostrophes or inner dots stay one token ("show's", "u.s", "2.5").
TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


# The list spells contractions with a straight apostrophe; text often uses the curly one.
STOP_WORDS = frozenset(v for w in load_words("stopwords.txt") for v in (w, w.replace("'", "’")))
_STEMMER = EnglishStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball English stem; cached because vocabularies are Zipfian and NLTK is slow per call."""
    return _STEMMER.stem(word.replace("’", "'"))


class SnowballFilter(Filter):
    """Stems each token's text with the cached Snowball stemmer; drops over-long tokens."""

    def __init__(self, max_chars: int = 40):
        self.max_chars = max_chars

    def __eq__(self, other):
        return type(other) is type(self) and other.max_chars == self.max_chars

    def __call__(self, tokens):
        for token in tokens:
            if len(token.text) > self.max_chars:
                continue
            token.text = stem(token.text)
            yield token


def make_analyzer():
    """The analyzer chain stored in the schema."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | SnowballFilter(settings.get("max_token_chars"))
    )


def words(text: str) -> list[tuple[str, int, int]]:
    """(lowercased word, start, end) for each token of text, stop words included."""
    return [(m.group().lower(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def terms(text: str) -> list[str]:
    """The analyzed terms of text, in order, as the index stores them."""
    limit = settings.get("max_token_chars")
    return [stem(w) for w, _, _ in words(text) if w not in STOP_WORDS and len(w) <= limit]
