"""Sentence and paragraph boundaries: bundled articles and small made-up texts."""
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from search.sentences import UntrainedPunkt, paragraph_spans, sentence_spans
from search.wordlists import load_words

CORPUS = Path(__file__).parent.parent / "corpus"
ARTICLES = sorted(CORPUS.glob("*.txt"))


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def article(prefix: str) -> str:
    (path,) = [p for p in ARTICLES if p.name.startswith(prefix)]
    return path.read_text("utf-8")


def test_corpus_is_bundled():
    assert len(ARTICLES) >= 3


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_spans_are_trimmed_ordered_and_cover_every_character(path):
    text = path.read_text("utf-8")
    spans = sentence_spans(text)
    assert spans
    cursor = 0
    for start, end in spans:
        assert cursor <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        assert text[cursor:start].strip() == "", "non-space text fell between two sentences"
        cursor = end
    assert text[cursor:].strip() == ""


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_no_sentence_crosses_a_blank_line(path):
    assert all("\n\n" not in s for s in sentences(path.read_text("utf-8")))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_initial_in_a_name_does_not_end_a_sentence(path):
    text = path.read_text("utf-8")
    spans = sentence_spans(text)
    at = text.find("Ronald D. Moore")
    assert at >= 0
    while at >= 0:
        end = at + len("Ronald D. Moore")
        assert any(s <= at and end <= e for s, e in spans), f"split inside the name at {at}"
        at = text.find("Ronald D. Moore", end)
    assert not any(s.endswith(" D.") for s in sentences(text))


def test_curly_quote_with_said_stays_with_its_speech_tag():
    found = [s for s in sentences(article("000_")) if s.startswith("“Our fascination")]
    assert len(found) == 1
    assert found[0].endswith("‘For All Mankind,’” said executive producers Matt Wolpert and Ben Nedivi.")


def test_straight_quote_with_said_stays_with_its_speech_tag():
    found = [s for s in sentences(article("002_")) if s.startswith('"With each new season')]
    assert len(found) == 1
    assert found[0].endswith('Matt and Ben," said Matt Cherniss head of programming for Apple TV+.')


def test_sentence_ending_with_an_initialled_name():
    assert "The spin off is being created by the same team behind \"For All Mankind,\" which is led by Ronald D. Moore." \
        in sentences(article("001_"))


def test_hard_wrapped_line_inside_a_sentence_stays_joined():
    found = [s for s in sentences(article("001_")) if "was one of the\nfirst shows" in s]
    assert len(found) == 1
    assert found[0].startswith('"For All Mankind" was one of the')
    assert found[0].endswith("an alternative view of the space race.")


def test_headings_and_forum_lines_are_their_own_sentences():
    got = sentences(article("001_"))
    for line in ("The 'For All Mankind' universe is about to get a whole lot bigger",
                 "in iPod + iTunes + AppleTV", "Read on AppleInsider", "• Reply 1 of 5",
                 "StrangeDaysStrangeDays Posts: 12,921member", "Sign In or Register to comment."):
        assert line in got
    # A caption line without a final stop, followed by its paragraph's other line.
    assert 'The new "Star City" will go back to the beginning of "For All Mankind," and see life from the Soviet side' in got
    assert "for all mankind season four" in sentences(article("000_"))


@pytest.mark.parametrize("text, expected", [
    ("The U.S. Army met Dr. Smith on Sept. 5. He left.",
     ["The U.S. Army met Dr. Smith on Sept. 5.", "He left."]),
    ("Ronald D. Moore wrote it. J. R. R. Tolkien did not.",
     ["Ronald D. Moore wrote it.", "J. R. R. Tolkien did not."]),
    ("Use a tool, e.g. a hammer. Prof. Lee agreed at 10 a.m. today. Done.",
     ["Use a tool, e.g. a hammer.", "Prof. Lee agreed at 10 a.m. today.", "Done."]),
    ("Prices rose 2.5 percent. Then they fell!", ["Prices rose 2.5 percent.", "Then they fell!"]),
    ("“We won,” said Mr. Jones. “Again!” he added.", ["“We won,” said Mr. Jones.", "“Again!” he added."]),
    ('"Why?" she asked. "Home," he said.', ['"Why?" she asked.', '"Home," he said.']),
    ("Wow! Really? Yes.", ["Wow!", "Really?", "Yes."]),
])
def test_made_up_sentences(text, expected):
    assert sentences(text) == expected


def test_heading_and_list_lines_without_stops():
    text = "Heading Here\nItems:\n- first item\n* second item\n• third item\n1. numbered item\nThe end."
    assert sentences(text) == ["Heading Here", "Items:", "- first item", "* second item", "• third item",
                               "1. numbered item", "The end."]


def test_wrapped_lines_join_when_the_next_starts_lowercase():
    text = "It goes on and\ncontinues on the next line. Then\n  more of it. Done."
    assert sentences(text) == ["It goes on and\ncontinues on the next line.", "Then\n  more of it.", "Done."]


def test_blank_line_ends_a_sentence_even_before_lowercase():
    assert sentences("Title line\n\nlowercase paragraph here.") == ["Title line", "lowercase paragraph here."]
    assert sentences("a heading\n \t \nand a body.") == ["a heading", "and a body."]


def test_start_and_end_limit_the_range_but_offsets_stay_absolute():
    text = "Skip me. Take this one. And this. Skip me too."
    start, end = text.index("Take"), text.index(" Skip me too")
    spans = sentence_spans(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Take this one.", "And this."]
    assert spans[0][0] == start


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \n", "\u00a0\u2028"])
def test_blank_text_has_no_sentences_or_paragraphs(text):
    assert sentence_spans(text) == []
    assert paragraph_spans(text) == []


def test_paragraphs_are_blank_line_separated_and_trimmed():
    text = "  First para\nstill first.\n\n \t\nSecond para.  \n\n\n Third."
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["First para\nstill first.", "Second para.", "Third."]


# UntrainedPunkt answers text_contains_sentbreak() by rule; NLTK's own method must agree.
def _nltk_punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(load_words("abbreviations.txt"))
    return PunktSentenceTokenizer(params)


_BEFORE = ["word", "Word", "Dr", "dr", "U.S", "e.g", "ex-Gov", "ex-word", "J", "j", "É", "ß", "12", "1.5",
           "-3", ",5", "3rd", "1990s", "(1999)", "word)", 'word"', "word”", "word'", "“Quote", "a.m", "x..",
           "…", "--", "*", "", "9–9", "Mr.-X"]
_ENDS = [".", "?", "!", "..", "...", ".)", '."', "?”", ". .", "!!"]
_GAPS = [" ", "  ", "\n", "\n\n", " \n ", "\t"]
_AFTER = ["The", "the", "12", ",", ";", ":", "(the", '"The', "“The", "É", "über", "A.", "a.", "…", "--", "-x",
          "The,", "He's", "U.S.", "?", "[1]", "Ötzi", "ǅ", "_x", "1.", "x.y."]


def test_untrained_punkt_decides_every_break_as_nltk_does():
    ours, theirs = UntrainedPunkt(load_words("abbreviations.txt")), _nltk_punkt()
    assert ours._fast  # with the NLTK installed, its own rules answer (else the rest proves nothing)
    contexts = [b + e + g + a for b in _BEFORE for e in _ENDS for g in _GAPS for a in _AFTER]
    differ = [c for c in contexts if ours._decide(c) != theirs.text_contains_sentbreak(c)]
    assert differ == []
    answers = {ours._decide(c) for c in contexts}
    assert answers == {True, False}


@pytest.mark.parametrize("change", [lambda self, token, following: True,  # decides otherwise
                                    lambda self, token, following: token.no_such_attribute])  # breaks
def test_untrained_punkt_falls_back_to_nltk_when_its_rules_stop_matching(monkeypatch, change):
    monkeypatch.setattr(UntrainedPunkt, "_ends_sentence", change)
    ours = UntrainedPunkt(load_words("abbreviations.txt"))
    assert not ours._fast
    text = "J. Bach wrote it. Dr. Smith said so in 1990. The end."
    assert list(ours.span_tokenize(text)) == list(_nltk_punkt().span_tokenize(text))


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list("aZé1.?!-,;:()\"'” \n…J")), max_size=30))
def test_untrained_punkt_agrees_with_nltk_on_any_text(text):
    ours, theirs = UntrainedPunkt(load_words("abbreviations.txt")), _nltk_punkt()
    assert ours._decide(text) == theirs.text_contains_sentbreak(text)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_untrained_punkt_splits_articles_as_nltk_does(path):
    text = path.read_text("utf-8")
    assert list(UntrainedPunkt(load_words("abbreviations.txt")).span_tokenize(text)) == \
        list(_nltk_punkt().span_tokenize(text))
