"""Answer sentence choice, matched words and the escaped highlight."""
import html
import re
from pathlib import Path

import pytest

from search.analysis import stem
from search.answers import best_sentence, highlight, matched_spans
from search.chunking import chunk_document
from search.models import Document
from search.query import plan

CORPUS = Path(__file__).parent.parent / "corpus"
ARTICLES = sorted(CORPUS.glob("*.txt"))

PASSAGE = ("The crew trained for years. "
           "A rocket carried the crew to the Moon in 1969. "
           "Moon rocks, moon dust and more moon photos came back.")


def test_most_weighted_distinct_terms_wins():
    weights = {"crew": 1.0, "rocket": 1.0, "moon": 1.0}
    assert best_sentence(PASSAGE, 0, weights).text == "A rocket carried the crew to the Moon in 1969."


def test_a_repeated_term_counts_once():
    # Sentence 3 says moon three times: counted once it scores 1.0, against 2.5 for sentence 2.
    weights = {"moon": 1.0, "rocket": 1.5}
    assert best_sentence(PASSAGE, 0, weights).text.startswith("A rocket")
    assert best_sentence(PASSAGE, 0, {"moon": 1.0, "dust": 0.1}).text.startswith("Moon rocks")


def test_weights_decide_between_sentences():
    assert best_sentence(PASSAGE, 0, {"crew": 5.0, "photo": 1.0}).text == "The crew trained for years."
    assert best_sentence(PASSAGE, 0, {"crew": 1.0, "photo": 5.0}).text.startswith("Moon rocks")


def test_ties_and_no_match_give_the_first_sentence():
    assert best_sentence(PASSAGE, 0, {"crew": 1.0}).text == "The crew trained for years."
    assert best_sentence(PASSAGE, 0, {"zebra": 3.0}).text == "The crew trained for years."
    assert best_sentence(PASSAGE, 0, {}).text == "The crew trained for years."


def test_offsets_are_document_offsets():
    offset = 1234
    answer = best_sentence(PASSAGE, offset, {"dust": 1.0})
    local = PASSAGE.index("Moon rocks")
    assert (answer.start, answer.end) == (offset + local, offset + len(PASSAGE))
    assert PASSAGE[answer.start - offset:answer.end - offset] == answer.text


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_answers_slice_back_from_the_bundled_articles(path):
    doc = Document(doc_id="d", title="t", text=path.read_text("utf-8"), source=path.name)
    weights = {t: 1.0 for t in plan("Who created the Star City spinoff about the Soviet space program?").terms}
    for passage in chunk_document(doc):
        answer = best_sentence(passage.text, passage.start, weights)
        assert passage.start <= answer.start < answer.end <= passage.end
        assert doc.text[answer.start:answer.end] == answer.text
        assert "\n\n" not in answer.text


def test_answer_never_spans_a_blank_line():
    text = "A Heading Without Stop\n\nthe moon landing story begins here."
    assert best_sentence(text, 0, {"moon": 1.0}).text == "the moon landing story begins here."


def test_empty_passage_gives_an_empty_answer_at_the_offset():
    answer = best_sentence("", 7, {"moon": 1.0})
    assert (answer.text, answer.start, answer.end) == ("", 7, 7)


def test_matched_spans_are_whole_words_with_query_stems():
    text = "Moon moons honeymoon Moon’s moonlight MOON. the moon, Moonie"
    spans = matched_spans(text, frozenset({"moon"}))
    assert [text[s:e] for s, e in spans] == ["Moon", "moons", "Moon’s", "MOON", "moon"]
    for s, e in spans:  # whole words: never in the middle of a longer word
        assert (s == 0 or not text[s - 1].isalnum()) and (e == len(text) or not text[e].isalnum())


def test_matched_spans_use_stems():
    text = "They created it; creating more, the creator creates."
    spans = matched_spans(text, frozenset({stem("create")}))
    assert [text[s:e] for s, e in spans] == ["created", "creating", "creates"]


def test_stop_words_are_never_marked():
    text = "The moon and the crew"
    assert [text[s:e] for s, e in matched_spans(text, frozenset({"the", "and", "moon"}))] == ["moon"]


def test_no_terms_no_marks():
    assert matched_spans("The moon", frozenset()) == []


def test_highlight_escapes_everything_but_the_marks():
    text = '<script>alert("x")</script> & the moon & R&D <mark>fake</mark>'
    spans = sorted(matched_spans(text, frozenset({"moon"})) + [(text.index("R&D"), text.index("R&D") + 3)])
    out = highlight(text, spans)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark>moon</mark>" in out
    assert "<mark>R&amp;D</mark>" in out
    assert "&lt;mark&gt;fake&lt;/mark&gt;" in out  # markup in the text stays text
    tags = re.findall(r"<[^>]*>", out)
    assert set(tags) == {"<mark>", "</mark>"} and len(tags) == 4
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == text


def test_highlight_without_marks_is_plain_escaped_text():
    assert highlight("a < b & c", []) == "a &lt; b &amp; c"


def test_highlight_marks_at_the_edges():
    assert highlight("moon", [(0, 4)]) == "<mark>moon</mark>"
    assert highlight("moon rock", [(0, 4), (5, 9)]) == "<mark>moon</mark> <mark>rock</mark>"
