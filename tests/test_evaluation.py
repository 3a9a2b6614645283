"""Metrics, loaders, runner and table of search/evaluation.py on small hand-made data."""
from __future__ import annotations

import json

import pytest

from search import evaluation, metrics
from search.evaluation import Question, Report
from search.metrics import Latency, PassageStats, Ranked
from search.models import Answer, Citation, Hit, SearchResponse


@pytest.mark.parametrize("raw, expected", [
    ("The Cat", "cat"),
    ("  A  quick,   brown fox. ", "quick brown fox"),
    ("an apple and THE pear", "apple and pear"),
    ("theater", "theater"),  # articles only as whole words
    ("Ronald D. Moore", "ronald d moore"),
    ("Apple TV+", "apple tv"),
    ("Denver Broncos' defense", "denver broncos defense"),
    ("a-ha", "aha"),  # punctuation is deleted, not turned into a space
    ("1,000", "1000"),
    ("“quoted”", "“quoted”"),  # only ASCII punctuation, as in the official script
    ("", ""),
])
def test_normalize_matches_official_squad(raw, expected):
    assert metrics.normalize(raw) == expected


def test_gold_forms_drop_answers_that_normalize_to_nothing():
    assert metrics.gold_forms(["The", "...", "Saint Bernadette", "saint bernadette."]) == ("saint bernadette",)


def test_contains_answer_after_normalization():
    assert metrics.contains_answer("Built by the Romans, in 1,000 BC.", ("1000 bc",))
    assert not metrics.contains_answer("Built by the Romans.", ("greeks",))
    assert not metrics.contains_answer(None, ("x",))


def _ranking(*texts, doc="d", sentence=None, source=None):
    return [Ranked(t, doc, sentence if i == 0 else None, source) for i, t in enumerate(texts)]


# Three questions: answered at rank 1, at rank 3, and never.
QUESTIONS = [
    Question("q1", "Who?", ("Alice",), "d1"),
    Question("q2", "What?", ("red apple",), "d2"),
    Question("q3", "When?", ("1999",), "d3"),
]
RANKINGS = [
    [Ranked("Alice went out.", "d1", "Alice went out."), Ranked("x", "d2")],
    [Ranked("a pear", "d9", "a pear"), Ranked("a fig", "d2"), Ranked("The red apple.", "d2")],
    [Ranked("nothing", "d3", "nothing")],
]
GOLDS = [metrics.gold_forms(q.answers) for q in QUESTIONS]


def test_first_answer_rank():
    assert [metrics.first_answer_rank(r, g) for r, g in zip(RANKINGS, GOLDS)] == [1, 3, None]


def test_recall_curve_and_mrr():
    firsts = [1, 3, None]
    assert metrics.recall_curve(firsts, 4) == pytest.approx((1 / 3, 1 / 3, 2 / 3, 2 / 3))
    assert metrics.mrr(firsts) == pytest.approx((1 + 1 / 3) / 3)
    assert metrics.mrr([11, 2], cutoff=10) == pytest.approx(0.25)
    assert metrics.recall_curve([], 2) == (0.0, 0.0)


def test_article_and_answer_sentence_at_1():
    assert metrics.article_at_1(RANKINGS, [q.doc_id for q in QUESTIONS]) == pytest.approx(2 / 3)
    assert metrics.article_at_1(RANKINGS, [None, None, None]) is None
    assert metrics.answer_sentence_at_1(RANKINGS, GOLDS) == pytest.approx(1 / 3)
    no_sentences = [[Ranked(r[0].text, r[0].doc_id)] for r in RANKINGS]
    assert metrics.answer_sentence_at_1(no_sentences, GOLDS) is None


def test_cited_right_needs_answer_and_named_source():
    rankings = [
        _ranking("wrong file has Alice", "Alice again", source="docs/b.txt")[:1]
        + [Ranked("Alice again", "a", None, "docs/a.txt")],
        _ranking("no answer here", source="a.md"),
    ]
    golds = [("alice",), ("alice",)]
    curve = metrics.cited_right_curve(rankings, golds, [("a",), ("a",)], 3)
    assert curve == pytest.approx((0.0, 0.5, 0.5))


def test_passage_stats_and_percentiles():
    assert metrics.passage_stats(["one two", "one two three four", ""]) == PassageStats(3, 2.0, 4)
    assert metrics.percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert metrics.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert metrics.latency([0.001, 0.003]) == Latency(pytest.approx(2.0), pytest.approx(2.9))


def _hit(rank, text, doc_id, sentence):
    citation = Citation(doc_id, doc_id.title(), f"{doc_id}.txt", None, None, 0, len(text))
    return Hit(rank, 1.0 / rank, text, Answer(sentence, 0, len(sentence)), text, citation)


def test_evaluate_with_engine_style_responses():
    corpus = {"Who?": [("Alice went out.", "d1")], "What?": [("a pear", "d9"), ("The red apple.", "d2")],
              "When?": []}
    calls = []

    def ask(question, k):
        calls.append(k)
        hits = tuple(_hit(i, t, d, t) for i, (t, d) in enumerate(corpus[question], 1))
        return SearchResponse(question, 1.0, hits)

    report = evaluation.evaluate(ask, QUESTIONS, ks=[2, 1], progress=False, name="fake",
                                 passages=["a b", "c d e f"], build_seconds=0.5)
    assert calls == [2, 2, 2]
    assert report.ks == (1, 2)
    assert report.recall == pytest.approx((1 / 3, 2 / 3))
    assert report.mrr_at_10 == pytest.approx((1 + 1 / 2) / 3)
    assert report.article_at_1 == pytest.approx(1 / 3)
    assert report.answer_sentence_at_1 == pytest.approx(1 / 3)
    assert report.cited_right is None  # SQuAD-style questions name no sources
    assert report.passages == PassageStats(2, 3.0, 4)
    assert report.latency.p95_ms >= report.latency.p50_ms >= 0
    json.dumps(report.to_dict())


def test_evaluate_pairs_cited_right_and_annotate():
    questions = [Question("s1", "Who?", ("Alice",), sources=("a",))]

    def ask(question, k):
        return [("Bob", "b"), Ranked("Alice", "a", None, "corpus/a.txt")]

    def annotate(question, ranked):
        return [Ranked(r.text, r.doc_id, "Bob", r.source) for r in ranked]

    report = evaluation.evaluate(ask, questions, ks=[1, 2], progress=False, annotate=annotate)
    assert report.recall == (0.0, 1.0)
    assert report.cited_right == (0.0, 1.0)
    assert report.article_at_1 is None
    assert report.answer_sentence_at_1 == 0.0
    assert report.to_dict()["cited_right"] == {"1": 0.0, "2": 1.0}


@pytest.mark.parametrize("ks", [[], [0], [1, -5], [2.5]])
def test_bad_ks_are_rejected(ks):
    with pytest.raises(ValueError):
        evaluation.evaluate(lambda q, k: [], QUESTIONS, ks=ks, progress=False)


def test_load_squad_and_gold_paragraphs(tmp_path):
    data = {"version": "1.1", "data": [
        {"title": "Super_Bowl_50", "paragraphs": [
            {"context": "Super Bowl 50 was a game.", "qas": [
                {"id": "a1", "question": "What was it?", "answers": [
                    {"text": "a game", "answer_start": 18}, {"text": "a game", "answer_start": 18},
                    {"text": "game", "answer_start": 20}]}]},
            {"context": "It was played in 2016.", "qas": []}]},
        {"title": "Warsaw", "paragraphs": [
            {"context": "Warsaw is a city.", "qas": [
                {"id": "b1", "question": "What is Warsaw?", "answers": [{"text": "a city", "answer_start": 10}]}]}]},
    ]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), "utf-8")
    documents, questions = evaluation.load_squad(path)
    assert [d.doc_id for d in documents] == ["Super_Bowl_50", "Warsaw"]
    assert documents[0].title == "Super Bowl 50"
    assert documents[0].source == "Super_Bowl_50"
    assert documents[0].text == "Super Bowl 50 was a game.\n\nIt was played in 2016."
    assert questions == [Question("a1", "What was it?", ("a game", "game"), "Super_Bowl_50"),
                         Question("b1", "What is Warsaw?", ("a city",), "Warsaw")]
    assert evaluation.gold_paragraphs(path) == [
        ("Super_Bowl_50", "Super Bowl 50 was a game."), ("Super_Bowl_50", "It was played in 2016."),
        ("Warsaw", "Warsaw is a city.")]


def test_load_questions_jsonl(tmp_path):
    path = tmp_path / "seed.jsonl"
    path.write_text('{"id": "seed-01", "question": "Who?", "answers": ["A", "B"], "sources": ["000_x"]}\n\n', "utf-8")
    assert evaluation.load_questions_jsonl(path) == [Question("seed-01", "Who?", ("A", "B"), None, ("000_x",))]


def _report(name, p50, sentence=None):
    return Report(name=name, questions=3, ks=(1, 5), recall=(0.5, 0.6, 0.7, 0.8, 0.9), mrr_at_10=0.61,
                  article_at_1=0.75, answer_sentence_at_1=sentence, cited_right=None,
                  latency=Latency(p50, p50 * 2), passages=PassageStats(10, 99.6, 180), build_seconds=1.234)


def test_markdown_table():
    table = evaluation.markdown_table([_report("ours", 2.0, 0.4), _report("peer", 1.0)])
    lines = table.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[:4] == ["System", "R@1", "R@5", "article@1"]
    assert "p95 ms" in header
    assert lines[1].startswith("|---|---:")
    ours = [c.strip() for c in lines[2].strip("|").split("|")]
    peer = [c.strip() for c in lines[3].strip("|").split("|")]
    assert ours[:7] == ["ours", "0.500", "0.900", "0.750", "0.610", "0.400", "n/a"]
    assert peer[5] == "n/a"  # no answer sentence
    assert ours[7:10] == ["100/180", "1.23", "2.00 (×1.00)"]
    assert peer[9] == "1.00 (×0.50)"
    assert "Questions: 3" in table
    assert evaluation.markdown_table([]) == ""


def test_markdown_table_chooses_ks():
    table = evaluation.markdown_table([_report("ours", 1.0)], ks=[2])
    assert "| R@2 |" in table and "| R@1 |" not in table
    assert "| 0.600 |" in table
