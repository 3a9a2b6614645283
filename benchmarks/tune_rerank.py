"""Fit the re-ranker's weights (search.rerank.WEIGHTS) on a SQuAD-layout file.

    python -m benchmarks.tune_rerank ../shared/benchmarks/squad-dev-a.json

Builds our index of the file's articles in a temp dir, takes each question's first-stage
candidates once, then runs coordinate ascent over a small grid of weights. It fits on the
questions of even-numbered articles and reports the odd-numbered ones as a held-out check,
so a weight set that only memorises one half shows up as a gap between the two.
"""
from __future__ import annotations

import argparse
import os
import pickle
import tempfile

from search import metrics, rerank, settings
from search.engine import Engine, _candidate
from search.evaluation import load_squad
from search.indexer import build_index
from search.query import plan
from search.questions import read_question

GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def collect(squad_path: str):
    """(feature rows, answer labels, article labels, article parity) for every question."""
    documents, questions = load_squad(squad_path)
    order = {d.doc_id: i for i, d in enumerate(documents)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        build_index(documents, tmp)
        engine = Engine(tmp)
        searcher = engine.index.searcher()
        for question in questions:
            query = plan(question.question)
            if not query.terms:
                continue
            raw = engine.index.search(query.weighted_terms(), limit=settings.get("rerank_depth"))
            cands = [_candidate(r) for r in raw]
            gold = metrics.gold_forms(question.answers)
            rows.append(((query.question, {t: searcher.idf("text", t) for t in query.terms}, cands),
                         [metrics.contains_answer(c.text, gold) for c in cands],
                         [c.doc_id == question.doc_id for c in cands],
                         order[question.doc_id] % 2))
        engine.close()
    return rows, len(questions)


def with_features(rows):
    """Replace each question's (question, candidates) by the re-ranker's feature rows."""
    return [([f for f, _ in rerank.feature_rows(read_question(text, idf), cands)], a, d, p)
            for (text, idf, cands), a, d, p in rows]


def measure(rows, total: int, weights: dict, half: int | None = None) -> tuple[float, float, float]:
    """(R@1, R@5, article@1) over the questions of one half (or all)."""
    w = [weights[name] for name in rerank.FEATURES]
    r1 = r5 = a1 = n = 0
    for feats, answered, same_doc, parity in rows:
        if half is not None and parity != half:
            continue
        n += 1
        if not feats:
            continue
        order = sorted(range(len(feats)), key=lambda i: (-sum(a * b for a, b in zip(w, feats[i])), i))
        r1 += answered[order[0]]
        r5 += any(answered[i] for i in order[:5])
        a1 += same_doc[order[0]]
    n = n or 1
    return r1 / n, r5 / n, a1 / n


def objective(result: tuple[float, float, float]) -> float:
    r1, r5, a1 = result
    return r1 + 0.5 * r5 + 0.5 * a1


def fit(rows, total: int, rounds: int = 2) -> dict:
    weights = dict(rerank.WEIGHTS)
    best = objective(measure(rows, total, weights, half=0))
    for _ in range(rounds):
        for name in rerank.FEATURES:
            for value in GRID:
                trial = {**weights, name: value}
                score = objective(measure(rows, total, trial, half=0))
                if score > best:
                    best, weights = score, trial
    return weights


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("squad", help="SQuAD v1.1 layout JSON")
    parser.add_argument("--cache", help="pickle of the collected candidates, reused when present")
    args = parser.parse_args(argv)
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as f:
            rows, total = pickle.load(f)
    else:
        rows, total = collect(args.squad)
        if args.cache:
            with open(args.cache, "wb") as f:
                pickle.dump((rows, total), f)
    rows = with_features(rows)
    for label, weights in (("current", rerank.WEIGHTS), ("first stage only", {n: float(n == "bm25") for n in rerank.FEATURES})):
        print(label, "fit half", measure(rows, total, weights, 0), "held-out half", measure(rows, total, weights, 1))
    fitted = fit(rows, total)
    print("fitted  fit half", measure(rows, total, fitted, 0), "held-out half", measure(rows, total, fitted, 1))
    print("all", measure(rows, total, fitted))
    print("WEIGHTS =", {k: v for k, v in fitted.items()})


if __name__ == "__main__":
    main()
