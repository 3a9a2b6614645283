"""Engine.ask's page, filters, "did you mean" and "answered": the facts the page and API render."""
from __future__ import annotations

import pytest

from search import filters, settings
from search.engine import Engine
from search.errors import BadQuery
from search.indexer import index_corpus
from search.models import Filters
from search.spelling import FIELD, correct_word
from support import make_corpus

STAR = "Who created the Star City spinoff?"
DATED = "002_1cb2b5dc35a71b71"  # the one bundled article with a date (2024-04-17)
UNDATED = "000_306199d81de9567f"


def _keys(response) -> list[tuple[str, int]]:
    return [(h.citation.doc_id, h.citation.start) for h in response.results]


def test_pages_continue_the_ranking_without_repeats(engine):
    whole = engine.ask("For All Mankind", k=15)
    pages = [engine.ask("For All Mankind", k=5, page=n) for n in (1, 2, 3)]
    assert [h.rank for p in pages for h in p.results] == list(range(1, 16))
    assert [k for p in pages for k in _keys(p)] == _keys(whole)
    assert [p.page for p in pages] == [1, 2, 3] and all(p.k == 5 for p in pages)


@pytest.fixture(scope="module")
def deep_engine(tmp_path_factory):
    """An index where a question matches more passages than one re-ranking block (30): the
    first stage puts 40 short notes ahead of 40 long reports that hold its words in one
    sentence, which the re-ranker prefers when it sees both."""
    root = tmp_path_factory.mktemp("deep")
    files = {}
    for n in range(40):
        files[f"note{n:02d}.txt"] = f"Note {n}\n\nComet crew {n}. Then we slept. Rocket {n}.\n"
        filler = " ".join(f"Day {d} of report {n} was quiet and calm." for d in range(12))
        files[f"report{n:02d}.txt"] = (f"Report {n}\n\n{filler} The comet crew rocket went well.\n")
    index_corpus(make_corpus(root / "c", files), root / "ix")
    eng = Engine(root / "ix")
    yield eng
    eng.close()


@pytest.mark.parametrize("k", [7, 10, 30])
def test_pages_past_the_rerank_block_neither_repeat_nor_skip(deep_engine, k):
    question = "comet crew rocket"
    whole = deep_engine.ask(question, k=50)
    assert len(whole.results) == 50
    pages = [deep_engine.ask(question, k=k, page=n) for n in range(1, -(-80 // k) + 1)]
    shown = [key for p in pages for key in _keys(p)]
    assert len(shown) == len(set(shown)) == 80  # each passage once
    assert [h.rank for p in pages for h in p.results] == list(range(1, 81))
    assert shown[:50] == _keys(whole)
    assert all(p.has_more for p in pages[:-1])


def test_has_more_is_false_on_the_last_page(engine):
    first = engine.ask("moon", k=1)
    count = len(engine.ask("moon", k=50).results)
    assert first.has_more == (count > 1)
    last = engine.ask("moon", k=1, page=count)
    assert len(last.results) == 1 and not last.has_more
    assert engine.ask("moon", k=1, page=count + 1).results == ()


@pytest.mark.parametrize("page", [0, -1, "x", "1.5", True, ""])
def test_bad_page_is_rejected(engine, page):
    with pytest.raises(BadQuery) as err:
        engine.ask("moon", page=page)
    assert err.value.code == "bad_page"


def test_pages_stop_at_max_results(engine):
    deepest = settings.get("max_results") // 10
    assert engine.ask("moon", k=10, page=deepest).page == deepest
    with pytest.raises(BadQuery, match="page must be a whole number from 1 to"):
        engine.ask("moon", k=10, page=deepest + 1)


def test_doc_filter_keeps_only_those_documents(engine):
    one = engine.ask("For All Mankind", k=50, doc=[UNDATED])
    assert one.results and {h.citation.doc_id for h in one.results} == {UNDATED}
    assert one.filters == Filters(doc=(UNDATED,))
    two = engine.ask("For All Mankind", k=50, doc=[UNDATED, DATED])
    assert {h.citation.doc_id for h in two.results} == {UNDATED, DATED}


def test_date_range_is_inclusive_and_leaves_undated_documents_out(engine):
    on_the_day = engine.ask("For All Mankind", k=50, date_from="2024-04-17", date_to="2024-04-17")
    assert on_the_day.results and {h.citation.doc_id for h in on_the_day.results} == {DATED}
    assert engine.ask("For All Mankind", date_from="2024-04-18").results == ()
    assert engine.ask("For All Mankind", date_to="2024-04-16").results == ()
    assert {h.citation.date for h in engine.ask("For All Mankind", k=50, date_to="2030-01-01").results} == {"2024-04-17"}


@pytest.mark.parametrize("kwargs, code", [
    ({"doc": ["no-such-doc"]}, "unknown_doc"),
    ({"doc": ["x" * 301]}, "bad_doc"),
    ({"doc": [f"d{i}" for i in range(21)]}, "bad_doc"),
    ({"doc": [7]}, "bad_doc"),
    ({"date_from": "2024-02-30"}, "bad_date"),
    ({"date_from": "yesterday"}, "bad_date"),
    ({"date_to": "2024-1-1"}, "bad_date"),
    ({"date_to": "20240101"}, "bad_date"),
    ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, "bad_date_range"),
])
def test_bad_filters_are_rejected(engine, kwargs, code):
    with pytest.raises(BadQuery) as err:
        engine.ask("moon", **kwargs)
    assert err.value.code == code and err.value.message


def test_blank_filters_mean_no_filter(engine):
    response = engine.ask("moon", doc=["", "  "], date_from="", date_to=" ")
    assert response.filters == Filters() and not response.filters
    assert filters.to_whoosh(Filters()) is None
    assert response.to_dict()["filters"] == {"doc": [], "date_from": None, "date_to": None}


def test_misspelled_words_get_a_suggestion_from_the_articles(engine):
    response = engine.ask("Who creatd the Star Cty spinof?")
    assert response.suggestion == "Who created the Star City spinoff?"
    assert engine.ask(response.suggestion).suggestion is None


def test_suggestion_keeps_case_and_leaves_known_words_alone(engine):
    assert engine.ask("SOVIET cosmonuats").suggestion == "SOVIET cosmonauts"
    assert engine.ask("Moskow forests").suggestion == "Moscow forests"
    assert engine.ask(STAR).suggestion is None
    assert engine.ask("qqqqqq zzzzzz").suggestion is None  # nothing near: no suggestion


def test_spell_field_holds_surface_words_not_stems(engine):
    reader = engine.index.searcher().reader()
    spell = {t.decode() for t in reader.lexicon(FIELD)}
    assert {"created", "cosmonauts", "television"} <= spell
    assert "creat" not in spell and "the" not in spell
    assert correct_word(reader, "created") is None and correct_word(reader, "televsion") == "television"


def test_a_covered_question_is_answered(engine):
    assert engine.ask(STAR).answered


def test_partly_matching_question_is_not_answered(engine):
    response = engine.ask("capital of France moon")
    assert response.results and not response.answered
    nothing = engine.ask("zebra xylophone")
    assert nothing.results == () and not nothing.answered


def test_answered_judges_the_best_passage_on_every_page(engine):
    assert engine.ask(STAR, k=2, page=2).answered == engine.ask(STAR, k=2).answered


def test_sources_list_documents_without_text_by_title(engine):
    sources = engine.sources()
    assert len(sources) == 3
    assert [s.title.casefold() for s in sources] == sorted(s.title.casefold() for s in sources)
    assert {s.doc_id: s.date for s in sources}[DATED] == "2024-04-17"
    assert len(engine.sources(limit=2)) == 2


def test_filters_follow_the_live_index(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"a/one.md": "---\ntitle: One\ndate: 2020-01-02\n---\nThe comet tail.\n",
                                          "b/two.md": "---\ntitle: Two\n---\nThe comet head.\n"})
    index_corpus(corpus, tmp_path / "ix")
    engine = Engine(tmp_path / "ix")
    try:
        assert [h.citation.doc_id for h in engine.ask("comet", doc="a/one").results] == ["a/one"]
        assert [h.citation.doc_id for h in engine.ask("comet", date_from="2020-01-01").results] == ["a/one"]
        assert engine.document("a/one").title == "One"
    finally:
        engine.close()


def test_suggestions_read_every_segment(tmp_path):
    from whoosh import index as whoosh_index

    from search.indexer import current_build
    from search.spelling import suggest
    corpus = make_corpus(tmp_path / "c", {"a.txt": "Comets\n\nThe comet tail glows.\n"})
    index_corpus(corpus, tmp_path / "ix")
    ix = whoosh_index.open_dir(str(current_build(tmp_path / "ix")))
    with ix.writer() as writer:
        writer.add_document(pid="b#0", doc_id="b", number=0, title="Nebulae", text="A nebula.", spell="nebula")
        writer.mergetype = __import__("whoosh.writing", fromlist=["NO_MERGE"]).NO_MERGE
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 2
        assert suggest("nebulla tail glowz", searcher.reader()) == "nebula tail glows"
    ix.close()


def test_a_word_the_search_finds_by_its_stem_is_not_corrected(engine):
    reader = engine.index.searcher().reader()
    spell = {t.decode() for t in reader.lexicon(FIELD)}
    # Of each pair the articles use only one form ("production" is missing); the other's stem is
    # indexed all the same, so a question with it already finds those passages.
    for word in ("production", "productions", "season", "seasons", "novel", "novels"):
        assert correct_word(reader, word) is None, (word, word in spell)
    assert engine.ask("What slowed down production of the new seasons?").suggestion is None
    assert engine.ask("Who creatd the Star Cty spinof?").suggestion == "Who created the Star City spinoff?"
