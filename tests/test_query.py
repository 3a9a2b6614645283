"""Questions become plans of plain terms; odd input gives a plan or BadQuery, never another error."""
import pytest
from whoosh.filedb.filestore import RamStorage
from whoosh.query import NullQuery, Or, Term

from search import settings
from search.analysis import STOP_WORDS, stem, terms as analyzed_terms
from search.errors import BadQuery
from search.indexer import make_schema
from search.query import FIELDS, QUESTION_WORDS, clean, plan

ODD = [
    "title:*", "*a*", "[a TO z]", "moon~9/0", 'moon "unbalanced', "((moon", "moon)) OR (", "NOT", "NOT moon",
    "moon AND NOT rocket", "moon^5", "text:moon title:(rocket", "{a TO}", "'''", "\\", "a\\*b",
    "moon\x00rocket", "\x07bell\x1bescape\x7f", "crew 🚀🌕 moon", "👩‍🚀", "מה זה ירח?", "\u202eevil\u202c text",
    "ما هو القمر", "日本語の質問", "the of and", "who what when where why how", "Ünïcödé çrew",
    "\ud800 lone surrogate", "moon\u2028rocket\u0085crew", "x" * 200, "OR " * 300,
]


def check_whoosh(query_plan) -> None:
    """The built query is an Or of Term queries on text and title, one pair per plan term."""
    built = query_plan.to_whoosh()
    if not query_plan.terms:
        assert built is NullQuery
        return
    assert isinstance(built, Or)
    leaves = built.subqueries
    assert all(type(q) is Term for q in leaves)
    assert {(q.fieldname, q.text) for q in leaves} == {(f, t) for t in query_plan.terms for f in FIELDS}
    assert set(FIELDS) == {"text", "title"}


@pytest.mark.parametrize("question", ODD)
def test_odd_questions_give_a_plan_of_plain_terms(question):
    p = plan(question)
    assert p.question == clean(question)
    assert len(p.terms) == len(set(p.terms)) == len(p.words)
    assert set(p.terms) <= set(analyzed_terms(p.question))
    check_whoosh(p)


def test_odd_questions_run_on_a_real_index():
    ix = RamStorage().create_index(make_schema())
    with ix.writer() as w:
        w.add_document(pid="d#0", doc_id="d", number=0, title="Moon", text="The crew flew a rocket to the moon.",
                       source="d.txt", start=0, end=35)
    with ix.searcher() as searcher:
        assert len(searcher.search(plan("moon~9/0 title:*").to_whoosh())) == 1
        for question in ODD:
            searcher.search(plan(question).to_whoosh())


def test_syntax_characters_are_just_text():
    assert plan("title:*").terms == (stem("title"),)
    assert plan("moon~9/0").terms == ("moon", "9", "0")
    assert plan("[a TO z]").terms == ("z",)  # a and to are stop words
    assert plan("NOT").terms == ()
    assert plan('"moon (rocket').terms == ("moon", "rocket")


def test_control_characters_become_spaces():
    p = plan("moon\x00rocket\x1b\ncrew\u200f")
    assert p.question == "moon rocket crew"
    assert p.terms == ("moon", "rocket", "crew")


def test_emoji_and_rtl_text():
    assert plan("crew 🚀 moon").terms == ("crew", "moon")
    assert plan("מה זה ירח").terms == ("מה", "זה", "ירח")


def test_only_stop_and_question_words_give_no_terms():
    for question in ("the of and", "Who is it?", "what does it do", "How many?"):
        p = plan(question)
        assert p.terms == () and p.words == ()
        assert p.to_whoosh() is NullQuery


def test_question_words_and_stop_words_are_dropped():
    p = plan("Who created the Star City spinoff?")
    assert p.terms == (stem("created"), "star", stem("city"), "spinoff")
    assert p.words == ("created", "star", "city", "spinoff")
    assert not set(p.words) & (QUESTION_WORDS | STOP_WORDS)


def test_terms_are_distinct_in_question_order_with_first_surface_word():
    p = plan("Creating moons: created moon, creates MOON")
    assert p.terms == (stem("creating"), stem("moons"))
    assert p.words == ("creating", "moons")


def test_too_long_tokens_are_dropped():
    limit = settings.get("max_token_chars")
    assert plan(f"{'k' * (limit + 1)} moon {'k' * limit}").terms == ("moon", "k" * limit)


@pytest.mark.parametrize("question", [None, 5, 3.5, b"moon", ["moon"], {"q": "moon"}, True])
def test_non_text_is_a_bad_query(question):
    with pytest.raises(BadQuery) as info:
        plan(question)
    assert info.value.code == "bad_query"


@pytest.mark.parametrize("question", ["", " ", "\n\t ", "\x00", "\x00\x01\x02", "\u200b\u200f"])
def test_empty_question_is_a_bad_query(question):
    with pytest.raises(BadQuery) as info:
        plan(question)
    assert info.value.code == "empty_query"


def test_length_cap_is_exact():
    limit = settings.get("max_query_chars")
    assert plan("m" * limit)  # at the cap: accepted (the one token is dropped as too long)
    with pytest.raises(BadQuery) as info:
        plan("m" * (limit + 1))
    assert info.value.code == "query_too_long"


def test_length_is_measured_after_cleaning():
    limit = settings.get("max_query_chars")
    assert plan("moon" + " " * (limit * 3) + "rocket").terms == ("moon", "rocket")


def test_a_thousand_ors():
    limit = settings.get("max_query_chars")
    over = " OR ".join(["moon"] * 1001)
    assert len(over) > limit
    with pytest.raises(BadQuery) as info:
        plan(over)
    assert info.value.code == "query_too_long"
    under = " OR ".join(["moon"] * (limit // 8))  # "moon OR " is 8 characters
    assert len(under) <= limit
    p = plan(under)
    assert p.terms == ("moon",)
    check_whoosh(p)
    assert plan(("OR " * (limit // 3)).strip()).terms == ()


def test_terms_are_capped_at_the_setting():
    cap = settings.get("max_query_terms")
    words = [f"w{i}" for i in range(cap * 3)]
    p = plan(" OR ".join(words))
    assert p.terms == tuple(words[:cap])
    check_whoosh(p)


def test_term_cap_follows_the_setting(monkeypatch):
    real = settings.get
    monkeypatch.setattr(settings, "get", lambda name: 3 if name == "max_query_terms" else real(name))
    assert plan("alpha beta alpha gamma delta epsilon").terms == ("alpha", "beta", "gamma")
