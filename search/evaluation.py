"""Benchmark questions in, a Report out: loaders, the timed runner and a Markdown table.

Engine-agnostic: `ask(question, k=...)` may return a SearchResponse, a sequence of Hits,
`metrics.Ranked` items or (text, doc_id) pairs. Metric definitions: benchmarks/README.md.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from . import metrics
from .metrics import Latency, PassageStats, Ranked
from .models import Document


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    doc_id: str | None = None  # the SQuAD article the question was asked about
    sources: tuple[str, ...] = ()  # seed questions: corpus files (by stem) that hold an answer


@dataclass(frozen=True)
class Report:
    """Every metric of one system on one question set; recall curves run k = 1..max(ks)."""

    name: str
    questions: int
    ks: tuple[int, ...]
    recall: tuple[float, ...]
    mrr_at_10: float
    article_at_1: float | None
    answer_sentence_at_1: float | None
    cited_right: tuple[float, ...] | None
    latency: Latency
    passages: PassageStats | None = None
    build_seconds: float | None = None

    def recall_at(self, k: int) -> float:
        return self.recall[k - 1]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ks"] = list(self.ks)
        data["recall"] = {str(k): self.recall_at(k) for k in self.ks}
        data["recall_curve"] = list(self.recall)
        if self.cited_right is not None:
            data["cited_right"] = {str(k): self.cited_right[k - 1] for k in self.ks}
        return data


def _read_json(path: Path | str) -> dict:
    return json.loads(Path(path).read_text("utf-8"))


def load_squad(path: Path | str) -> tuple[list[Document], list[Question]]:
    """One Document per SQuAD article (paragraphs joined by a blank line) and every question."""
    documents, questions = [], []
    for article in _read_json(path)["data"]:
        doc_id = article["title"]
        paragraphs = article["paragraphs"]
        documents.append(Document(doc_id=doc_id, title=doc_id.replace("_", " "),
                                  text="\n\n".join(p["context"] for p in paragraphs), source=doc_id))
        for paragraph in paragraphs:
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                questions.append(Question(qa["id"], qa["question"], answers, doc_id))
    return documents, questions


def gold_paragraphs(path: Path | str) -> list[tuple[str, str]]:
    """(doc_id, paragraph text) for every SQuAD paragraph: the passages peers index."""
    return [(article["title"], p["context"])
            for article in _read_json(path)["data"] for p in article["paragraphs"]]


def load_questions_jsonl(path: Path | str) -> list[Question]:
    """seed-qa.jsonl: one {id, question, answers, sources} object a line."""
    questions = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            questions.append(Question(str(obj["id"]), obj["question"], tuple(obj["answers"]),
                                      sources=tuple(obj.get("sources", ()))))
    return questions


def to_ranked(result) -> list[Ranked]:
    """Whatever `ask` returned, as Ranked items best first."""
    items = getattr(result, "results", result)
    ranked = []
    for item in items:
        if isinstance(item, Ranked):
            ranked.append(item)
        elif hasattr(item, "citation"):  # a search.models.Hit
            ranked.append(Ranked(item.text, item.citation.doc_id, item.answer.text, item.citation.source))
        else:
            text, doc_id = item
            ranked.append(Ranked(text, doc_id))
    return ranked


def score(name: str, questions: Sequence[Question], rankings: Sequence[Sequence[Ranked]],
          seconds: Sequence[float], ks: Sequence[int], passages: Sequence[str] | None = None,
          build_seconds: float | None = None) -> Report:
    """The Report for rankings already gathered, one per question."""
    ks = check_ks(ks)
    golds = [metrics.gold_forms(q.answers) for q in questions]
    firsts = [metrics.first_answer_rank(r, g) for r, g in zip(rankings, golds)]
    cited = None
    if questions and all(q.sources for q in questions):
        cited = metrics.cited_right_curve(rankings, golds, [q.sources for q in questions], max(ks))
    return Report(
        name=name,
        questions=len(questions),
        ks=ks,
        recall=metrics.recall_curve(firsts, max(ks)),
        mrr_at_10=metrics.mrr(firsts, 10),
        article_at_1=metrics.article_at_1(rankings, [q.doc_id for q in questions]),
        answer_sentence_at_1=metrics.answer_sentence_at_1(rankings, golds),
        cited_right=cited,
        latency=metrics.latency(seconds),
        passages=metrics.passage_stats(passages) if passages is not None else None,
        build_seconds=build_seconds,
    )


def check_ks(ks: Iterable[int]) -> tuple[int, ...]:
    """Sorted distinct cut-offs; each must be a positive integer."""
    ks = tuple(sorted(set(ks)))
    if not ks or any(not isinstance(k, int) or k < 1 for k in ks):
        raise ValueError(f"ks must be positive integers, got {ks!r}")
    return ks


def evaluate(ask: Callable, questions: Sequence[Question], ks: Sequence[int] = (1, 5, 10, 20),
             progress: bool = True, *, name: str = "engine", passages: Sequence[str] | None = None,
             build_seconds: float | None = None, annotate: Callable | None = None) -> Report:
    """Ask every question once with k = max(ks), timing each call, and score the rankings.

    `annotate(question, ranked) -> ranked`, when given, runs after the timed call: it lets a
    benchmark add what a system lacks (e.g. an answer sentence) without charging it latency.
    """
    ks = check_ks(ks)
    rankings, seconds = [], []
    for q in _progress(questions, name, enabled=progress):
        start = time.perf_counter()
        result = ask(q.question, k=max(ks))
        seconds.append(time.perf_counter() - start)
        ranked = to_ranked(result)[: max(ks)]
        rankings.append(annotate(q.question, ranked) if annotate else ranked)
    return score(name, questions, rankings, seconds, ks, passages, build_seconds)


def _progress(items: Sequence, label: str, enabled: bool = True) -> Iterator:
    """Yield items, drawing a one-line counter on stderr when it is a terminal."""
    if not (enabled and sys.stderr.isatty()):
        yield from items
        return
    total, step = len(items), max(1, len(items) // 200)
    for i, item in enumerate(items, 1):
        yield item
        if i % step == 0 or i == total:
            sys.stderr.write(f"\r{label}: {i}/{total} ({100 * i // max(total, 1)}%)")
            sys.stderr.flush()
    sys.stderr.write("\n")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ratio(value: float, base: float) -> str:
    return f"{value:.2f} (×{value / base:.2f})" if base and base > 0 else f"{value:.2f}"


def markdown_table(reports: Sequence[Report], ks: Sequence[int] | None = None) -> str:
    """One row per report; latencies also as ratios to the first report's (same run)."""
    if not reports:
        return ""
    ks = check_ks(ks or reports[0].ks)
    base = reports[0].latency
    header = (["System"] + [f"R@{k}" for k in ks]
              + ["article@1", "MRR@10", "answer-sentence@1", f"cited right@{max(ks)}",
                 "passage words mean/max", "build s", "p50 ms", "p95 ms"])
    rows = []
    for r in reports:
        recall = [_fmt(r.recall_at(k)) if k <= len(r.recall) else "n/a" for k in ks]
        cited = r.cited_right[max(ks) - 1] if r.cited_right and max(ks) <= len(r.cited_right) else None
        words = f"{r.passages.mean_words:.0f}/{r.passages.max_words}" if r.passages else "n/a"
        rows.append([r.name] + recall + [
            _fmt(r.article_at_1), _fmt(r.mrr_at_10), _fmt(r.answer_sentence_at_1), _fmt(cited), words,
            _fmt(r.build_seconds, 2), _ratio(r.latency.p50_ms, base.p50_ms), _ratio(r.latency.p95_ms, base.p95_ms)])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    n = {r.questions for r in reports}
    lines.append("")
    lines.append(f"Questions: {', '.join(map(str, sorted(n)))}. Latency ratios are to {reports[0].name}.")
    return "\n".join(lines)
