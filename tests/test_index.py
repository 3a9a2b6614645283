"""Index lifecycle on real Whoosh indexes in temp dirs: build, swap, missing, stale, failure."""
from __future__ import annotations

import json

import pytest

from search import builds, manifest
from search.corpus import load_corpus
from search.engine import Engine
from search.errors import IndexMissing, IndexStale
from search.freshness import why_rebuild
from search.indexer import BUILDS, build_index, current_build, index_corpus
from support import make_corpus
from web import create_app


def _corpus(tmp_path, text="The lunar rover crossed the crater at dawn."):
    return make_corpus(tmp_path / "corpus", {"rover.txt": f"Rover news\n\n{text}\n"})


def test_build_writes_a_manifest_that_describes_the_index(tmp_path):
    corpus = _corpus(tmp_path)
    report = index_corpus(corpus, tmp_path / "index")
    found = manifest.read(current_build(tmp_path / "index"))
    assert (report.documents, report.passages) == (1, 1)
    assert found.documents == 1 and found.passages == 1
    assert found.incompatibility() is None
    assert set(found.files) == {"rover.txt"}
    assert why_rebuild(corpus, tmp_path / "index") is None


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissing, match="qa-search index"):
        Engine(tmp_path / "nowhere").ask("rover")
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "nowhere")}).test_client()
    response = client.get("/api/search?q=rover")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "index_missing"
    assert "qa-search index" in response.get_json()["error"]["message"]
    page = client.get("/search?q=rover")
    assert page.status_code == 503 and "qa-search index" in page.get_data(as_text=True)


def test_index_from_another_version_is_refused_with_advice(tmp_path):
    index_corpus(_corpus(tmp_path), tmp_path / "index")
    path = current_build(tmp_path / "index") / manifest.MANIFEST_NAME
    data = json.loads(path.read_text())
    data["analyzer_version"] = -1
    path.write_text(json.dumps(data))
    with pytest.raises(IndexStale, match="rebuild it with `qa-search index"):
        Engine(tmp_path / "index").ask("rover")
    assert "analyzer" in why_rebuild(tmp_path / "corpus", tmp_path / "index")


def test_changed_corpus_makes_the_index_stale(tmp_path):
    corpus = _corpus(tmp_path)
    index_corpus(corpus, tmp_path / "index")
    (corpus / "new.md").write_text("# Mars\n\nA new article about Mars.", "utf-8")
    assert why_rebuild(corpus, tmp_path / "index") == "the corpus changed since the index was built"


def test_rebuild_swaps_in_and_open_engines_follow(tmp_path):
    corpus = _corpus(tmp_path)
    index_corpus(corpus, tmp_path / "index")
    engine = Engine(tmp_path / "index")
    assert engine.ask("crater").results
    assert not engine.ask("volcano").results
    (corpus / "rover.txt").write_text("Rover news\n\nThe rover found a volcano on Mars.\n", "utf-8")
    index_corpus(corpus, tmp_path / "index")
    assert engine.ask("volcano").results  # same engine, no restart
    assert not engine.ask("crater").results
    assert len(list((tmp_path / "index" / BUILDS).iterdir())) == 2  # live + previous, no more
    index_corpus(corpus, tmp_path / "index")
    assert len(list((tmp_path / "index" / BUILDS).iterdir())) == 2
    engine.close()


def test_failed_build_leaves_the_live_index_untouched(tmp_path):
    corpus = _corpus(tmp_path)
    index_corpus(corpus, tmp_path / "index")
    live = current_build(tmp_path / "index")
    docs = load_corpus(corpus).documents

    def explode(done, passages):
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        build_index(docs * 3, tmp_path / "index", progress=explode)
    assert current_build(tmp_path / "index") == live
    assert [p.name for p in (tmp_path / "index" / BUILDS).iterdir()] == [live.name]
    assert Engine(tmp_path / "index").ask("crater").results


def test_corpus_with_broken_files_still_indexes_the_rest(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", {
        "good.txt": "Good article\n\nThe telescope saw a comet.",
        "latin1.txt": "Caf\xe9 on the moon".encode("latin-1"),
        "broken.jsonl": '{"id": "a", "text": "comet tail"}\nnot json\n',
    })
    report = index_corpus(corpus, tmp_path / "index")
    assert report.documents == 3  # latin1.txt is read with U+FFFD for its bad byte
    assert any(w.startswith("latin1.txt: not valid UTF-8") for w in report.warnings)
    assert any(p.startswith("broken.jsonl: line 2") for p in report.problems)
    assert len(Engine(tmp_path / "index").ask("comet").results) == 2


def test_documents_are_kept_whole_by_id(tmp_path, bundled_corpus, bundled_index):
    engine = Engine(bundled_index)
    hit = engine.ask("Who is the head of programming for Apple TV+?", k=1).results[0]
    doc = engine.document(hit.citation.doc_id)
    assert doc.text[hit.citation.start:hit.citation.end] == hit.text
    assert doc.title == hit.citation.title and doc.date == hit.citation.date
    assert engine.document("../../etc/passwd") is None and engine.document("nope") is None
    engine.close()


@pytest.mark.parametrize("content, name", [
    (b"b-20261121.1\n", "b-20261121.1"), (b"  b1  \n\n", "b1"), (b"a" * 100, "a" * 100),
    (b"a" * 101, None), (b"../b1", None), (b"b 1", None), (b"", None), (b"\xff\xfe", None),
    (b"b1" + b" " * 2000, None),  # more than a plain name and its whitespace: not ours
], ids=lambda value: repr(value)[:24])
def test_current_names_only_a_plain_build_name(tmp_path, content, name):
    assert builds.current_name(tmp_path) is None  # no CURRENT at all
    (tmp_path / builds.CURRENT).write_bytes(content)
    assert builds.current_name(tmp_path) == name
