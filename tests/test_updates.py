"""Incremental updates of a live index: add, re-scan, remove, one writer at a time, --check."""
from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest
from whoosh.index import open_dir

from search import faults, manifest
from search import searcher as searcher_module
from search.builds import BUILDS, current_build
from search.cli import main
from search.engine import Engine
from search.errors import BadQuery, IndexBusy, IndexStale, IndexUnavailable
from search.indexcheck import check_index
from search.indexer import index_corpus
from search.maintenance import add, remove, rescan
from search.spelling import correct_word
from search.writelock import writer_lock
from indexstate import snapshot
from support import make_corpus, stored_blobs, stored_plainly


def article(title: str, body: str) -> str:
    return f"{title}\n\n{body}\n"


@pytest.fixture
def folders(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", {
        "rover.txt": article("Rover news", "The lunar rover crossed the crater at dawn."),
        "comet.md": "# Comet\n\nA comet with a green tail passed the sun.",
        "notes.jsonl": '{"id": "n1", "text": "Telescope notes on a nebula."}\n'
                       '{"id": "n2", "text": "Telescope notes on a quasar."}\n',
    })
    index = tmp_path / "index"
    index_corpus(corpus, index)
    return corpus, index


def ids(engine, question):
    return [h.citation.doc_id for h in engine.ask(question).results]


def test_add_copies_into_the_corpus_and_open_engines_see_it(folders, tmp_path):
    corpus, index = folders
    engine = Engine(index)
    assert ids(engine, "volcano") == []
    outside = make_corpus(tmp_path / "elsewhere", {"mars.txt": article("Mars", "A volcano on Mars erupted.")})
    report = add(corpus, index, [outside / "mars.txt"])
    assert report.added == ("mars",) and report.documents == 5
    assert (corpus / "mars.txt").read_bytes() == (outside / "mars.txt").read_bytes()
    assert ids(engine, "volcano") == ["mars"]  # the same engine, no restart
    assert engine.document("mars").text == article("Mars", "A volcano on Mars erupted.")
    assert check_index(corpus, index).ok
    engine.close()


def test_rescan_touches_only_changed_files(folders):
    corpus, index = folders
    engine = Engine(index)
    (corpus / "rover.txt").write_text(article("Rover news", "The rover found ice in a crater."), "utf-8")
    (corpus / "notes.jsonl").write_text('{"id": "n1", "text": "Telescope notes on a nebula."}\n'
                                        '{"id": "n3", "text": "Telescope notes on a pulsar."}\n', "utf-8")
    (corpus / "comet.md").unlink()
    report = rescan(corpus, index)
    assert (report.added, report.replaced, report.removed) == (("n3",), ("rover",), ("comet", "n2"))
    assert ids(engine, "ice") == ["rover"] and ids(engine, "dawn") == []
    assert ids(engine, "comet") == [] and ids(engine, "quasar") == [] and ids(engine, "pulsar") == ["n3"]
    assert set(snapshot(index)) == {"rover", "n1", "n3"}
    assert check_index(corpus, index).ok
    engine.close()


def test_an_unchanged_corpus_commits_nothing(folders):
    corpus, index = folders
    generation = manifest.read(current_build(index)).generation
    report = rescan(corpus, index)
    assert not (report.added or report.replaced or report.removed) and report.documents == 4
    assert manifest.read(current_build(index)).generation == generation


def test_incremental_updates_end_where_a_full_rebuild_does(folders, tmp_path):
    corpus, index = folders
    add(corpus, index, [make_corpus(tmp_path / "x", {"a.txt": article("A", "Alpha text here.")}) / "a.txt"])
    (corpus / "comet.md").write_text("# Comet\n\nThe comet broke apart.\n\nIts pieces fell.", "utf-8")
    rescan(corpus, index)
    (corpus / "rover.txt").unlink()
    rescan(corpus, index)
    fresh = tmp_path / "fresh"
    index_corpus(corpus, fresh)
    assert snapshot(index) == snapshot(fresh)
    live, full = manifest.read(current_build(index)), manifest.read(current_build(fresh))
    assert (live.files, live.documents, live.passages) == (full.files, full.documents, full.passages)


def test_updates_and_their_merges_store_passages_as_the_full_build_does(folders, tmp_path):
    corpus, index = folders
    for n in range(8):  # enough small commits for Whoosh to merge some of them
        add(corpus, index, [make_corpus(tmp_path / f"x{n}", {f"a{n}.txt": article(f"A{n}", f"Alpha {n} here.")}) / f"a{n}.txt"])
    segments = stored_blobs(current_build(index))
    assert len(segments) < 9  # without merges: the build's segment and one per commit
    assert all(stored_plainly(blob) for blobs in segments for blob in blobs)
    found = ids(Engine(index), "alpha 7")
    assert found[0] == "a7" and sorted(found[1:]) == [f"a{n}" for n in range(7)]


def test_a_word_stays_known_to_spelling_when_the_passage_carrying_its_tally_goes(folders, tmp_path):
    # The full build tallies the spell field: "telescope" has one posting, on note n1's passage
    # (the first that holds it), counting n2's too. Merging that segment after n1 goes would
    # drop the word though n2 still holds it, so updates never merge the build's segment.
    corpus, index = folders
    tallied = manifest.read(current_build(index)).tallied_segment
    remove(index, ["n1"])
    for n in range(8):  # enough small commits for Whoosh to merge some of them
        add(corpus, index, [make_corpus(tmp_path / f"x{n}", {f"a{n}.txt": article(f"A{n}", f"Alpha {n} here.")}) / f"a{n}.txt"])
    build = current_build(index)
    assert manifest.read(build).tallied_segment == tallied != ""
    ix = open_dir(str(build))
    assert tallied in [segment.segment_id() for segment in ix._segments()]
    assert len(ix._segments()) < 9  # the other segments were merged
    with ix.reader() as reader:
        assert reader.frequency("spell", "telescope") >= 1
        assert correct_word(reader, "telescpe") == "telescope"


def test_removed_documents_stay_out_until_added_again(folders):
    corpus, index = folders
    engine = Engine(index)
    report = remove(index, ["n2"])
    assert report.removed == ("n2",) and ids(engine, "quasar") == []
    assert engine.health()["documents"] == 3
    (corpus / "comet.md").write_text("# Comet\n\nA brighter comet.", "utf-8")
    rescan(corpus, index)
    rescan(corpus, index, rebuild=True)
    assert ids(engine, "quasar") == [] and "n2" not in snapshot(index)
    assert check_index(corpus, index).ok
    assert add(corpus, index, [corpus / "notes.jsonl"]).added == ("n2",)
    assert ids(engine, "quasar") == ["n2"]
    engine.close()


def test_unknown_ids_remove_nothing(folders):
    corpus, index = folders
    before = snapshot(index)
    for bad in (["n1", "nope"], ["../../etc/passwd"], ["rover.txt"]):
        with pytest.raises(BadQuery, match="nothing was removed"):
            remove(index, bad)
    assert snapshot(index) == before


def test_add_refuses_what_it_cannot_take_and_copies_nothing(folders, tmp_path):
    corpus, index = folders
    other = make_corpus(tmp_path / "other", {"rover.txt": "Rover\n\nA different rover.", "ok.txt": "Ok\n\nFine.",
                                             "pic.png": b"\x89PNG"})
    for paths, message in (([other / "ok.txt", other / "rover.txt"], "already has a different rover.txt"),
                           ([other / "pic.png"], "only .htm"), ([other / "missing.txt"], "not a file")):
        with pytest.raises(Exception, match=message):
            add(corpus, index, paths)
    assert not (corpus / "ok.txt").exists()


def test_a_second_writer_waits_then_gives_up_with_a_clear_message(folders, monkeypatch, capsys):
    corpus, index = folders
    monkeypatch.setenv("QA_SEARCH_WRITER_WAIT", "0.3")
    held, release = threading.Event(), threading.Event()

    def first_writer():
        with writer_lock(index, "a test writer"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=first_writer)
    thread.start()
    held.wait(5)
    try:
        started = time.monotonic()
        assert main(["remove", "n1", "--index", str(index)]) == 1
        assert time.monotonic() - started >= 0.3
        err = capsys.readouterr().err
        assert "waiting up to 0.3 s for another writer" in err and "a test writer" in err
        assert "error: another writer is updating the index" in err and "LockError" not in err
        with pytest.raises(IndexBusy):
            add(corpus, index, [corpus / "rover.txt"])
        monkeypatch.setenv("QA_SEARCH_WRITER_WAIT", "10")
        threading.Timer(0.3, release.set).start()
        assert main(["remove", "n1", "--index", str(index)]) == 0  # waits, then goes ahead
    finally:
        release.set()
        thread.join()
    assert "n1" not in snapshot(index)


def test_check_finds_problems_and_index_repairs_them(folders, capsys):
    corpus, index = folders
    build = current_build(index)
    assert main(["index", "--check", "--corpus", str(corpus), "--index", str(index)]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 documents")
    (build / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"half a segment")
    (build / "_MAIN_9.toc.1700000000.5").write_bytes(b"half a toc")
    (corpus / "new.txt").write_text("New\n\nA new article.", "utf-8")
    data = json.loads((build / manifest.MANIFEST_NAME).read_text())
    (build / manifest.MANIFEST_NAME).write_text(json.dumps({**data, "passages": 99}))
    findings = check_index(corpus, index).findings
    problems = " | ".join(f.problem for f in findings)
    assert "2 file(s) left by an interrupted write" in problems
    assert "the manifest counts 4 documents and 99 passages" in problems
    assert "1 corpus file(s) added, changed or deleted since indexing: new.txt" in problems
    assert all("qa-search index" in f.repair for f in findings)
    assert main(["index", "--corpus", str(corpus), "--index", str(index), "--rebuild"]) == 0
    assert check_index(corpus, index).ok
    (build := current_build(index))
    (build / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"half a segment")
    assert main(["index", "--corpus", str(corpus), "--index", str(index)]) == 0  # a plain re-scan tidies too
    assert check_index(corpus, index).ok


def test_a_damaged_index_is_refused_then_rebuilt_from_the_corpus(folders):
    corpus, index = folders
    for seg in current_build(index).glob("MAIN_*.*"):  # the build's segment files (not compound)
        seg.write_bytes(b"\0" * 100)
    engine = Engine(index)
    with pytest.raises(IndexStale, match="damaged.*qa-search index --rebuild") as caught:
        engine.ask("rover")
    assert caught.value.code == "index_damaged"
    assert not check_index(corpus, index).ok
    report = rescan(corpus, index)
    assert report.rebuilt.startswith("the index in") and report.documents == 4
    assert ids(engine, "rover") == ["rover"]
    engine.close()


@pytest.mark.parametrize("make_foreign", ["world_writable_build", "linked_build", "world_writable_index"])
def test_an_index_others_could_have_written_is_never_opened(folders, tmp_path, make_foreign):
    corpus, index = folders
    build = current_build(index)
    if make_foreign == "world_writable_build":
        build.chmod(0o777)
    elif make_foreign == "world_writable_index":
        index.chmod(0o777)
    else:
        elsewhere = tmp_path / "elsewhere-build"
        build.rename(elsewhere)
        build.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(IndexUnavailable, match="refusing to open the index") as caught:
        Engine(index).ask("rover")
    assert caught.value.code == "index_untrusted"
    with pytest.raises(IndexUnavailable, match="refusing"):
        rescan(corpus, index)
    assert not check_index(corpus, index).ok
    index.chmod(0o755)


def test_a_crashed_rebuild_leaves_the_live_index_and_is_tidied(folders):
    corpus, index = folders
    (index / BUILDS / "20000101-000000-deadbeef").mkdir()  # as a rebuild killed early leaves it
    assert any("unfinished build" in f.problem for f in check_index(corpus, index).findings)
    rescan(corpus, index, rebuild=True)
    assert not (index / BUILDS / "20000101-000000-deadbeef").exists()
    assert check_index(corpus, index).ok


def test_cli_add_remove_and_index_print_what_changed(folders, tmp_path, capsys):
    corpus, index = folders
    new = make_corpus(tmp_path / "in", {"moon.md": "# Moon\n\nMoon dust."}) / "moon.md"
    where = ["--corpus", str(corpus), "--index", str(index)]
    assert main(["add", str(new), *where]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "added 1: moon"
    assert main(["remove", "moon", "rover", "--index", str(index)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "removed 2: moon, rover"
    assert main(["index", *where]) == 0
    assert capsys.readouterr().out.startswith("the index is up to date\n3 documents")
    assert main(["remove", "ghost", "--index", str(index)]) == 2
    assert "no document 'ghost'" in capsys.readouterr().err
    os.remove(corpus / "moon.md")
    assert main(["index", *where]) == 0
    assert capsys.readouterr().out.startswith("the index is up to date")  # moon was already out


def test_a_commit_while_a_question_is_answered_is_harmless(folders, monkeypatch):
    """A question is answered from the state it began with, on a searcher nothing closes
    meanwhile; the next question sees the commit."""
    corpus, index = folders
    engine = Engine(index)
    assert ids(engine, "telescope") == ["n1", "n2"]
    search = engine.index.search

    def search_after_a_commit(terms, limit, filter=None, searcher=None):
        remove(index, ["n2"])
        return search(terms, limit, filter, searcher=searcher)

    monkeypatch.setattr(engine.index, "search", search_after_a_commit)
    assert ids(engine, "telescope") == ["n1", "n2"]
    monkeypatch.setattr(engine.index, "search", search)
    assert ids(engine, "telescope") == ["n1"]
    engine.close()


def test_an_outsider_holding_whooshs_own_lock_is_a_clear_busy_error(folders, monkeypatch):
    corpus, index = folders
    monkeypatch.setenv("QA_SEARCH_WRITER_WAIT", "0.2")
    before = snapshot(index)
    from whoosh import index as whoosh_index
    lock = whoosh_index.open_dir(str(current_build(index))).lock("WRITELOCK")
    assert lock.acquire()
    try:
        (corpus / "comet.md").write_text("# Comet\n\nChanged.", "utf-8")
        with pytest.raises(IndexBusy, match="another program is writing the Whoosh index"):
            rescan(corpus, index)
    finally:
        lock.release()
    assert snapshot(index) == before and check_index(corpus, index).findings[0].problem.startswith("1 corpus file")
    rescan(corpus, index)
    assert check_index(corpus, index).ok


@pytest.mark.parametrize("command", ["add", "remove"])
def test_new_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith(f"usage: qa-search {command}")


def test_a_rebuild_keeps_out_what_an_interrupted_remove_took_out(folders, monkeypatch):
    """Found by the kill -9 walk: a rebuild read the exclusions before finishing the remove."""
    corpus, index = folders

    def die_after_the_commit(point):
        if point == "update:committed":
            raise KeyboardInterrupt  # as if killed there: Whoosh has the removal, the manifest not yet

    monkeypatch.setattr(faults, "hook", die_after_the_commit)
    with pytest.raises(KeyboardInterrupt):
        remove(index, ["n2"])
    monkeypatch.setattr(faults, "hook", None)
    assert "n2" not in snapshot(index)
    rescan(corpus, index, rebuild=True)
    assert "n2" not in snapshot(index) and check_index(corpus, index).ok


def test_a_searcher_kept_on_the_word_of_its_folders_stat_still_sees_every_change(folders, tmp_path, monkeypatch):
    # With no margin the stat of the folders is trusted at once, as it is seconds after an index last changed.
    monkeypatch.setattr(searcher_module, "STAT_MARGIN_NS", 0)
    looked = []
    up_to_date = searcher_module._up_to_date
    monkeypatch.setattr(searcher_module, "_up_to_date", lambda s: looked.append(s) or up_to_date(s))
    corpus, index = folders
    engine = Engine(index)
    assert ids(engine, "volcano") == [] and ids(engine, "comet") == ["comet"]
    before = len(looked)
    assert ids(engine, "rover") == ["rover"] and len(looked) == before  # nothing changed: not asked again
    outside = make_corpus(tmp_path / "elsewhere", {"mars.txt": article("Mars", "A volcano on Mars erupted.")})
    add(corpus, index, [outside / "mars.txt"])
    assert ids(engine, "volcano") == ["mars"]
    remove(index, ["mars"])
    assert ids(engine, "volcano") == []
    build = current_build(index)
    rescan(corpus, index, rebuild=True)
    assert current_build(index) != build
    shutil.rmtree(build)
    assert ids(engine, "rover") == ["rover"] and engine.health()["documents"] == 4
    engine.close()
