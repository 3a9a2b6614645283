"""fastscore must rank exactly like Whoosh's own BM25F search, segment by segment."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from whoosh import index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import Or, Term

from search.analysis import make_analyzer, terms
from search import kernels
from search.fastscore import FastScorer, segment_key, top_k

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad-dev-a.json"
K = 10


def make_schema() -> Schema:
    analyzer = make_analyzer()
    return Schema(
        pid=ID(stored=True, unique=True), doc_id=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        source=STORED, url=STORED, date=STORED, start=STORED, end=STORED)


def bundled_passages() -> list[dict]:
    """~40-word windows of the bundled corpus files, titled by their first line."""
    passages = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title, words = text.strip().splitlines()[0], text.split()
        for n in range(0, len(words), 40):
            passages.append({"doc_id": path.stem, "title": title, "text": " ".join(words[n:n + 40])})
    return passages


def squad_passages(limit: int = 160) -> tuple[list[dict], list[str]]:
    """The first SQuAD paragraphs and their questions, when the shared data is present."""
    if not SQUAD.exists():
        return [], []
    passages, questions = [], []
    for article in json.loads(SQUAD.read_text(encoding="utf-8"))["data"]:
        for para in article["paragraphs"]:
            passages.append({"doc_id": article["title"], "title": article["title"].replace("_", " "),
                             "text": para["context"]})
            questions.extend(qa["question"] for qa in para["qas"][:2])
    return passages[:limit], questions[: limit * 2]


@pytest.fixture(scope="module")
def corpus():
    passages, questions = squad_passages()
    passages = bundled_passages() + passages
    rng = random.Random(7)
    # Questions made of corpus words exercise common and rare terms alike.
    questions += [" ".join(rng.sample(p["text"].split(), min(8, len(p["text"].split()))))
                  for p in rng.sample(passages, 40)]
    return passages, questions


def add(writer, passages, start):
    for n, p in enumerate(passages, start):
        writer.add_document(pid=f"{p['doc_id']}#{n}", doc_id=p["doc_id"], title=p["title"],
                            text=p["text"], source=p["doc_id"], start=0, end=len(p["text"]))


def build(tmp_path, passages, parts=3):
    """An index written in several commits without merging, so it has several segments."""
    ix = index.create_in(str(tmp_path), make_schema())
    size = len(passages) // parts + 1
    for n in range(0, len(passages), size):
        writer = ix.writer()
        add(writer, passages[n:n + size], n)
        writer.commit(merge=False)
    return ix


def query_terms(question, boost=1.0):
    return [(f, t, boost) for t in terms(question) for f in ("text", "title")]


def whoosh_top(searcher, qterms, k=K):
    query = Or([Term(f, t, boost=b) for f, t, b in qterms])
    return [(hit.score, hit.docnum) for hit in searcher.search(query, limit=k)]


def assert_same_ranking(ours, theirs):
    assert len(ours) == len(theirs)
    for (s1, _), (s2, _) in zip(ours, theirs):
        assert s1 == pytest.approx(s2, rel=1e-9, abs=1e-9)
    if not theirs:
        return
    # Order is compared up to ties: documents tied with the last score may differ.
    last = theirs[-1][0]
    key = lambda hits: sorted((round(-s, 6), d) for s, d in hits if abs(s - last) > 1e-6)
    assert key(ours) == key(theirs)


def check_all(ix, questions, scorer, boost=1.0):
    with ix.searcher() as searcher:
        for question in questions:
            qterms = query_terms(question, boost)
            assert_same_ranking(scorer.search(searcher, qterms, K), whoosh_top(searcher, qterms))


def test_matches_whoosh_on_multiple_segments(tmp_path, corpus):
    passages, questions = corpus
    ix = build(tmp_path, passages)
    assert len(ix.reader().leaf_readers()) >= 3
    check_all(ix, questions, FastScorer())


def test_query_boost_and_duplicate_terms(tmp_path, corpus):
    passages, questions = corpus
    ix = build(tmp_path, passages)
    check_all(ix, questions[:30], FastScorer(), boost=1.7)
    check_all(ix, [q + " " + q for q in questions[:10]], FastScorer())


def test_deleted_documents_are_skipped(tmp_path, corpus):
    passages, questions = corpus
    ix = build(tmp_path, passages)
    scorer = FastScorer()
    check_all(ix, questions[:20], scorer)  # warm the caches before deleting
    writer = ix.writer()
    for n in range(0, len(passages), 5):
        writer.delete_by_term("pid", f"{passages[n]['doc_id']}#{n}")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
    check_all(ix, questions, scorer)


def test_reopened_reader_after_new_commits_and_merge(tmp_path, corpus):
    passages, questions = corpus
    half = len(passages) // 2
    ix = build(tmp_path, passages[:half], parts=2)
    scorer = FastScorer()
    check_all(ix, questions, scorer)
    writer = ix.writer()
    add(writer, passages[half:], half)
    writer.update_document(pid=f"{passages[0]['doc_id']}#0", doc_id="x", title="Replaced",
                           text="A replaced passage about the university of chicago")
    writer.commit(merge=False)
    check_all(ix, questions, scorer)
    ix.optimize()  # one merged segment: old segments' caches must not leak into scores
    check_all(ix, questions, scorer)
    assert len(scorer._segments) == 1
    assert {key[0] for key in scorer._frequencies} == set(scorer._segments)


def test_small_cache_gives_same_scores(tmp_path, corpus):
    passages, questions = corpus
    ix = build(tmp_path, passages)
    check_all(ix, questions[:40], FastScorer(max_cached_postings=50))
    scorer = FastScorer(max_cached_terms=5)
    check_all(ix, questions[:40], scorer)
    assert len(scorer._frequencies) == 5


def test_one_scorer_asked_in_turn_scores_like_a_fresh_one(tmp_path, corpus):
    """The scorer keeps one array of sums from question to question: after a question of common
    words (cleared whole) or of one rare word (cleared where it wrote), and after a filtered
    search, the next question's scores are those of a new scorer, to the last bit."""
    passages, questions = corpus
    ix = build(tmp_path, passages)
    scorer = FastScorer()
    with ix.searcher() as searcher:
        counts = {}
        for p in passages:
            for t in terms(p["text"]):
                counts[t] = counts.get(t, 0) + 1
        rare = [t for t, n in sorted(counts.items()) if n == 1][:10]
        assert rare
        asked = [q for pair in zip(questions[:10], rare) for q in pair]
        allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
        allowed[::2] = True
        for question in asked:
            qterms = query_terms(question)
            fresh = FastScorer().scores(searcher, qterms)
            assert np.array_equal(scorer.scores(searcher, qterms), fresh)
            assert scorer.search(searcher, qterms, K) == FastScorer().search(searcher, qterms, K)
            assert scorer.search(searcher, qterms, K, allowed) == top_k(np.where(allowed, fresh, 0.0), K)
            assert not scorer._sums.any() and not scorer._touched


def test_cached_frequencies_are_whooshs(tmp_path, corpus):
    passages, questions = corpus
    ix = build(tmp_path, passages, parts=2)
    scorer = FastScorer()
    check_all(ix, questions[:20], scorer)
    with ix.searcher() as searcher:
        leaves = {segment_key(leaf): leaf for leaf, _ in searcher.reader().leaf_readers()}
        assert len(leaves) == 2
        for (key, fieldname, btext), frequency in scorer._frequencies.items():
            assert frequency == leaves[key].doc_frequency(fieldname, btext)
            assert (frequency > 0) == ((fieldname, btext) in leaves[key])


def test_unknown_terms_and_empty_query(tmp_path, corpus):
    ix = build(tmp_path, corpus[0])
    with ix.searcher() as searcher:
        scorer = FastScorer()
        assert scorer.search(searcher, [("text", "zzzunknownzzz", 1.0)]) == []
        assert scorer.search(searcher, []) == []
        assert scorer.search(searcher, [("nofield", "x", 1.0)]) == []


def test_rejects_bad_arguments(tmp_path, corpus):
    ix = build(tmp_path, corpus[0][:10])
    with ix.searcher() as searcher:
        with pytest.raises(ValueError):
            FastScorer().search(searcher, [("text", "x", 1.0)], k=0)
        with pytest.raises(ValueError):
            FastScorer().search(searcher, [("pid", "x", 1.0)])
    with pytest.raises(ValueError):
        FastScorer(B=2.0)


def test_top_k_breaks_ties_by_docnum():
    import numpy as np
    scores = np.array([0.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    assert top_k(scores, 3) == [(2.0, 1), (2.0, 3), (1.0, 2)]
    assert top_k(np.zeros(4), 3) == []


@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.25]), max_size=60), st.integers(min_value=1, max_value=12))
def test_top_k_is_the_head_of_the_positive_scores_sorted(values, k):
    """Ties included: the heap keeps the lowest docnums of a tied score, as a sort would."""
    scores = np.array(values, dtype=np.float64)
    expected = sorted(((s, d) for d, s in enumerate(values) if s > 0), key=lambda p: (-p[0], p[1]))[:k]
    assert top_k(scores, k) == expected
    assert kernels.machine_code()["top_k"](scores, k)[0].tolist() == [d for _, d in expected]


def test_engine_first_stage_matches_whooshs_searcher(engine):
    """IndexHandle.search (numpy) ranks and scores like Whoosh's BM25F on the same plan."""
    from whoosh.scoring import BM25F

    from search import settings
    from search.query import plan

    weighting = BM25F(B=settings.get("bm25_b"), K1=settings.get("bm25_k1"))
    for question in ["Who created the Star City spinoff?", "Soviet space program secret city",
                     "Where can I stream For All Mankind?"]:
        query = plan(question)
        ours = engine.index.search(query.weighted_terms(), limit=8)
        with engine.index.searcher()._ix.searcher(weighting=weighting) as reference:
            theirs = reference.search(query.to_whoosh(), limit=8)
            assert [h.passage.fields["pid"] for h in ours] == [hit["pid"] for hit in theirs]
            assert [h.score for h in ours] == pytest.approx([hit.score for hit in theirs], rel=1e-9)
