"""The sentence model (search/semantic.py): its numerics, its checks, and what it changes in an index."""
from __future__ import annotations

import json
import logging
import math
import zipfile

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
import pytest
from whoosh import index as whoosh_index

from search import manifest, semantic
from search.builds import current_build
from search.cli import main
from search.engine import Engine
from search.errors import IndexMissing, IndexStale
from search.indexer import index_corpus
from search.maintenance import add
from search.questions import read_question
from search.rerank import Candidate, rerank
from tests.support import candidate
from support import make_corpus
from web import create_app


def _model_or_reason() -> str | None:
    try:
        semantic.shared()
    except semantic.Unavailable as exc:
        return str(exc)
    return None


NO_MODEL = _model_or_reason()
needs_model = pytest.mark.skipif(NO_MODEL is not None, reason=f"sentence model unavailable: {NO_MODEL}")

CORPUS = {
    "strikes.txt": "Production news\n\nThe new season was delayed. Filming was greatly impacted by the "
                   "Hollywood strikes in 2023. Crews returned in the spring.\n",
    "garden.txt": "Garden notes\n\nTomatoes need full sun and steady water. Basil grows well beside them.\n",
}


@pytest.fixture
def semantic_on(monkeypatch):
    monkeypatch.setenv("QA_SEARCH_SEMANTIC", "on")


@pytest.fixture
def model_missing(monkeypatch):
    """This process behaves as if the model were not installed."""
    monkeypatch.setattr(semantic, "_loaded", semantic.Unavailable("the sentence model is not installed (test)"))


def test_erf_matches_the_math_library():
    xs = np.linspace(-6, 6, 2001)
    assert np.max(np.abs(semantic._erf(xs) - np.array([math.erf(x) for x in xs]))) < 2e-7


def test_safetensors_reader_takes_float32_tensors_and_skips_others():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([7, 8], dtype=np.int64)
    header = {"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
              "b": {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]}, "__metadata__": {"x": "y"}}
    raw = json.dumps(header).encode()
    blob = len(raw).to_bytes(8, "little") + raw + a.tobytes() + b.tobytes()
    tensors = semantic._tensors(blob)
    assert list(tensors) == ["a"] and np.array_equal(tensors["a"], a)


def test_model_files_that_are_not_the_published_ones_are_refused(tmp_path):
    path = tmp_path / "model.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tokenizer.json", "{}")
    with zipfile.ZipFile(path) as archive, pytest.raises(semantic.Unavailable, match="not the published"):
        semantic._read_checked(archive, "tokenizer.json")


def test_similarities_are_the_mean_sentence_and_the_best_sentence_cosines():
    rows = np.array([[1.0] + [0.0] * 383, [0.0, 1.0] + [0.0] * 382], dtype=np.float32)
    question = np.zeros(384, np.float32)
    question[0] = 1.0
    passage, sentence = semantic.similarities(question, semantic.to_stored(rows))
    assert passage == pytest.approx(1 / math.sqrt(2), abs=1e-3) and sentence == pytest.approx(1.0)
    assert semantic.similarities(None, semantic.to_stored(rows)) == (0.0, 0.0)
    assert semantic.similarities(question, None) == (0.0, 0.0)


def _candidate(text: str, vec: bytes | None) -> Candidate:
    fields = {"doc_id": text, "vec": vec} if vec is not None else {"doc_id": text}
    return candidate(1.0, text, text, [(0, len(text))], [["filler"]], fields)


def test_rerank_prefers_the_passage_whose_meaning_is_closest_when_words_tie():
    near, far = np.zeros((1, 384), np.float32), np.zeros((1, 384), np.float32)
    near[0, 0], far[0, 1] = 1.0, 1.0
    question_vec = np.zeros(384, np.float32)
    question_vec[0] = 1.0
    cands = [_candidate("far away", semantic.to_stored(far)), _candidate("near by", semantic.to_stored(near))]
    q = read_question("what is it", {"filler": 1.0}, question_vec)
    assert [r.candidate.text for r in rerank(q, cands)] == ["near by", "far away"]
    # Without a question vector the first stage's order stands.
    q_words = read_question("what is it", {"filler": 1.0})
    assert [r.candidate.text for r in rerank(q_words, cands)] == ["far away", "near by"]


@needs_model
def test_encoder_gives_the_similarities_sentence_transformers_documents_for_this_model():
    # The sentence-transformers quick start prints these for all-MiniLM-L6-v2.
    vectors = semantic.shared().encode(["The weather is lovely today.", "It's so sunny outside!",
                                        "He drove to the stadium."])
    sims = vectors @ vectors.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert sims[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert sims[1, 2] == pytest.approx(0.1411, abs=5e-4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_model
def test_batching_does_not_change_a_vector():
    enc = semantic.shared()
    texts = ["short", "a somewhat longer sentence about the moon landing", "mid length text here"]
    together = enc.encode(texts, batch=3)
    alone = np.vstack([enc.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


@needs_model
def test_an_index_built_with_the_model_stores_sentence_vectors_and_says_so(tmp_path, semantic_on):
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    index_corpus(corpus, tmp_path / "index")
    build = current_build(tmp_path / "index")
    assert manifest.read(build).semantic == semantic.MODEL_ID
    with whoosh_index.open_dir(str(build)).searcher() as s:
        stored = list(s.all_stored_fields())
    assert stored and all(semantic.from_stored(f["vec"]).shape == (len(f["sents"]), 384) for f in stored)
    response = create_app({"INDEX_DIR": str(tmp_path / "index")}).test_client().get(
        "/api/search", query_string={"q": "What held up filming?"})
    assert response.status_code == 200
    top = response.get_json()["results"][0]
    assert "Hollywood strikes" in top["text"] and "vec" not in json.dumps(top)


def test_an_index_built_with_semantic_off_holds_no_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_SEARCH_SEMANTIC", "off")
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    index_corpus(corpus, tmp_path / "index")
    build = current_build(tmp_path / "index")
    assert manifest.read(build).semantic == ""
    with whoosh_index.open_dir(str(build)).searcher() as s:
        assert all("vec" not in f for f in s.all_stored_fields())


def _index_refused(tmp_path, capsys) -> str:
    """`qa-search index` on a small corpus must fail without a traceback nor a build: its message."""
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    code = main(["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert current_build(tmp_path / "index") is None
    return err


def test_semantic_on_without_the_model_is_a_clear_error_not_a_traceback(tmp_path, semantic_on, model_missing,
                                                                         capsys):
    assert "sentence model is not installed" in _index_refused(tmp_path, capsys)


@needs_model
def test_added_articles_get_vectors_too(tmp_path, semantic_on):
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    index_corpus(corpus, tmp_path / "index")
    outside = make_corpus(tmp_path / "new", {"moon.txt": "Moon\n\nThe crew walked on the moon. Then they flew home.\n"})
    threadpool_limits(limits=2, user_api="blas")
    add(corpus, tmp_path / "index", [outside / "moon.txt"])
    assert _blas_threads() <= {1}  # an update encodes beside the served workers
    build = current_build(tmp_path / "index")
    assert manifest.read(build).semantic == semantic.MODEL_ID
    with whoosh_index.open_dir(str(build)).searcher() as s:
        moon = [f for f in s.all_stored_fields() if f["doc_id"] == "moon"]
    assert moon and all(semantic.from_stored(f["vec"]).shape == (len(f["sents"]), 384) for f in moon)


@needs_model
def test_an_index_with_vectors_still_answers_where_the_model_is_missing(tmp_path, semantic_on, request, caplog):
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    index_corpus(corpus, tmp_path / "index")
    request.getfixturevalue("model_missing")
    engine = Engine(tmp_path / "index")
    with caplog.at_level(logging.WARNING):
        results = engine.ask("tomatoes sun").results
    assert results and results[0].citation.doc_id == "garden"
    assert "ranking by words alone" in caplog.text
    engine.close()
    # Adding to it would leave passages without vectors: refused, saying what to do.
    outside = make_corpus(tmp_path / "new", {"moon.txt": "Moon\n\nThe crew walked on the moon.\n"})
    with pytest.raises(IndexStale, match="QA_SEARCH_SEMANTIC=off"):
        add(corpus, tmp_path / "index", [outside / "moon.txt"])


def test_an_unknown_semantic_setting_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_SEARCH_SEMANTIC", "yes")
    assert "must be auto, on or off" in _index_refused(tmp_path, capsys)


@needs_model
def test_warm_loads_the_model_for_an_index_with_vectors(tmp_path, semantic_on, monkeypatch):
    """A served worker warms up before its first request: the model is loaded then, not during it."""
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    index_corpus(corpus, tmp_path / "index")
    monkeypatch.setattr(semantic, "_loaded", None)  # as in a new worker
    engine = Engine(tmp_path / "index")
    engine.warm()
    assert isinstance(semantic._loaded, semantic.Encoder)
    engine.close()


def test_warm_never_raises_and_the_question_still_gets_the_error(tmp_path, caplog):
    engine = Engine(tmp_path / "no-index")
    with caplog.at_level(logging.WARNING):
        engine.warm()
    assert "not warmed up" in caplog.text and "no index" in caplog.text
    with pytest.raises(IndexMissing):
        engine.ask("tomatoes")


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_served_workers_and_encoding_build_workers_keep_blas_to_one_thread(tmp_path, monkeypatch):
    """Processes that encode side by side would only fight with BLAS threads of their own; a
    process alone (the CLI, an evaluation) keeps them all."""
    from search.passagework import PassageWorker
    from search.serve import _Server

    if not _blas_threads():
        pytest.skip("numpy here has no BLAS that threadpoolctl sees")
    threadpool_limits(limits=2, user_api="blas")
    PassageWorker(None, str(tmp_path), None, frozenset(), None, 0)  # words only: nothing to encode
    assert _blas_threads() == {2}
    PassageWorker(None, str(tmp_path), None, frozenset(), object(), 0)
    assert _blas_threads() == {1}
    threadpool_limits(limits=2, user_api="blas")
    corpus = make_corpus(tmp_path / "corpus", CORPUS)
    index_corpus(corpus, tmp_path / "index")
    app = _Server(tmp_path / "index", {}).load()  # what each gunicorn worker runs
    assert _blas_threads() == {1}
    assert app.test_client().get("/api/search", query_string={"q": "tomatoes"}).status_code == 200
