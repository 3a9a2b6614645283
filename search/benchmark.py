"""Evaluate this engine, through the same ask() the web app uses, on benchmark question sets."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from .engine import Engine
from .evaluation import Report, evaluate, load_questions_jsonl, load_squad
from .indexer import build_index

NAME = "qa-search"
# Floors a run can be held to (`qa-search eval --fail-under`), by the names Report uses.
METRICS = {
    "R@1": lambda r: r.recall_at(1), "R@5": lambda r: r.recall_at(5), "R@10": lambda r: r.recall_at(10),
    "R@20": lambda r: r.recall_at(20), "article@1": lambda r: r.article_at_1,
    "answer-sentence@1": lambda r: r.answer_sentence_at_1, "MRR@10": lambda r: r.mrr_at_10,
}


def _passage_texts(engine: Engine) -> list[str]:
    return [fields["text"] for fields in engine.index.searcher().all_stored_fields()]


def evaluate_squad(path: Path | str, ks: Sequence[int], progress: bool = True,
                   limit: int | None = None) -> Report:
    """Index the file's articles (our chunking) in a temp dir, then ask every (or the first `limit`) question."""
    documents, questions = load_squad(path)
    questions = questions[:limit] if limit else questions
    with tempfile.TemporaryDirectory(prefix="qa-search-eval-") as tmp:
        built = build_index(documents, tmp)
        engine = Engine(tmp)
        engine.warm()  # thousands of questions: compile the query path's loops, as the server does
        try:
            return evaluate(engine.ask, questions, ks, progress, name=NAME,
                            passages=_passage_texts(engine), build_seconds=built.seconds)
        finally:
            engine.close()


def evaluate_questions(path: Path | str, index_dir: Path | str, ks: Sequence[int],
                       progress: bool = True) -> Report:
    """Ask a seed-qa.jsonl question set against an existing index."""
    engine = Engine(index_dir)
    engine.warm()
    try:
        return evaluate(engine.ask, load_questions_jsonl(path), ks, progress, name=NAME,
                        passages=_passage_texts(engine))
    finally:
        engine.close()


def parse_floors(specs: Sequence[str]) -> dict[str, float]:
    """["R@1=0.86", ...] -> {"R@1": 0.86}; unknown names or bad numbers raise ValueError."""
    floors = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or name not in METRICS:
            raise ValueError(f"--fail-under takes NAME=VALUE with NAME one of {', '.join(METRICS)}; got {spec!r}")
        floors[name] = float(value)
    return floors


def shortfalls(report: Report, floors: dict[str, float]) -> list[str]:
    """Every floor the report falls below, as a sentence."""
    out = []
    for name, floor in floors.items():
        value = METRICS[name](report)
        if value is None or value < floor:
            out.append(f"{name} = {value if value is None else round(value, 4)} is below the floor {floor}")
    return out
