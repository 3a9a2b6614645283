"""Loading a folder: every format, bad files reported by name and skipped, ids unique."""
import json
import os
from pathlib import Path

import pytest

from search import settings
from search.corpus import corpus_files, fingerprint, hash_files, load_corpus
from search.errors import CorpusError
from support import write

CORPUS = Path(__file__).parent.parent / "corpus"


def by_id(load) -> dict:
    return {d.doc_id: d for d in load.documents}


def problem_for(load, rel: str) -> str:
    (found,) = [p for p in load.problems if p.startswith(f"{rel}: ")]
    return found


@pytest.fixture
def mixed(tmp_path):
    write(tmp_path, "a.txt", "Plain Title\ndate 2021-05-06\n\nSome plain text about the moon.")
    write(tmp_path, "b.md", "---\ntitle: Markdown Doc\nurl: https://example.org/b\n---\n# Heading\n\nBody of b.")
    write(tmp_path, "c.html", "<title>Web Page</title><nav>menu</nav><p>Body of c.</p>")
    write(tmp_path, "d.jsonl", "\n".join([
        json.dumps({"id": "r1", "text": "Record one.", "title": "R1"}),
        "{broken",
        json.dumps({"id": "r2", "text": "Record two.", "date": "2020-01-02"}),
    ]))
    write(tmp_path, "sub/deeper/e.markdown", "Nested file.")
    write(tmp_path, "UPPER.TXT", "Upper Case Suffix\nBody.")
    write(tmp_path, ".hidden.txt", "Hidden file.")
    write(tmp_path, ".git/f.txt", "Inside a hidden folder.")
    write(tmp_path, "notes.pdf", "not a supported format")
    return tmp_path


def test_every_format_loads(mixed):
    load = load_corpus(mixed)
    docs = by_id(load)
    assert sorted(docs) == ["UPPER", "a", "b", "c", "r1", "r2", "sub/deeper/e"]
    assert (docs["a"].title, docs["a"].date, docs["a"].source) == ("Plain Title", "2021-05-06", "a.txt")
    assert (docs["b"].title, docs["b"].url, docs["b"].text) == ("Markdown Doc", "https://example.org/b",
                                                                 "# Heading\n\nBody of b.")
    assert (docs["c"].title, docs["c"].text) == ("Web Page", "Body of c.")
    assert (docs["r1"].title, docs["r1"].source) == ("R1", "r1")
    assert docs["r2"].date == "2020-01-02"
    assert docs["sub/deeper/e"].source == "sub/deeper/e.markdown"
    assert load.problems == [problem_for(load, "d.jsonl")]
    assert "line 2" in load.problems[0]


def test_hidden_and_unsupported_files_are_ignored(mixed):
    rels = [p.relative_to(mixed).as_posix() for p in corpus_files(mixed)]
    assert rels == sorted(rels)
    assert set(rels) == {"UPPER.TXT", "a.txt", "b.md", "c.html", "d.jsonl", "sub/deeper/e.markdown"}
    assert set(load_corpus(mixed).files) == set(rels)


def test_non_utf8_file_is_loaded_with_replacement_and_a_warning(tmp_path):
    write(tmp_path, "good.txt", "Good File\nBody.")
    write(tmp_path, "latin.txt", "Caf\xe9 au lait".encode("latin-1"))
    load = load_corpus(tmp_path)
    assert [d.doc_id for d in load.documents] == ["good", "latin"]
    assert load.documents[1].text == "Caf\ufffd au lait"
    assert [w for w in load.warnings if w.startswith("latin.txt: not valid UTF-8")]
    assert "latin.txt" in load.files  # part of the fingerprint: fixing it changes the corpus


def test_unreadable_file_is_reported_and_the_rest_loads(tmp_path):
    write(tmp_path, "good.txt", "Good File\nBody.")
    locked = write(tmp_path, "locked.txt", "Locked File\nBody.")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("this user can read a mode-000 file (root)")
        load = load_corpus(tmp_path)
    finally:
        locked.chmod(0o644)
    assert [d.doc_id for d in load.documents] == ["good"]
    assert "cannot be read" in problem_for(load, "locked.txt")


def test_read_error_is_reported_and_the_rest_loads(tmp_path, monkeypatch):
    """The same path as above, forced, so it also runs where mode 000 does not stop the reader."""
    write(tmp_path, "good.txt", "Good File\nBody.")
    write(tmp_path, "locked.txt", "Locked File\nBody.")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    load = load_corpus(tmp_path)
    assert [d.doc_id for d in load.documents] == ["good"]
    assert problem_for(load, "locked.txt") == "locked.txt: cannot be read (Permission denied)"


def test_bom_and_crlf_are_normalised(tmp_path):
    write(tmp_path, "win.txt", "\ufeffWindows Title\r\n\r\nFirst line.\r\nSecond line.\rOld Mac line.".encode())
    write(tmp_path, "win.jsonl", ("\ufeff" + json.dumps({"id": "j", "text": "Json text."}) + "\r\n").encode())
    load = load_corpus(tmp_path)
    assert load.problems == []
    doc = by_id(load)["win"]
    assert doc.title == "Windows Title"
    assert doc.text == "Windows Title\n\nFirst line.\nSecond line.\nOld Mac line."
    assert by_id(load)["j"].text == "Json text."


def test_duplicate_ids(tmp_path):
    write(tmp_path, "a.txt", "Text File\nBody a.")
    write(tmp_path, "a.md", "# Markdown\nBody a.")
    write(tmp_path, "recs.jsonl", "\n".join(json.dumps({"id": i, "text": f"Body {n}."})
                                           for n, i in enumerate(["a", "x", "x", "x"])))
    load = load_corpus(tmp_path)
    docs = by_id(load)
    assert len(docs) == len(load.documents)  # ids are unique
    assert docs["a"].source == "a.md"  # files are taken in path order: a.md before a.txt
    assert docs["a.txt"].source == "a.txt"
    assert docs["recs.jsonl:a"].text == "Body 0."
    assert docs["x"].text == "Body 1."
    assert docs["recs.jsonl:x"].text == "Body 2."
    assert load.problems == ["recs.jsonl: duplicate document id 'recs.jsonl:x', skipped"]


@pytest.mark.parametrize("content", ["", "   \n\t\n", "\ufeff"])
def test_empty_file_is_reported(tmp_path, content):
    write(tmp_path, "empty.txt", content)
    write(tmp_path, "good.md", "Good")
    load = load_corpus(tmp_path)
    assert [d.doc_id for d in load.documents] == ["good"]
    assert problem_for(load, "empty.txt") == "empty.txt: no text"


def test_empty_jsonl_record_is_reported_by_id(tmp_path):
    write(tmp_path, "r.jsonl", json.dumps({"id": "blank", "text": " "}))
    load = load_corpus(tmp_path)
    assert load.documents == []
    assert load.problems == ["r.jsonl: no text in record 'blank'"]


def test_oversized_file_is_skipped(tmp_path, monkeypatch):
    real = settings.get
    monkeypatch.setattr(settings, "get", lambda name: 100 if name == "max_file_bytes" else real(name))
    write(tmp_path, "small.txt", "Small\n" + "x" * 94)  # exactly 100 bytes: allowed
    write(tmp_path, "big.txt", "Big\n" + "x" * 97)  # 101 bytes
    load = load_corpus(tmp_path)
    assert [d.doc_id for d in load.documents] == ["small"]
    assert problem_for(load, "big.txt") == "big.txt: larger than 100 bytes, skipped"
    assert set(load.files) == {"small.txt", "big.txt"}


def test_missing_folder_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError):
        load_corpus(tmp_path / "nope")
    write(tmp_path, "file.txt", "x")
    with pytest.raises(CorpusError):
        load_corpus(tmp_path / "file.txt")


def test_fingerprint_follows_content_and_names(tmp_path):
    write(tmp_path, "a.txt", "One\nBody.")
    first = fingerprint(hash_files(tmp_path))
    assert fingerprint(load_corpus(tmp_path).files) == first
    assert fingerprint(hash_files(tmp_path)) == first
    write(tmp_path, "a.txt", "One\nBody!")
    edited = fingerprint(hash_files(tmp_path))
    (tmp_path / "a.txt").rename(tmp_path / "b.txt")
    renamed = fingerprint(hash_files(tmp_path))
    write(tmp_path, ".hidden.txt", "ignored")
    assert len({first, edited, renamed}) == 3
    assert fingerprint(hash_files(tmp_path)) == renamed


def test_bundled_corpus_loads_cleanly():
    load = load_corpus(CORPUS)
    assert load.problems == []
    assert len(load.documents) == len(list(CORPUS.glob("*.txt")))
    docs = {d.source: d for d in load.documents}
    assert docs["000_306199d81de9567f.txt"].title == "For All Mankind: Series renewed and spin-off confirmed - SciFiNow"
    assert docs["002_1cb2b5dc35a71b71.txt"].date == "2024-04-17"
    assert all(d.text == (CORPUS / d.source).read_text("utf-8") for d in load.documents)
