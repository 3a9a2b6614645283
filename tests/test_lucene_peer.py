"""The Lucene peer of the benchmarks: says why it cannot run, and where it can, finds what BM25 should."""
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import lucene, peers, scale, scale_peers

ROOT = Path(__file__).resolve().parents[1]


def test_without_pyserini_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(lucene, "anserini_jar", lambda: None)
    assert "pip install --no-deps pyserini" in lucene.available()


def test_an_old_java_is_not_taken(monkeypatch, tmp_path):
    (tmp_path / "lib/server").mkdir(parents=True)
    (tmp_path / "lib/server/libjvm.so").write_bytes(b"")
    (tmp_path / "release").write_text('JAVA_VERSION="17.0.15"\n')
    monkeypatch.setattr(lucene, "_java_homes", lambda: iter([tmp_path]))
    assert lucene.java_home() is None
    (tmp_path / "release").write_text('JAVA_VERSION="21.0.2"\n')
    assert lucene.java_home() == tmp_path


def test_the_scale_benchmark_leaves_it_out_when_it_cannot_run(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(lucene, "available", lambda: "no Java 21+ found")
    ran = []
    monkeypatch.setattr(scale, "bench_size", lambda systems, *rest: ran.append(systems) or iter(()))
    monkeypatch.setattr(scale.corpus_gen, "generate", lambda *a: (tmp_path / "c", tmp_path / "q"))
    scale.main(["--sizes", "10", "--out", str(tmp_path)])
    assert ran == [["whoosh-plain", "bm25s", "tantivy", "ours"]]
    assert "lucene left out: no Java 21+ found" in capsys.readouterr().err


@pytest.mark.skipif(lucene.available() is not None, reason=f"Lucene cannot run here: {lucene.available()}")
def test_lucene_finds_the_passage_and_takes_any_question(tmp_path):
    records = [{"id": "a", "title": "Moon", "text": "The lunar rover crossed the crater at dawn."},
               {"id": "b", "title": "Comet", "text": "A comet with a green tail passed the sun."},
               {"id": "c", "title": "Mars", "text": "A volcano on Mars erupted."}]
    peer = scale_peers.Lucene()
    peer.build(records, tmp_path / "index")
    assert peer.child_peak_rss_mb > 0
    # In a child interpreter: a process holds one JVM, and it stays out of the test process.
    script = ("import sys; from pathlib import Path; from benchmarks.scale_peers import Lucene\n"
              "peer = Lucene().open(Path(sys.argv[1]))\n"
              "print(peer.ask('Which rovers crossed a crater?', 2)[0])\n"
              "odd = ['', '???', 'title:* AND (', '\"unbalanced', 'a' * 5000, '\\ud800 moon', 'NOT OR']\n"
              "print(all(isinstance(peer.ask(q), list) for q in odd))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "index")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [records[0]["text"], "True"]


@pytest.mark.parametrize("module, args", [(scale, ["--sizes", "10", "--systems", "lucene"]),
                                          (peers, ["--peers", "lucene"])])
def test_asked_for_by_name_where_it_cannot_run_it_is_a_clear_error(monkeypatch, module, args, capsys):
    monkeypatch.setattr(lucene, "available", lambda: "no Java 21+ found")
    with pytest.raises(SystemExit) as stopped:
        module.main(args)
    assert stopped.value.code == 2
    assert "lucene cannot run here: no Java 21+ found" in capsys.readouterr().err
