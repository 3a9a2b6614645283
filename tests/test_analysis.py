"""The one analyzer: tokens, lowercase, stop words, Snowball stems, length cap, pickling."""
import pickle
from pathlib import Path

import pytest
from nltk.stem.snowball import EnglishStemmer

from search import analysis, settings
from search.analysis import STOP_WORDS, make_analyzer, terms, words
from search.indexer import make_schema

CORPUS = Path(__file__).parent.parent / "corpus"


def analyzed(analyzer, text: str) -> list[str]:
    return [token.text for token in analyzer(text)]


def test_stop_words_are_dropped():
    assert terms("The crew of the rocket and the moon") == ["crew", "rocket", "moon"]
    assert terms("the of and to a") == []


def test_every_listed_stop_word_is_dropped_in_any_case():
    for word in STOP_WORDS:
        assert terms(word) == [], word
        assert terms(word.upper()) == [], word


def test_terms_are_lowercase():
    assert terms("MOON Moon moon mOoN") == ["moon"] * 4


@pytest.mark.parametrize("forms", [
    ("created", "creating", "creates", "create"),
    ("launches", "launched", "launching"),
    ("stories", "story"),
])
def test_inflections_share_one_snowball_stem(forms):
    expected = EnglishStemmer().stem(forms[0])
    assert [t for f in forms for t in terms(f)] == [expected] * len(forms)


@pytest.mark.parametrize("straight, curly", [
    ("the show's pitch", "the show’s pitch"),
    ("don't stop", "don’t stop"),
    ("it's Margo's journey", "it’s Margo’s journey"),
    ("we've seen we're here", "we’ve seen we’re here"),
])
def test_curly_and_straight_apostrophes_give_the_same_terms(straight, curly):
    assert terms(curly) == terms(straight)
    assert analyzed(make_analyzer(), curly) == analyzed(make_analyzer(), straight)
    assert not any("'" in t or "’" in t for t in terms(curly))


def test_contractions_that_are_stop_words_vanish():
    assert terms("don’t can't it’s") == []


def test_inner_dots_and_apostrophes_keep_one_token():
    assert [w for w, _, _ in words("U.S. costs 2.5 at Margo’s")] == ["u.s", "costs", "2.5", "at", "margo’s"]


def test_word_offsets_slice_back():
    text = "The U.S. Army’s CREW, in 2019; 2.5 km."
    for word, start, end in words(text):
        assert text[start:end].lower() == word


def test_tokens_over_the_max_length_are_dropped():
    limit = settings.get("max_token_chars")
    ok, too_long = "k" * limit, "k" * (limit + 1)
    assert terms(f"moon {ok} {too_long} rocket") == ["moon", ok, "rocket"]
    assert analyzed(make_analyzer(), f"moon {ok} {too_long} rocket") == ["moon", ok, "rocket"]


def test_max_length_comes_from_settings(monkeypatch):
    real = settings.get
    monkeypatch.setattr(settings, "get", lambda name: 5 if name == "max_token_chars" else real(name))
    assert terms("moon rockets orbit") == ["moon", "orbit"]
    assert analyzed(make_analyzer(), "moon rockets orbit") == ["moon", "orbit"]


def test_analyzer_matches_terms_on_the_bundled_articles():
    analyzer = make_analyzer()
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text("utf-8")
        assert analyzed(analyzer, text) == terms(text)


def test_analyzer_survives_pickling():
    text = (CORPUS / sorted(p.name for p in CORPUS.glob("*.txt"))[0]).read_text("utf-8")
    restored = pickle.loads(pickle.dumps(make_analyzer()))
    assert analyzed(restored, text) == terms(text)
    assert restored == make_analyzer()


def test_schema_with_the_analyzer_survives_pickling():
    schema = pickle.loads(pickle.dumps(make_schema()))
    text = "Ronald D. Moore’s team created the spin-off, didn't they?"
    for field in ("text", "title"):
        assert analyzed(schema[field].analyzer, text) == terms(text)


def test_snowball_filter_equality_depends_on_max_chars():
    assert analysis.SnowballFilter(40) == analysis.SnowballFilter(40)
    assert analysis.SnowballFilter(40) != analysis.SnowballFilter(41)
