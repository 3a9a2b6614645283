"""Properties that must hold for any text (hypothesis); small example counts keep the file fast."""
import html
import pickle
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from search.analysis import make_analyzer, terms
from search.answers import best_sentence, highlight, matched_spans
from search.chunking import passage_spans, word_count
from search.errors import BadQuery
from search.query import clean, plan
from search.sentences import sentence_spans

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Prose-like pieces so sentence and paragraph rules are exercised, not only random code points.
PIECES = ["moon", "Crew", "U.S.", "Dr.", "D.", "said", "the", "don’t", "it's", "2.5", " ", " ", "  ", "\n", "\n\n",
          "\n \t\n", ". ", "! ", "? ", "“", "”", '"', "'", "’", "…", "•", "- ", "*", ",", ":", "\u00a0", "\u2028",
          "\x85", "\r", "\x00", "é", "ß", "İ", "🚀", "مرحبا", "<b>", "&amp;", "\u200b"]
prose = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=120).map("".join)
any_text = st.text(max_size=400) | prose


BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def non_space_positions(text: str) -> set[int]:
    return {i for i, c in enumerate(text) if not c.isspace()}


@FAST
@given(any_text, st.sampled_from([(100, 200), (10, 20), (10, 10)]))
def test_passages_slice_back_and_cover_all_text_in_order(text, sizes):
    target, max_words = sizes
    spans = passage_spans(text, target, max_words)
    covered, cursor = set(), 0
    for start, end in spans:
        assert cursor <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        assert 0 < word_count(piece) <= max_words
        covered.update(range(start, end))
        cursor = end
    assert non_space_positions(text) <= covered


@FAST
@given(any_text)
def test_sentences_slice_back_and_cover_all_text_in_order(text):
    cursor = 0
    for start, end in sentence_spans(text):
        assert cursor <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        assert text[cursor:start].strip() == ""
        assert not BLANK_LINE.search(text, start, end), "a sentence ran across a blank line"
        cursor = end
    assert text[cursor:].strip() == ""


@FAST
@given(st.text(max_size=300) | prose | st.none() | st.integers() | st.binary() | st.lists(st.text(max_size=5)))
def test_plan_raises_only_bad_query(question):
    try:
        p = plan(question)
    except BadQuery:
        assert not isinstance(question, str) or not clean(question)
        return
    assert isinstance(question, str)
    assert set(p.terms) <= set(terms(p.question))
    assert len(p.terms) == len(set(p.terms))


@FAST
@given(st.text(max_size=3000, alphabet=st.characters(codec="utf-8") | st.sampled_from(" \n\x00")))
def test_plan_on_long_text_raises_only_bad_query(question):
    try:
        plan(question)
    except BadQuery as exc:
        assert exc.code in {"empty_query", "query_too_long"}


@st.composite
def text_and_spans(draw):
    text = draw(any_text)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if a < b]
    return text, spans


@FAST
@given(text_and_spans())
def test_highlight_is_escaped_text_plus_marks(case):
    text, spans = case
    out = highlight(text, spans)
    assert re.findall(r"<[^>]*>", out) == ["<mark>", "</mark>"] * len(spans)
    assert "<" not in out.replace("<mark>", "").replace("</mark>", "")
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == text
    assert [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", out, re.S)] == [text[a:b] for a, b in spans]


@FAST
@given(any_text, st.lists(st.sampled_from(["moon", "crew", "said", "2.5", "u.", "é"]), max_size=4))
def test_marks_and_answer_stay_inside_the_text(text, chosen):
    weights = {t: 1.0 for t in chosen}
    marks = matched_spans(text, frozenset(weights))
    assert marks == sorted(marks)
    assert all(0 <= s < e <= len(text) and stem_matches(text[s:e], weights) for s, e in marks)
    answer = best_sentence(text, 10, weights)
    assert text[answer.start - 10:answer.end - 10] == answer.text


def stem_matches(word: str, weights: dict) -> bool:
    return terms(word) != [] and terms(word)[0] in weights


ANALYZER = pickle.loads(pickle.dumps(make_analyzer()))


@FAST
@given(any_text)
def test_pickled_analyzer_agrees_with_terms(text):
    assert [t.text for t in ANALYZER(text)] == terms(text)
