"""Answer quality on our own questions about the bundled articles (not ../shared's set)."""
from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

QUESTIONS = [json.loads(line) for line in
             (Path(__file__).parent / "data" / "bundled-qa.jsonl").read_text("utf-8").splitlines() if line.strip()]


def normalize(text: str) -> str:
    text = "".join(c for c in text.lower() if c not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _answered(hit, case) -> bool:
    return any(normalize(a) in normalize(hit.text) for a in case["answers"])


@pytest.mark.parametrize("case", QUESTIONS, ids=[c["question"] for c in QUESTIONS])
def test_answer_in_top_three_with_right_citation(engine, case):
    hits = engine.ask(case["question"], k=3).results
    assert any(_answered(h, case) and h.citation.doc_id in case["sources"] for h in hits), \
        [h.answer.text for h in hits]


def test_most_answers_come_first(engine):
    first = sum(_answered(engine.ask(c["question"], k=1).results[0], c) for c in QUESTIONS)
    assert first / len(QUESTIONS) >= 0.75
