"""The re-ranker's kernels: compiled by numba, they give the numbers of their Python, to the last bit."""
import logging

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from search import kernels
from tests.test_passages import QUESTIONS


KNOWN = 8  # codes of the question's terms in the made-up candidates


@st.composite
def chained(draw):
    """Made-up candidates' terms and sentence lengths, chained: found_at()'s answer for them
    (of KNOWN known codes), a term bit per known code (0 for some) and a bigram place (-1 for
    some), the sentences' lengths, and each candidate's first sentence and term."""
    candidates = draw(st.lists(st.lists(st.integers(0, 14), max_size=6), max_size=6))
    lengths = np.array([n for sentences in candidates for n in sentences], dtype=np.int64)
    sent_first = np.cumsum([0] + [len(s) for s in candidates], dtype=np.int64)
    code_first = np.cumsum([0] + [sum(s) for s in candidates], dtype=np.int64)
    total = int(code_first[-1])
    found = np.array(sorted(draw(st.sets(st.integers(0, max(total - 1, 0)), max_size=total))), dtype=np.int64)
    index = np.array([draw(st.integers(0, KNOWN - 1)) for _ in found], dtype=np.int64)
    term_bits = np.array([draw(st.sampled_from([0, 1 << n])) for n in range(KNOWN)], dtype=np.int64)
    places = np.array([draw(st.integers(-1, 3)) for _ in range(KNOWN)], dtype=np.int64)
    return found, index, term_bits, places, lengths, sent_first, code_first


def same(a, b) -> bool:
    """The same arrays, bit for bit (a tuple of them likewise)."""
    if isinstance(a, tuple):
        return len(a) == len(b) and all(map(same, a, b))
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def compiled(name):
    return kernels.machine_code()[name]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), unique=True, max_size=40), st.data())
def test_found_at_compiled_is_its_python_and_finds_each_known_code(known, data):
    codes = data.draw(st.lists(st.sampled_from(known) | st.integers(0, 2**64 - 1) if known
                               else st.integers(0, 2**64 - 1), max_size=60))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(codes)), max_size=5)))
    args = (np.array(codes, dtype=np.uint64), np.array([0, *cuts, len(codes)], dtype=np.int64),
            np.array(known, dtype=np.uint64))
    positions, index, counts = answer = kernels.PLAIN["found_at"](*args)
    assert same(compiled("found_at")(*args), answer)
    assert positions.tolist() == [i for i, code in enumerate(codes) if code in known]
    assert [known[j] for j in index.tolist()] == [codes[i] for i in positions.tolist()]
    bounds = args[1].tolist()
    assert counts.tolist() == [sum(code in known for code in codes[a:b]) for a, b in zip(bounds, bounds[1:])]


@settings(max_examples=300, deadline=None)
@given(chained(), st.data())
def test_term_sets_and_values_compiled_are_their_python(arrays, data):
    found, index, term_bits, _, lengths, sent_first, code_first = arrays
    args = (found, index, term_bits, lengths, sent_first, code_first)
    sets = kernels.PLAIN["term_sets"](*args)
    assert same(compiled("term_sets")(*args), sets)
    weights = np.array(data.draw(st.lists(st.floats(0, 50), min_size=len(sets[0]), max_size=len(sets[0]))),
                       dtype=np.float64)
    assert same(compiled("term_values")(weights, lengths, sent_first, sets[2]),
                kernels.PLAIN["term_values"](weights, lengths, sent_first, sets[2]))


@settings(max_examples=300, deadline=None)
@given(chained(), st.data())
def test_bigram_counts_compiled_are_their_python(arrays, data):
    found, index, _, places, _, _, code_first = arrays
    keys = np.array(sorted(data.draw(st.sets(st.integers(0, 15), min_size=1))), dtype=np.int64)
    args = (found, index, places, code_first, keys, 4)
    assert same(compiled("bigram_counts")(*args), kernels.PLAIN["bigram_counts"](*args))


def test_term_sets_by_their_definition():
    """Two candidates: one of sentences of 3 and 2 terms, one of a single sentence of 14."""
    lengths, sent_first, code_first = np.array([3, 2, 14]), np.array([0, 2, 3]), np.array([0, 5, 19])
    found = np.array([0, 1, 2, 4, 5, 17, 18])  # position 1 holds a known code of no weighted term
    index = np.array([0, 4, 1, 2, 0, 1, 3])
    term_bits = np.array([1, 2, 4, 8, 0])
    sets, local, hit_first = kernels.term_sets(found, index, term_bits, lengths, sent_first, code_first)
    assert sets.tolist() == [3, 4, 11,  # each sentence's
                             7,  # the first candidate's pair of sentences
                             7, 11,  # each candidate's
                             1, 3, 7, 1, 2, 10]  # each hit's window: the 5th's reaches back to position 6
    assert local.tolist() == [0, 2, 4, 0, 12, 13] and hit_first.tolist() == [0, 3, 6]
    weights = np.arange(len(sets), dtype=np.float64) / 10
    values, near, near_weights, near_first = kernels.term_values(weights, lengths, sent_first, hit_first)
    density = 0.2 * (8 / 14)
    assert values.tolist() == [[0.1, 0.2], [0.3, 0.0], [0.1, density], [0.4, 0.5], [0.8, 1.1]]
    assert near.tolist() == [0, 1, 0] and near_weights.tolist() == [0.0, 0.1, 0.2] and near_first.tolist() == [0, 2, 3]
    weights[:2] = 0.3, 0.5  # 0.5 - 0.2 == 0.3: a sentence just within 0.2 of the best is near
    assert kernels.term_values(weights, lengths, sent_first, hit_first)[1].tolist() == [0, 1, 0]
    weights[0] = 0.29
    assert kernels.term_values(weights, lengths, sent_first, hit_first)[1].tolist() == [1, 0]


def test_compiled_kernels_take_no_other_types():
    """Their signatures are fixed: arrays of another type are refused, not compiled anew (which
    would cost a question a second)."""
    with pytest.raises(TypeError):
        compiled("term_sets")(*[np.zeros(1, dtype=np.int32)] * 6)


def test_a_warm_engine_answers_as_a_plain_one(engine, monkeypatch):
    def answers():
        out = []
        for question in QUESTIONS:
            response = engine.ask(question, k=10).to_dict()
            response.pop("took_ms")
            out.append(response)
        return out
    plain = answers()
    assert not kernels.compiled()
    engine.warm()
    assert kernels.compiled() and answers() == plain


def test_without_numba_the_kernels_stay_in_python(engine, monkeypatch, caplog):
    monkeypatch.setattr(kernels, "machine_code", lambda: __import__("numba_is_not_here"))
    with caplog.at_level(logging.WARNING):
        assert not kernels.compile()
    assert "numba failed (ModuleNotFoundError" in caplog.text and not kernels.compiled()
    assert engine.ask(QUESTIONS[0]).results


def test_the_compile_setting_off_leaves_them_in_python(monkeypatch):
    monkeypatch.setenv("QA_SEARCH_COMPILE", "off")
    assert not kernels.compile() and not kernels.compiled()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 49), st.floats(0, 10)), max_size=80), st.data())
def test_add_at_compiled_is_its_python_and_numpys(postings, data):
    base = np.array(data.draw(st.lists(st.floats(0, 10), min_size=50, max_size=50)))
    ids = np.array([d for d, _ in postings], dtype=np.int32)
    values = np.array([v for _, v in postings], dtype=np.float64)
    sums = [base.copy() for _ in range(3)]
    np.add.at(sums[0], ids, values)
    kernels.PLAIN["add_at"](sums[1], ids, values)
    compiled("add_at")(sums[2], ids, values)
    assert sums[0].tobytes() == sums[1].tobytes() == sums[2].tobytes()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 4) | st.sampled_from([0.0, 1.5]), max_size=80), st.integers(1, 15))
def test_top_k_compiled_is_its_python(scores, k):
    args = (np.array(scores, dtype=np.float64), k)
    assert same(compiled("top_k")(*args), kernels.PLAIN["top_k"](*args))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 20), min_size=1, max_size=12), st.lists(st.integers(0, 2**12 - 1), max_size=50))
def test_weigh_compiled_is_its_python(weights, sets):
    from search.questions import read_question
    q = read_question("q", {f"t{n}": w for n, w in enumerate(weights)})
    if q._fixed_point is None:
        return
    whole, unit = q._fixed_point
    args = (np.array(sets, dtype=np.int64) % (1 << len(weights)), whole, unit, q.total)
    assert same(compiled("weigh")(*args), kernels.PLAIN["weigh"](*args))
