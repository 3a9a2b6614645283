"""Build an index and write every answer to a file, to check a build change alters no answer.

    python -m benchmarks.answer_dump --corpus benchmarks/out/data/corpus-22000.jsonl \
        --questions benchmarks/out/data/questions.jsonl --out before-22k.jsonl
    python -m benchmarks.answer_dump --corpus corpus --questions ... --out before-bundled.jsonl

The corpus is a scale-benchmark JSONL file (built as benchmarks/ours.py builds it) or a corpus
folder (built as `qa-search index` builds it). One line per question: the JSON of
`Engine.ask(question, k=10)` without `took_ms`; compare two dumps with `cmp`.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from search.engine import Engine
from search.indexer import index_corpus

from .ours import Ours
from .scale import read_jsonl


def build(corpus: Path, index_dir: Path) -> float:
    """Build corpus into index_dir; the seconds it took."""
    started = time.perf_counter()
    if corpus.is_dir():
        index_corpus(corpus, index_dir)
    else:
        Ours().build(read_jsonl(corpus), index_dir)
    return time.perf_counter() - started


def answers(index_dir: Path, questions: list[str]) -> list[str]:
    engine = Engine(index_dir)
    try:
        lines = []
        for question in questions:
            payload = engine.ask(question, k=10).to_dict()
            payload.pop("took_ms")
            lines.append(json.dumps(payload, ensure_ascii=False, sort_keys=True))
        return lines
    finally:
        engine.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="a corpus-N.jsonl file or a corpus folder")
    parser.add_argument("--questions", required=True, help="JSONL with a 'question' per line")
    parser.add_argument("--out", required=True, help="file for the answers, one JSON line a question")
    args = parser.parse_args(argv)
    questions = [q["question"] for q in read_jsonl(Path(args.questions))]
    with tempfile.TemporaryDirectory() as tmp:
        seconds = build(Path(args.corpus), Path(tmp) / "index")
        lines = answers(Path(tmp) / "index", questions)
    Path(args.out).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"built in {seconds:.1f} s; {len(lines)} answers in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
