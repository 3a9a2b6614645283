"""Experiment: re-ranker weights conditioned on the question's kind (search.questions.answer_kind).

    PYTHONPATH=. python -m benchmarks.kind_weights benchmarks/out/tune.pkl [--feats benchmarks/out/feats.pkl]

Reads the candidates cached by benchmarks/tune_rerank.py (--cache), computes the re-ranker's
features once, and compares, for each split direction (fit on even articles / test on odd, and
the reverse):
  current   rerank.WEIGHTS as they stand
  global    one weight vector refitted by tune_rerank's coordinate ascent on the fit half
  per-kind  one vector per kind, each fitted (same ascent, starting from the global refit) on
            the fit half's questions of that kind; kinds with fewer than MIN_N fit questions keep
            the global vector
  kind-only the global vector, with only the "kind" (and "exact") weight allowed to vary per kind
Scoring is vectorised with numpy but sums the products left to right as measure() does, so
it reproduces tune_rerank.measure exactly (checked at start).
"""
from __future__ import annotations

import argparse
import os
import pickle
import sys

import numpy as np

from benchmarks.tune_rerank import GRID, measure, objective, with_features
from search import rerank
from search.questions import read_question

KINDS = ("number", "date", "person", "place", "other")
FEATURES = rerank.FEATURES
DEPTH = 30


def load(cache: str, feats: str | None, extra=None):
    """(features list-rows as with_features gives, kinds, extra feature columns or None)."""
    if feats and os.path.exists(feats):
        with open(feats, "rb") as f:
            return pickle.load(f)
    with open(cache, "rb") as f:
        rows, total = pickle.load(f)
    kinds = [read_question(text, idf).kind for (text, idf, _), _, _, _ in rows]
    extras = extra(rows) if extra else None
    out = (with_features(rows), kinds, extras, total)
    if feats:
        with open(feats, "wb") as f:
            pickle.dump(out, f)
    return out


class Data:
    def __init__(self, frows, kinds, extra_cols=None):
        q = len(frows)
        d = len(frows[0][0][0]) if frows[0][0] else len(FEATURES)
        extra_d = 0 if extra_cols is None else len(extra_cols[0][0]) if extra_cols[0] else 0
        self.F = np.zeros((q, DEPTH, d + extra_d))
        self.mask = np.zeros((q, DEPTH), bool)
        self.ans = np.zeros((q, DEPTH), bool)
        self.doc = np.zeros((q, DEPTH), bool)
        self.parity = np.array([p for _, _, _, p in frows])
        self.kind = np.array([KINDS.index(k) for k in kinds])
        for i, (feats, a, s, _) in enumerate(frows):
            n = len(feats)
            if n:
                self.F[i, :n, :d] = feats
                if extra_d:
                    self.F[i, :n, d:] = extra_cols[i]
            self.mask[i, :n] = True
            self.ans[i, :n] = a
            self.doc[i, :n] = s

    def scores(self, W):
        """W: (Q, D) per-question weights; products summed left to right like measure()."""
        s = np.zeros(self.mask.shape)
        for j in range(W.shape[1]):
            s = s + self.F[:, :, j] * W[:, j, None]
        return np.where(self.mask, s, -np.inf)

    def per_question(self, W):
        """(hit@1, hit@5, article@1) arrays over all questions."""
        order = np.argsort(-self.scores(W), axis=1, kind="stable")[:, :5]
        idx = np.arange(len(order))[:, None]
        ok = self.mask.any(1)
        h1 = self.ans[idx[:, 0], order[:, 0]] & ok
        h5 = self.ans[idx, order].any(1) & ok
        a1 = self.doc[idx[:, 0], order[:, 0]] & ok
        return h1, h5, a1

    def measure(self, W, sel):
        h1, h5, a1 = self.per_question(W)
        n = max(int(sel.sum()), 1)
        return h1[sel].sum() / n, h5[sel].sum() / n, a1[sel].sum() / n


def expand(d: Data, by_kind: dict) -> np.ndarray:
    """Per-question weight matrix from {kind index: vector}."""
    return np.stack([by_kind[k] for k in d.kind])


def ascent(d: Data, start: np.ndarray, sel: np.ndarray, names=None, rounds: int = 2) -> np.ndarray:
    """tune_rerank.fit's coordinate ascent over GRID on the selected questions."""
    w = start.copy()
    cols = range(len(w)) if names is None else names
    best = objective(d.measure(np.broadcast_to(w, (len(d.kind), len(w))), sel))
    for _ in range(rounds):
        for j in cols:
            for value in GRID:
                trial = w.copy()
                trial[j] = value
                score = objective(d.measure(np.broadcast_to(trial, (len(d.kind), len(w))), sel))
                if score > best:
                    best, w = score, trial
    return w


def fmt(r):
    return "R@1 %.4f  R@5 %.4f  art@1 %.4f" % r


def run(d: Data, start: np.ndarray, min_ns=(0, 150, 300), label_names=FEATURES):
    allq = np.ones(len(d.kind), bool)
    for fit_half in (0, 1):
        test = d.parity != fit_half
        fitsel = d.parity == fit_half
        print(f"\n=== fit on {'even' if fit_half == 0 else 'odd'} articles ({fitsel.sum()} q), "
              f"held-out {'odd' if fit_half == 0 else 'even'} ({test.sum()} q) ===")
        results = {}
        cur = np.broadcast_to(start, (len(d.kind), len(start)))
        results["current"] = cur
        g = ascent(d, start, fitsel)
        print("global refit:", dict(zip(label_names, g)))
        results["global"] = np.broadcast_to(g, cur.shape)
        fitted = {}
        for k in range(len(KINDS)):
            sel = fitsel & (d.kind == k)
            fitted[k] = ascent(d, g, sel)
            print(f"  {KINDS[k]:7s} n_fit={sel.sum():4d}", {n: round(v, 2) for n, v in zip(label_names, fitted[k]) if v != 0 or True})
        for min_n in min_ns:
            by = {k: fitted[k] if (fitsel & (d.kind == k)).sum() >= min_n else g for k in range(len(KINDS))}
            results[f"per-kind(min {min_n})"] = expand(d, by)
        only = [label_names.index("kind"), label_names.index("exact")]
        by = {k: ascent(d, g, fitsel & (d.kind == k), names=only) for k in range(len(KINDS))}
        print("  kind-only:", {KINDS[k]: [round(by[k][j], 2) for j in only] for k in by})
        results["kind-only"] = expand(d, by)
        for name, W in results.items():
            print(f"{name:18s} held-out {fmt(d.measure(W, test))} | fit {fmt(d.measure(W, fitsel))} | all {fmt(d.measure(W, allq))}")
        # per-kind breakdown, held-out
        for name in ("global", "per-kind(min 150)"):
            W = results[name]
            print(f"  {name} held-out by kind:",
                  {KINDS[k]: round(d.measure(W, test & (d.kind == k))[0], 4) for k in range(len(KINDS))})
        # paired comparison on held-out: questions won / lost at R@1
        h_g = d.per_question(results["global"])[0]
        for name in [n for n in results if n.startswith("per-kind") or n == "kind-only"]:
            h = d.per_question(results[name])[0]
            print(f"  {name} vs global, held-out R@1: +{int((h & ~h_g & test).sum())} -{int((~h & h_g & test).sum())}")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("cache")
    ap.add_argument("--feats", default="benchmarks/out/feats.pkl")
    args = ap.parse_args(argv)
    frows, kinds, _, total = load(args.cache, args.feats)
    d = Data(frows, kinds)
    start = np.array([rerank.WEIGHTS[n] for n in FEATURES])
    # exactness check against tune_rerank.measure
    for half in (None, 0, 1):
        ref = measure(frows, total, rerank.WEIGHTS, half)
        sel = np.ones(len(kinds), bool) if half is None else d.parity == half
        mine = d.measure(np.broadcast_to(start, (len(kinds), len(start))), sel)
        assert np.allclose(ref, mine, atol=0, rtol=0), (ref, mine)
        print("measure check", half, fmt(ref))
    del frows
    run(d, start)


if __name__ == "__main__":
    sys.exit(main())
