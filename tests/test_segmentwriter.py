"""PreparedWriter writes the very files Whoosh's own SegmentWriter writes, spilled to runs or not.

The one chosen difference: passages are stored at zlib level 0 (segmentwriter.STORED_COLUMN),
so the Whoosh writer they are compared with is given that column too; other tests check the
level itself and that Whoosh reads both levels.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage

from search.corpus import load_corpus
from search.indexer import make_schema
from search.passagework import cut, with_postings
from search.models import Document
from search.segmentwriter import PreparedWriter, store_uncompressed
from tests.conftest import BUNDLED
from tests.support import stored_blobs, stored_plainly


@pytest.fixture(scope="module")
def passages():
    """(document, fields, postings) of every passage of the bundled corpus."""
    loaded = load_corpus(BUNDLED, set())
    cuts, problems = cut([(doc, loaded.origins[doc.doc_id]) for doc in loaded.documents])
    assert not problems
    schema = make_schema()
    return [pair for doc, fields in cuts for pair in with_postings(schema, doc, fields)]


@pytest.fixture(scope="module")
def many():
    """Passages of 400 generated documents: common words span several 128-posting blocks."""
    rng = random.Random(7)
    vocabulary = ["alpha", "beta", "gamma", "the", "delta", "river", "rivers", "Paris", "x" * 45] + [
        f"w{i}" for i in range(300)]
    docs = [Document(doc_id=f"d{n}", source=f"d{n}.txt", title=" ".join(rng.choices(vocabulary, k=3)),
                     text="\n\n".join(" ".join(rng.choices(vocabulary, k=rng.randint(5, 150))) + "."
                                      for _ in range(rng.randint(1, 3))))
            for n in range(400)]
    cuts, _ = cut([(doc, doc.source) for doc in docs])
    schema = make_schema()
    return [pair for doc, fields in cuts for pair in with_postings(schema, doc, fields)]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def build(folder: Path, add) -> dict[str, bytes]:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    add(ix)
    return files(folder)


@pytest.fixture
def same_segment_name(monkeypatch):
    """One segment name, and no file times in the compound segment's directory."""
    monkeypatch.setattr(Segment, "_random_id", classmethod(lambda cls, size=16: "fixedsegmentid00"))
    monkeypatch.setattr(FileStorage, "file_modified", lambda self, name: 0.0)


def whoosh_files(folder, passages):
    def add(ix):
        with ix.writer() as w:
            store_uncompressed(w.perdocwriter)
            for fields, _ in passages:
                w.add_document(**fields)
    return build(folder, add)


@pytest.mark.parametrize("corpus", ["passages", "many"])
@pytest.mark.parametrize("pool_postings", [4_000_000, 997, 1])
def test_same_files_as_whoosh(tmp_path, request, corpus, same_segment_name, pool_postings):
    passages = request.getfixturevalue(corpus)
    def add(ix):
        with PreparedWriter(ix, pool_postings=pool_postings) as w:
            for fields, analysed in passages:
                w.add_prepared(fields, analysed)
    expected = whoosh_files(tmp_path / "whoosh", passages)
    got = build(tmp_path / "ours", add)
    assert got.keys() == expected.keys()
    assert [name for name in got if got[name] != expected[name]] == []


def test_add_document_without_postings_is_whoosh_too(tmp_path, passages, same_segment_name):
    def add(ix):
        with PreparedWriter(ix) as w:
            for fields, _ in passages:
                w.add_document(**fields)
    assert build(tmp_path / "ours", add) == whoosh_files(tmp_path / "whoosh", passages)


def test_cancel_leaves_no_runs(tmp_path, passages):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with pytest.raises(RuntimeError):
        with PreparedWriter(ix, pool_postings=50) as w:
            for fields, analysed in passages:
                w.add_prepared(fields, analysed)
            raise RuntimeError("stop")
    assert not [p for p in tmp_path.rglob("*.run")]
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0


def test_boost_fields_are_refused(tmp_path, passages):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with PreparedWriter(ix) as w, pytest.raises(ValueError):
        w.add_prepared({**passages[0][0], "_boost": 2.0}, passages[0][1])


def test_passages_are_stored_at_level_0_and_read_back_whole(tmp_path, passages):
    def add(ix):
        with PreparedWriter(ix) as w:
            for fields, analysed in passages:
                w.add_prepared(fields, analysed)
    build(tmp_path / "ours", add)
    [blobs] = stored_blobs(tmp_path / "ours")
    assert len(blobs) == len(passages) and all(map(stored_plainly, blobs))

    def plain(ix):  # Whoosh's own writer, at its own level 3
        with ix.writer() as w:
            for fields, _ in passages:
                w.add_document(**fields)
    build(tmp_path / "whoosh", plain)
    assert not any(map(stored_plainly, stored_blobs(tmp_path / "whoosh")[0]))
    assert all_stored(tmp_path / "ours") == all_stored(tmp_path / "whoosh")


def all_stored(folder: Path) -> list[dict]:
    with whoosh_index.open_dir(str(folder)).searcher() as searcher:
        return list(searcher.all_stored_fields())


def test_a_writer_that_has_stored_a_passage_keeps_its_level(tmp_path, passages):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with ix.writer() as w:
        w.add_document(**passages[0][0])
        before = w.perdocwriter._colwriters["_stored"]
        store_uncompressed(w.perdocwriter)
        assert w.perdocwriter._colwriters["_stored"] is before
        w.add_document(**passages[1][0])
    [blobs] = stored_blobs(tmp_path)
    assert len(blobs) == 2 and not any(map(stored_plainly, blobs))  # Whoosh's level 3


def postings_of(reader, field: str) -> dict[bytes, list[tuple[int, float]]]:
    """(docnum, weight) of every posting of every term of a field."""
    out = {}
    for term in reader.lexicon(field):
        matcher, out[term] = reader.postings(field, term), []
        while matcher.is_active():
            out[term].append((matcher.id(), matcher.weight()))
            matcher.next()
    return out


@pytest.mark.parametrize("pool_postings", [4_000_000, 997])
def test_a_tallied_field_keeps_each_words_count_on_its_first_passage(tmp_path, many, pool_postings):
    def add(ix):
        with PreparedWriter(ix, pool_postings=pool_postings, tallied=frozenset({"spell"})) as w:
            for fields, analysed in many:
                w.add_prepared(fields, analysed)
    whoosh_files(tmp_path / "whoosh", many)
    build(tmp_path / "ours", add)
    with whoosh_index.open_dir(str(tmp_path / "whoosh")).reader() as theirs, \
            whoosh_index.open_dir(str(tmp_path / "ours")).reader() as ours:
        for field in ("text", "title", "doc_id", "pid"):
            assert postings_of(ours, field) == postings_of(theirs, field)
        words = list(theirs.lexicon("spell"))
        assert list(ours.lexicon("spell")) == words and len(words) > 250
        for word in words:
            assert ours.frequency("spell", word) == theirs.frequency("spell", word)
            assert ours.doc_frequency("spell", word) == 1
            first = next(iter(theirs.postings("spell", word).all_ids()))
            assert list(ours.postings("spell", word).all_ids()) == [first]
