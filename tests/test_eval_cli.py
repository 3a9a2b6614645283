"""`qa-search eval` as a user runs it: a tiny SQuAD file, a seed-style question set, floors."""
from __future__ import annotations

import json

import pytest

from search.benchmark import parse_floors
from test_cli import run

SQUAD = {"version": "1.1", "data": [
    {"title": "Lunar_Rovers", "paragraphs": [
        {"context": "The Lunar Roving Vehicle was driven on the Moon during Apollo 15 in 1971. "
                    "It was built by Boeing.",
         "qas": [{"id": "q1", "question": "Which company built the Lunar Roving Vehicle?",
                  "answers": [{"text": "Boeing", "answer_start": 90}]},
                 {"id": "q2", "question": "In what year was the rover first driven on the Moon?",
                  "answers": [{"text": "1971", "answer_start": 68}]}]}]},
    {"title": "Comets", "paragraphs": [
        {"context": "Halley's Comet returns every 76 years. Its last perihelion was in 1986.",
         "qas": [{"id": "q3", "question": "How often does Halley's Comet return?",
                  "answers": [{"text": "every 76 years", "answer_start": 15}]}]}]},
]}


def test_eval_squad_reports_every_metric_as_json(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SQUAD))
    result = run("eval", "--squad", str(path), "--k", "1,2", "--json", "--fail-under", "R@1=1.0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["questions"] == 3
    assert report["recall"] == {"1": 1.0, "2": 1.0}
    assert report["article_at_1"] == 1.0
    # "It was built by Boeing." names only one question word; the sentence naming the
    # vehicle is chosen instead, so one answer sentence in three misses.
    assert report["answer_sentence_at_1"] == pytest.approx(2 / 3)
    assert report["passages"]["count"] == 2 and report["build_seconds"] > 0


def test_eval_fails_below_a_floor_and_says_which(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SQUAD))
    result = run("eval", "--squad", str(path), "--k", "1", "--fail-under", "MRR@10=1.01")
    assert result.returncode == 1
    assert "quality floor: MRR@10 = 1.0 is below the floor 1.01" in result.stderr
    assert "| qa-search |" in result.stdout


def test_eval_question_set_against_an_index(tmp_path, bundled_index):
    path = tmp_path / "qs.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "Who is the head of programming for Apple TV+?",
                                "answers": ["Matt Cherniss"], "sources": ["002_1cb2b5dc35a71b71"]}) + "\n")
    result = run("eval", "--questions", str(path), "--index", str(bundled_index), "--k", "1,3", "--json")
    report = json.loads(result.stdout)
    assert report["recall"]["3"] == 1.0 and report["cited_right"]["3"] == 1.0


@pytest.mark.parametrize("spec", ["R@1", "nope=0.5", "R@1=high"])
def test_bad_floors_are_rejected(spec):
    with pytest.raises(ValueError):
        parse_floors([spec])
