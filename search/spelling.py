"""Did you mean: correct a question's unknown words with words the index holds, unstemmed.

The `spell` field keeps the surface words of every passage and title (lowercased, no stop
words, not stemmed), so a suggestion is always a word some article uses.
"""
from __future__ import annotations

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter

from . import settings
from .analysis import STOP_WORDS, TOKEN_PATTERN, stem, words
from .query import FIELDS, QUESTION_WORDS

FIELD = "spell"
MIN_CHARS = 3  # shorter words are left alone: too many neighbours to guess from


def make_spelling_analyzer():
    """Tokenize and lowercase like the main analyzer, drop stop words, but never stem."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=STOP_WORDS, minsize=MIN_CHARS, maxsize=settings.get("max_token_chars")))


def _checkable(word: str) -> bool:
    return (len(word) >= MIN_CHARS and word.isalpha() and word not in STOP_WORDS
            and word not in QUESTION_WORDS and len(word) <= settings.get("max_token_chars"))


def _found(reader, word: str) -> bool:
    """Does the search already find this word: as it is, or by its stem in a searched field?
    ("productions" is no correction of "production": both find the same passages.)"""
    return reader.frequency(FIELD, word) > 0 or any(reader.frequency(f, stem(word)) > 0 for f in FIELDS)


def correct_word(reader, word: str) -> str | None:
    """The most frequent indexed word nearest to an unknown word (1 edit, else 2), or None.

    Whoosh's own Corrector ranks by frequency alone within maxdist, so distances are tried in turn.
    Whoosh compares the word with every indexed word of the same first letter: the engine asks
    only when a question found no good answer.
    """
    if _found(reader, word):
        return None
    for maxdist in (1, 2) if len(word) > 4 else (1,):
        near = [w for w in reader.terms_within(FIELD, word, maxdist, prefix=1) if w != word]
        if near:
            return min(near, key=lambda w: (-reader.frequency(FIELD, w), w))
    return None


def _same_case(original: str, word: str) -> str:
    if original.isupper() and len(original) > 1:
        return word.upper()
    return word.capitalize() if original[:1].isupper() else word


def suggest(question: str, reader) -> str | None:
    """The question with its unknown words corrected, or None when there is nothing to correct."""
    if FIELD not in reader.schema:
        return None
    out, cursor, changed = [], 0, False
    for word, start, end in words(question):
        fix = correct_word(reader, word) if _checkable(word) else None
        if fix:
            out.append(question[cursor:start])
            out.append(_same_case(question[start:end], fix))
            cursor, changed = end, True
    if not changed:
        return None
    out.append(question[cursor:])
    return "".join(out)
