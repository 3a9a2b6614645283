"""scripts/load.py's corpus and question readers (the load run itself is a long run, outside the suite)."""
import importlib.util
import json
from pathlib import Path

from search.corpus import load_corpus

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "load.py"


def load_script():
    spec = importlib.util.spec_from_file_location("load_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_jsonl_corpus_is_split_into_files_the_indexer_reads(tmp_path):
    load = load_script()
    records = [{"id": f"r{n}", "title": f"Title {n}", "text": f"Passage number {n} about the moon."} for n in range(7)]
    source = tmp_path / "corpus.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records) + "\n", "utf-8")
    load.copy_jsonl_corpus(source, tmp_path / "corpus", per_file=3)
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["part000.jsonl", "part001.jsonl", "part002.jsonl"]
    loaded = load_corpus(tmp_path / "corpus")
    assert sorted(d.doc_id for d in loaded.documents) == sorted(r["id"] for r in records)
    assert not loaded.problems


def test_questions_are_read_from_each_line(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text('{"question": "Who?", "answers": []}\n\n{"question": "When?"}\n', "utf-8")
    assert load_script().read_questions(path) == ["Who?", "When?"]
