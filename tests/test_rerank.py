"""The re-ranker's features and ordering, on small made-up candidates (pure functions)."""
import dataclasses
import json
import os
import subprocess
import sys
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from search import settings as engine_settings
from search.analysis import STOP_WORDS, stem, words
from search.questions import offers_kind, read_question
from search.kernels import WINDOW
from search.rerank import FEATURES, WEIGHTS, Candidate, _weigh, best_sentence, feature_rows, rerank
from search.sentences import sentence_spans
from search.termcodes import term_code
from tests.support import candidate as make_candidate

ROOT = Path(__file__).parent.parent


def candidate(text: str, score: float = 1.0, doc_id: str = "d"):
    spans = sentence_spans(text)
    terms = tuple(tuple(stem(w) for w, _, _ in words(text[s:e]) if w not in STOP_WORDS) for s, e in spans)
    return make_candidate(score, doc_id, text, tuple(spans), terms, {})


def question(text: str, weights: dict[str, float] | None = None):
    terms = [stem(w) for w, _, _ in words(text) if w not in STOP_WORDS]
    return read_question(text, weights or {t: 1.0 for t in terms if t not in ("when", "who", "what")})


def values(q, cand, top: float | None = None, doc_best: float | None = None) -> dict[str, float]:
    """The candidate's features among others that set the best first-stage score (top) and
    its document's best (doc_best)."""
    others = [Candidate(score, dataclasses.replace(cand.passage, doc_id=doc_id, fields={}))
              for score, doc_id in ((top, "top"), (doc_best, cand.doc_id)) if score is not None]
    row, _ = feature_rows(q, [cand, *others])[0]
    return dict(zip(FEATURES, row))


def test_weighted_sum_does_not_depend_on_the_order_of_the_terms():
    q = question("alpha beta gamma", {"alpha": 0.1, "beta": 0.2, "gamma": 0.3})
    orders = list(permutations(["alpha", "beta", "gamma"]))
    assert len({sum(q.weights[t] for t in order) for order in orders}) > 1  # plain float sums differ
    assert len({_weigh(q, order) for order in orders}) == 1


def test_coverage_sentence_and_proximity_reward_the_question_words_together():
    q = question("comet tail glows")
    together = candidate("The comet tail glows at night. Nothing else here.")
    apart = candidate("The comet is far away from us today, beyond Jupiter and Saturn. Its long tail is dusty "
                      "and faint, seen only through large telescopes in remote deserts. The whole sky glows.")
    near, far = values(q, together), values(q, apart)
    assert near["coverage"] == far["coverage"] == 1.0
    assert near["sentence"] == near["proximity"] == 1.0
    assert far["sentence"] == pytest.approx(1 / 3) and far["proximity"] < 1.0
    assert near["bigrams"] == 1.0 and far["bigrams"] == 0.0
    assert far["two_sentences"] == pytest.approx(2 / 3)


@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "x", "y", "z"]), max_size=40))
@example(["alpha"] + ["x"] * (WINDOW - 1) + ["beta"])  # one term too far apart for a window
@example(["alpha"] + ["x"] * (WINDOW - 2) + ["beta"])  # just within one
def test_proximity_is_the_best_window_of_consecutive_terms(seq):
    q = question("alpha beta gamma delta", {"alpha": 0.1, "beta": 0.2, "gamma": 0.3, "delta": 0.7})
    windows = [seq[i:i + WINDOW] for i in range(max(1, len(seq)))]
    best = max(_weigh(q, {t for t in window if t in q.weights}) for window in windows)
    assert values(q, make_candidate(1.0, "d", "x", ((0, 1),), [seq], {}))["proximity"] == best


def test_a_questions_terms_fit_the_bits_of_an_int64():
    """The re-ranker ORs term bits in int64 arrays: the query-term cap must leave room."""
    assert engine_settings.get("max_query_terms") <= 63
    q = read_question("q", {f"t{n}": 1.0 for n in range(engine_settings.get("max_query_terms"))})
    assert q.code_lookup[1].max() < 2**63 and max(q.term_bits.values()) < 2**63


def test_weigh_bits_is_weigh_of_the_same_terms():
    q = question("alpha beta gamma delta", {"alpha": 0.1, "beta": 0.2, "gamma": 0.3, "delta": 0.7})
    terms = list(q.weights)
    for bits in range(1 << len(terms)):
        chosen = {t for n, t in enumerate(terms) if bits >> n & 1}
        assert q.weigh_bits(bits) == _weigh(q, chosen)


@given(st.lists(st.floats(min_value=0, max_value=1e6) | st.sampled_from([0.0, 1e-300, 5e-324, 1e300]),
                min_size=1, max_size=10))
@example([0.5, 1.25, 3.0])  # integer sums: the fixed-point way
@example([1e-300, 1e300])  # too far apart for an int64: weigh_bits() one by one
@example([1e-310, 3e-320])  # below the normal floats: the same
@example([1.0, 1000.0, 1000.0, 1000.0])  # each fits, their sum would not
def test_weigh_sets_is_weigh_bits_of_every_set(weights):
    q = read_question("q", {f"t{n}": w for n, w in enumerate(weights)})
    sets = np.arange(1 << len(weights), dtype=np.int64)
    assert q.weigh_sets(sets).tolist() == [q.weigh_bits(b) for b in sets.tolist()]
    if weights in ([0.5, 1.25, 3.0],):
        assert q._fixed_point is not None
    if weights in ([1e-300, 1e300], [1e-310, 3e-320], [1.0, 1000.0, 1000.0, 1000.0]):
        assert q._fixed_point is None


def plain_best_sentence(q, cand, covers: list[float]) -> int:
    """The best sentence by its definition (rerank.best_sentence); -1 without sentences."""
    def merit(i):
        text = cand.text[slice(*cand.sentences[i])]
        return covers[i] + 0.1 * offers_kind(q.kind, text, q.words) - 0.2 * text.rstrip().endswith("?"), -i
    near = [i for i, cover in enumerate(covers) if cover >= max(covers) - 0.2]
    return max(near, key=merit, default=-1)


_VOCABULARY = ["alpha", "beta", "gamma", "delta", "x", "y", "1969", "Moon"]  # a date and a name, for kind


def _text(sentences: list[tuple[list[str], str]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The passage text of (terms, end mark) sentences, and each sentence's span."""
    text, spans = "", []
    for terms, mark in sentences:
        start = len(text) + (1 if text else 0)
        text = f"{text} {' '.join(terms)}{mark}" if text else f"{' '.join(terms)}{mark}"
        spans.append((start, len(text)))
    return text, tuple(spans)


passage = st.lists(st.tuples(st.lists(st.sampled_from(_VOCABULARY), max_size=12), st.sampled_from([".", "?"])),
                   max_size=6)


@given(st.lists(passage, min_size=1, max_size=4),
       st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=6),
       st.dictionaries(st.sampled_from(_VOCABULARY), st.sampled_from([0.1, 0.2, 0.3, 0.7, 1.3]), min_size=1),
       st.sampled_from(["q", "When q", "Who q", "How many q"]))
def test_term_features_are_their_plain_definitions(passages, question_terms, weights, asked):
    """The re-ranker finds every candidate's question terms at once, by codes, bits and
    positions; each candidate's features must still be their definitions over its own sets of
    terms (bigram terms need not be weighted ones)."""
    base = read_question(asked, weights)
    q = dataclasses.replace(base, bigrams=frozenset(zip(question_terms, question_terms[1:])))
    cands = [make_candidate(1.0, f"d{n}", *_text(sentences), [terms for terms, _ in sentences], {})
             for n, sentences in enumerate(passages)]
    for cand, sentences, (row, best) in zip(cands, passages, feature_rows(q, cands)):
        got = dict(zip(FEATURES, row))
        hits = [{t for t in terms if t in q.weights} for terms, _ in sentences]
        covers = [_weigh(q, h) for h in hits]
        assert best == best_sentence(q, cand) == plain_best_sentence(q, cand, covers)
        kind_text = cand.text[slice(*cand.sentences[best])] if best >= 0 else cand.text
        assert got["kind"] == float(offers_kind(q.kind, kind_text, q.words))
        seq = [t for terms, _ in sentences for t in terms]
        assert got["coverage"] == _weigh(q, set().union(*hits))
        assert got["sentence"] == max(covers, default=0.0)
        assert got["two_sentences"] == max((_weigh(q, a | b) for a, b in zip(hits, hits[1:]) if a or b), default=0.0)
        windows = [seq[i:i + WINDOW] for i in range(max(1, len(seq)))]
        assert got["proximity"] == max(_weigh(q, {t for t in w if t in q.weights}) for w in windows)
        found = q.bigrams & set(zip(seq, seq[1:]))
        assert got["bigrams"] == (len(found) / len(q.bigrams) if q.bigrams else 0.0)
        assert got["density"] == max((c * min(1.0, 8 / len(terms)) for c, (terms, _) in zip(covers, sentences) if c),
                                     default=0.0)


def test_coverage_is_weighted_by_the_question_terms_weights():
    q = question("rare common", {"rare": 3.0, "common": 1.0})
    assert values(q, candidate("Only the rare word."))["coverage"] == pytest.approx(0.75)
    assert values(q, candidate("Only the common word."))["coverage"] == pytest.approx(0.25)


def test_exact_counts_unstemmed_words_only():
    q = question("running dogs")
    assert values(q, candidate("The dogs were running."))["exact"] == 1.0
    stemmed = values(q, candidate("The dog runs."))
    assert stemmed["exact"] == 0.0 and stemmed["coverage"] == 1.0


def test_kind_asks_for_a_date_in_the_best_sentence():
    q = question("When was the bridge opened?")
    assert q.kind == "date"
    assert values(q, candidate("The bridge was opened in 1937."))["kind"] == 1.0
    assert values(q, candidate("The bridge was opened by the mayor."))["kind"] == 0.0


def test_first_stage_evidence_is_relative_to_the_best_candidate():
    q = question("bridge")
    v = values(q, candidate("A bridge.", score=2.0), top=4.0, doc_best=3.0)
    assert v["bm25"] == 0.5 and v["doc_best"] == 0.75


def test_rerank_puts_the_passage_that_answers_first_and_keeps_ties_in_first_stage_order():
    q = question("comet tail glows")
    scattered = candidate("The comet is far away from us today. Its long tail is dusty. The whole sky glows.",
                          score=1.0, doc_id="a")
    together = candidate("The comet tail glows at night.", score=0.9, doc_id="b")
    twin = candidate("The comet tail glows at night.", score=0.9, doc_id="c")
    ranked = rerank(q, [scattered, together, twin])
    assert [r.candidate.doc_id for r in ranked] == ["b", "c", "a"]
    assert ranked[0].score == ranked[1].score and ranked[0].best == 0  # best sentence index


def test_each_score_is_the_sum_of_its_weighted_features_in_order_to_the_last_bit():
    """rerank() adds the weighted features up with numpy; the sum must be Python's sum() of the
    row's products, in FEATURES order, bit for bit (the reference dumps rely on it)."""
    weights = {t: w for t, w in zip("alpha beta gamma delta epsilon".split(), (0.13, 0.29, 1.7, 0.71, 2.3))}
    q = question("alpha beta gamma delta epsilon", weights)
    texts = ["alpha beta gamma delta. epsilon gamma beta.", "epsilon delta gamma beta alpha.", "Nothing here.",
             "Gamma? Alpha beta. Delta epsilon alpha gamma beta delta epsilon."]
    cands = [candidate(text, score=1.0 / (n + 3), doc_id=f"d{n % 3}") for n, text in enumerate(texts)]
    rows = feature_rows(q, cands)
    by_id = {id(c): sum(WEIGHTS[name] * value for name, value in zip(FEATURES, row))
             for c, (row, _) in zip(cands, rows)}
    ranked = rerank(q, cands)
    assert [r.score for r in ranked] == [by_id[id(r.candidate)] for r in ranked]
    assert len({r.score for r in ranked}) == len(cands)


_SCORES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.test_rerank import candidate, question
from search.rerank import rerank
weights = {t: w for t, w in zip("alpha beta gamma delta epsilon".split(), (0.1, 0.2, 0.3, 0.7, 1.3))}
q = question("alpha beta gamma delta epsilon", weights)
cands = [candidate("alpha beta gamma delta. epsilon gamma beta.", doc_id="x"),
         candidate("epsilon delta gamma beta alpha.", doc_id="y")]
print(json.dumps([repr(r.score) for r in rerank(q, cands)]))
"""


def test_scores_are_the_same_in_every_process():
    """A set's order follows the process's string hashing; the scores (and so the order of
    near ties, and pages served by different web workers) must not."""
    outputs = set()
    for seed in range(6):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run([sys.executable, "-c", _SCORES, str(ROOT)], env=env, capture_output=True,
                              text=True, timeout=60, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs
    assert len(json.loads(outputs.pop())) == 2


def test_each_ranked_candidate_knows_where_it_holds_the_weighted_terms():
    q = question("comet tail glows brightly", {"comet": 1.0, "tail": 0.5, "glow": 2.0})
    cands = [candidate("The comet is far away. Its tail is long, a comet tail. Nothing else.", doc_id="a"),
             candidate("Nothing of the sort here.", doc_id="b"),
             candidate("It glows; the sky glows. A comet.", doc_id="c")]
    wanted = {term_code(t) for t in q.weights}
    ranked = rerank(q, cands)
    assert {r.candidate.doc_id for r in ranked} == {"a", "b", "c"}
    for r in ranked:
        codes = r.candidate.codes.tolist()
        assert r.matched.tolist() == [i for i, code in enumerate(codes) if code in wanted]
    assert [len(r.matched) for r in sorted(ranked, key=lambda r: r.candidate.doc_id)] == [4, 0, 3]
