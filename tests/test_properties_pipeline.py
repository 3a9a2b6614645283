"""Properties for any input along the pipeline (hypothesis): loaders never raise, passages and
answers slice back to their source, queries stay plain terms, highlights are always escaped.

tests/test_properties.py covers spans, sentences, plan() errors and highlight() on its own;
these follow the same text through the parts that hold it together.
"""
import html
import re

from hypothesis import HealthCheck, given, settings, strategies as st
from whoosh import query as wq

from search import loaders, settings as engine_settings
from search.chunking import chunk_document
from search.corpus import decode
from search.errors import BadQuery
from search.models import Document
from search.query import FIELDS, plan

FAST = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

PIECES = ["moon", "Crew", "U.S.", "Dr.", "said", "the", "don’t", "2.5", " ", "  ", "\n", "\n\n", ". ", "? ", "“",
          "”", '"', "'", "…", "- ", "*", ",", "\u00a0", "\u2028", "\x85", "\r", "\x00", "é", "İ", "🚀",
          "مرحبا",
          "<b>", "</p>", "&amp;", "&#0;", "<script>", "{", "}", '{"id": 1', "\u200b", "---\n", "# ", "x" * 60]
prose = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=150).map("".join)
any_text = st.text(max_size=500) | prose
TAG = re.compile(r"</?mark>")


@FAST
@given(any_text)
def test_every_parser_takes_any_text(text):
    for parse in (loaders.parse_txt, loaders.parse_md, loaders.parse_html):
        parsed = parse(text)
        assert isinstance(parsed.text, str) and isinstance(parsed.title, str)
        assert parsed.url is None or parsed.url.lower().startswith(("http://", "https://"))
    records, problems = loaders.parse_jsonl(text)
    assert all(isinstance(r.text, str) for r in records) and all(p.startswith("line ") for p in problems)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_decode_to_text_a_database_can_hold(data):
    text, replaced = decode(data)
    text.encode("utf-8")  # no lone surrogates
    assert "\r" not in text and replaced >= 0
    if replaced == 0 and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        assert text == data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


@FAST
@given(any_text, st.integers(1, 80))
def test_clipped_words_are_bounded_and_clipping_again_changes_nothing(text, limit):
    clipped, cut = loaders.clip_words(text, limit)
    assert all(len(run) <= limit + 1 for run in clipped.split())
    assert (cut == 0) == (clipped == text)
    assert loaders.clip_words(clipped, limit + 1) == (clipped, 0)


@FAST
@given(any_text, st.sampled_from([(140, 220), (10, 20), (10, 10)]))
def test_passages_of_any_document_slice_back_with_their_sentences(text, sizes):
    doc = Document(doc_id="d", title="t", text=text, source="s")
    passages = chunk_document(doc, *sizes)
    assert [p.number for p in passages] == list(range(len(passages)))
    assert len({p.passage_id for p in passages}) == len(passages)
    end = 0
    for p in passages:
        assert end <= p.start < p.end <= len(text) and p.text == text[p.start:p.end]
        for s, e in p.sentences:
            assert 0 <= s < e <= len(p.text) and p.text[s:e].strip() == p.text[s:e]
        end = p.end


def _leaves(q):
    children = getattr(q, "subqueries", None)
    return [leaf for c in children for leaf in _leaves(c)] if children else [q]


@FAST
@given(any_text | st.sampled_from(["title:* OR text:[a TO z]", "moon~2 te?t* \"a b\"^9", "NOT (x AND y)"]))
def test_queries_are_plain_terms_whatever_the_question(question):
    try:
        p = plan(question)
    except BadQuery:
        return
    q = p.to_whoosh()
    if not p.terms:
        assert q is wq.NullQuery
        return
    leaves = _leaves(q)
    assert all(type(leaf) is wq.Term and leaf.fieldname in FIELDS for leaf in leaves)
    assert {leaf.text for leaf in leaves} == set(p.terms)
    assert len(p.terms) <= engine_settings.get("max_query_terms")
    assert all(len(w) <= engine_settings.get("max_token_chars") for w in p.words)


@SLOW
@given(st.text(max_size=120) | prose | st.sampled_from(["moon", "Star City spinoff", "Apple TV+ <b>head</b>"]))
def test_answers_and_highlights_for_any_question_slice_back_and_are_escaped(engine, question):
    try:
        response = engine.ask(question, k=5)
    except BadQuery:
        return
    for hit in response.results:
        assert TAG.sub("", hit.highlight).count("<") == 0
        assert html.unescape(TAG.sub("", hit.highlight)) == hit.text
        doc = engine.document(hit.citation.doc_id)
        assert doc.text[hit.citation.start:hit.citation.end] == hit.text
        assert doc.text[hit.answer.start:hit.answer.end] == hit.answer.text
        assert all(0 <= s < e <= len(hit.text) for s, e in hit.marks)
