"""search/postings.py gives exactly what Whoosh's own field.index() gives for each analysed field."""
from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

import numpy as np

from search import analysis, passagework, postings, termcodes
from search.answers import matched_spans, spans_at
from search.indexer import make_schema
from search.models import Document
from tests.conftest import BUNDLED

SCHEMA = make_schema()
AWKWARD = [
    "", "the", "The cat sat on the mat.", "the the cat and the hat",  # leading stop words keep positions
    "Show’s U.S. figures rose 2.5% in the U.K.; don't won’t",
    "x" * 41 + " short " + "y" * 40 + " the " + "z" * 45 + " end",  # over-long words leave a gap
    "Ünïcödé straße ΣΊΣΥΦΟΣ naïve café 東京 ١٢٣", "a\nb\n\nc  d\t e", "it's it’s its IT'S",
]


def whoosh_items(field: str, value: str) -> list:
    return sorted(SCHEMA[field].index(value))


def ours(title: str, text: str, tallied=frozenset()) -> dict:
    title_words = [w for w, _, _ in analysis.words(title)]
    return {field: items if isinstance(items, dict) else sorted(items) for field, items in postings.analysed(
        SCHEMA, title_words, postings.stemmed_positions(title_words),
        [w for w, _, _ in analysis.words(text)], tallied=tallied).items()}


def check(title: str, text: str) -> None:
    got = ours(title, text)
    assert got["text"] == whoosh_items("text", text)
    assert got["title"] == whoosh_items("title", title)
    spell = whoosh_items("spell", f"{title}\n{text}")
    assert got["spell"] == spell
    # tallied (termpool.Tally), the spelling field comes as each word's count instead
    assert ours(title, text, frozenset({"spell"}))["spell"] == {t.decode("utf-8"): n for t, n, _, _ in spell}


def test_awkward_values_match_whoosh():
    for title in AWKWARD:
        for text in AWKWARD:
            check(title, text)


def test_bundled_corpus_matches_whoosh():
    for path in sorted(BUNDLED.iterdir()):
        text = path.read_text("utf-8")
        check(text.splitlines()[0], text)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab’'. \n-xyzTHE") + ["the ", "and ", "é", "ß", "x" * 41]),
                max_size=60).map("".join),
       st.text(max_size=40))
def test_any_text_matches_whoosh(text, title):
    check(title, text)


def slow_sentence_terms(text, sentences):
    return [analysis.terms(text[a:b]) for a, b in sentences]


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab’'. \n-xyzTHE") + ["the ", "and ", "é", "ß", "U.S.", "x" * 41]),
                max_size=60).map("".join), st.data())
def test_sentence_terms_are_each_sentence_analysed_alone(text, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    sentences = [(a, b) for a, b in zip([0] + cuts, cuts + [len(text)]) if a < b]  # any cut, mid-word too
    assert passagework.sentence_terms(text, analysis.words(text), sentences) == slow_sentence_terms(text, sentences)


def test_passages_sentence_terms_match_the_slices():
    for path in sorted(BUNDLED.iterdir()):
        doc = Document(doc_id=path.name, title="t", text=path.read_text("utf-8"), source=path.name)
        for fields in passagework.passage_fields(doc, path.name):
            spans = [tuple(span) for span in fields["sents"]]
            terms = slow_sentence_terms(fields["text"], spans)
            assert fields["tlens"] == [len(t) for t in terms]
            assert termcodes.decode(fields["tcodes"]).tolist() == [termcodes.term_code(t) for s in terms for t in s]


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab’'. \n-xyzTHE") + ["the ", "and ", "é", "ß", "U.S.", "İ", "x" * 41,
                                                         "moon ", "Moons ", "dying "]),
                max_size=60).map("".join), st.data())
def test_stored_term_starts_mark_what_matched_spans_marks(text, data):
    """Where the stored term offsets exist, marking a question's terms from them gives exactly
    the highlighter's matched_spans(); they are left out whenever the terms are not the text's
    own words (a sentence cut mid-word, an over-long word)."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
    sentences = [(a, b) for a, b in zip([0] + cuts, cuts + [len(text)]) if a < b]
    words = analysis.words(text)
    stems = postings.stems_of([w for w, _, _ in words])
    fields = passagework.term_fields(text, words, stems, passagework.sentence_terms(text, words, sentences, stems))
    asked = frozenset(data.draw(st.lists(st.sampled_from(["moon", "die", "x", "a", "b", "ab", "u.s", "é"]))))
    if fields["tstarts"] is not None:
        starts = termcodes.decode_starts(fields["tstarts"])
        wanted = np.unique(termcodes.codes(sorted(asked)))
        marked = spans_at(text, starts[np.isin(termcodes.decode(fields["tcodes"]), wanted)].tolist())
        assert marked == matched_spans(text, asked)
    else:
        chained = [t for a, b in sentences for t in analysis.terms(text[a:b])]
        assert False in stems or [s for s in stems if s is not None] != chained
