"""The quick word finders give exactly what walking every word gives."""
import re
import sys

from hypothesis import HealthCheck, example, given, settings, strategies as st

from search.analysis import TOKEN_PATTERN, stem, words
from search import termcodes
from search.answers import _head, matched_spans, matched_spans_plain
from search.questions import read_question
from search.scan import _PLAIN, _TOKEN_AT, _lowers_to, all_tokens, tokens_by_head, whole_tokens

FAST = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
# Joiners, case oddities (dotted capital I lowers to two characters, the Kelvin sign to "k",
# final sigma), y read as i, digits, underscores, stop words and question words.
PIECES = ["moon", "Moon", "MOON", "moons", "Y", "dying", "dies", "İstanbul", "\u212aelvin", "kelvin", "ΟΔΟΣ", "Σ", "·",
          "u.s", "U.S.", "2.5", "show's", "show’s", "don’t", "o'neil", "_x", "x_", "a", "i", "the", "and", "who",
          ".", "'", "’", "..", ".'", " ", "-", ":", "\n", "é", "ß", "ﬁ", "Ⅻ", "٣"]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40).map("".join)


def test_lowers_to_holds_every_character_that_lowercases_to_a_plain_one():
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        lower = char.lower()
        if len(lower) == 1 and lower in _PLAIN:
            assert re.fullmatch(_lowers_to(lower), char), hex(point)
    assert re.fullmatch(_lowers_to("i"), "Y") and re.fullmatch(_lowers_to("i"), "y")


@FAST
@given(text)
def test_token_at_starts_exactly_where_finditer_starts_a_token(passage):
    spans = [m.span() for m in re.finditer(TOKEN_PATTERN, passage)]
    starts = [i for i in range(len(passage)) if _TOKEN_AT.match(passage, i)]
    assert starts == [s for s, _ in spans]
    assert all(_TOKEN_AT.match(passage, s).span() == (s, e) for s, e in spans)


@FAST
@given(text, text)
def test_matched_spans_equal_the_plain_walk(passage, question):
    terms = frozenset(stem(w) for w, _, _ in words(question)) | {"moon", "die", "u.s", "", "ΟΔΟΣ".lower()}
    assert matched_spans(passage, terms) == matched_spans_plain(passage, terms)


def test_tokens_by_head_is_a_superset_and_declines_unusual_heads():
    passage = "Dying moons, the U.S. moon-dust and Moonlight; amoon."
    found = [m.group() for m in tokens_by_head(passage, frozenset({"mo", "di", "u."}))]
    assert found == ["Dying", "moons", "U.S", "moon", "Moonlight"]
    assert tokens_by_head(passage, frozenset({"mö"})) is None
    assert tokens_by_head(passage, frozenset()) == []


@FAST
@given(text, text)
def test_whole_tokens_hold_what_findall_of_the_questions_pattern_finds(passage, question):
    q = read_question(question + " moon u.s show's x", {})
    lowered = passage.lower()
    if all_tokens(q.words):
        assert q.words & whole_tokens(lowered) == set(q.word_pattern.findall(lowered))
    else:
        assert not all(re.fullmatch(TOKEN_PATTERN, w) for w in q.words)


@FAST
@given(text)
@example("ΟΔΟΣ·Α")  # in the text, this sigma is not final: the lowercase's token is not the word's
def test_whole_word_codes_from_the_texts_own_words_are_those_of_its_lowercase(passage):
    assert termcodes.encode_whole_words(passage, words(passage)) == termcodes.encode_whole_words(passage)


def test_lowering_a_character_keeps_it_a_word_character_or_a_joiner_or_neither():
    """What lets termcodes.encode_whole_words cut a text's lowercase as the text is cut."""
    def kind(char):
        return (bool(re.fullmatch(r"\w", char)), char in ".'’")
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if len(char.lower()) == 1:
            assert kind(char) == kind(char.lower()), hex(point)


def test_whole_tokens_bounds():
    assert whole_tokens("moonlight u.s. show's.x .moon moon's") == {"moonlight", "u.s", "show's.x", "moon's"}
    assert whole_tokens("the moon, u.s, show's!") == {"the", "moon", "u.s", "show's"}
    assert whole_tokens("x.'moon 'moon' moon") == {"x", "moon"}  # after a joiner, no word stands whole
    assert not all_tokens(read_question("İstanbul", {}).words)  # lowercases to i + a combining dot
