"""Experiment: two cheap candidate features on top of the re-ranker's, measured like kind_weights.

    PYTHONPATH=. python -m benchmarks.extra_features benchmarks/out/tune.pkl

  local-idf  coverage / best-sentence coverage / proximity recomputed with each question term's
             idf scaled by log(1 + N/df), df = how many of the question's N candidates hold the
             term: terms every candidate holds (the article's topic words) count for less, the
             ones that single out a passage for more. Aimed at the misses, most of which pick
             another passage of the right article.
  answer-type  kcover: the best coverage of a sentence that offers the kind of answer asked
             (offers_kind), 0 for kind "other"; kcount: distinct answer-type tokens not in the
             question in the best sentence, /3 capped at 1.
For each split direction: the global weights refitted with tune_rerank's coordinate ascent
(new weights starting at 0) on the fit half, against the same ascent without the new features.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import pickle
import sys

import numpy as np

from benchmarks.kind_weights import Data, ascent, fmt
from search import rerank
from search.questions import _DATE, _NAME, _NUMBER, offers_kind, read_question
from search.termcodes import term_code

LOCAL = ("l_coverage", "l_sentence", "l_proximity")
ATYPE = ("kcover", "kcount")


def kind_tokens(kind, text, qwords):
    if kind == "number":
        pat = _NUMBER
    elif kind == "date":
        pat = _DATE
    elif kind in ("person", "place"):
        pat = _NAME
    else:
        return set()
    found = {m.group().lower() for m in pat.finditer(text)}
    return found if kind == "date" else found - qwords


def _sentence_hits(q, cand) -> list[frozenset[str]]:
    """The question terms each sentence of the candidate holds."""
    by_code = {term_code(t): t for t in q.weights}
    codes, out, start = cand.codes.tolist(), [], 0
    for n in cand.lengths:
        out.append(frozenset(by_code[c] for c in codes[start:start + n] if c in by_code))
        start += n
    return out


def extra(rows):
    out = []
    for (text, idf, cands), _, _, _ in rows:
        q = read_question(text, idf)
        n = len(cands)
        held = [set(c.codes.tolist()) for c in cands]
        lw = {t: w * math.log(1 + n / max(1, sum(term_code(t) in s for s in held))) for t, w in q.weights.items()}
        ql = dataclasses.replace(q, weights=lw)
        local = dict(zip(rerank.FEATURES, zip(*(row for row, _ in rerank.feature_rows(ql, cands)))))
        per = []
        for i, c in enumerate(cands):
            row = [local["coverage"][i], local["sentence"][i], local["proximity"][i]]
            gcovers = [rerank._weigh(q, h) for h in _sentence_hits(q, c)]
            spans = c.sentences or ((0, len(c.text)),)
            if not c.sentences:
                gcovers = [0.0]
            offers = [offers_kind(q.kind, c.text[s:e], q.words) for s, e in spans]
            kcover = max((cv for cv, o in zip(gcovers, offers) if o), default=0.0)
            best = rerank.best_sentence(q, c)
            s, e = c.sentences[best] if best >= 0 else (0, len(c.text))
            kcount = min(1.0, len(kind_tokens(q.kind, c.text[s:e], q.words)) / 3)
            per.append(row + [kcover, kcount])
        out.append(per)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("cache")
    ap.add_argument("--feats", default="benchmarks/out/feats_extra.pkl")
    ap.add_argument("--random", type=int, default=0, help="only the random-start comparison, with N starts")
    args = ap.parse_args(argv)
    if os.path.exists(args.feats):
        frows, kinds, cols, total = pickle.load(open(args.feats, "rb"))
    else:
        from benchmarks.kind_weights import load
        frows, kinds, _, total = load(args.cache, "benchmarks/out/feats.pkl")
        with open(args.cache, "rb") as f:
            rows, _ = pickle.load(f)
        cols = extra(rows)
        del rows
        with open(args.feats, "wb") as f:
            pickle.dump((frows, kinds, cols, total), f)
    d = Data(frows, kinds, cols)
    del frows
    names = rerank.FEATURES + LOCAL + ATYPE
    if args.random:
        return random_starts(d, names, args.random)
    base = np.array([rerank.WEIGHTS[n] for n in rerank.FEATURES] + [0.0] * (len(LOCAL) + len(ATYPE)))
    nb = len(rerank.FEATURES)
    sets = {"local-idf": list(range(nb, nb + 3)), "answer-type": [nb + 3, nb + 4],
            "both": list(range(nb, nb + 5))}
    allq = np.ones(len(kinds), bool)
    Q = len(kinds)
    for fit_half in (0, 1):
        fitsel, test = d.parity == fit_half, d.parity != fit_half
        print(f"\n=== fit on {'even' if fit_half == 0 else 'odd'}, held-out {'odd' if fit_half == 0 else 'even'} ===")
        g = ascent(d, base, fitsel, names=list(range(nb)))
        res = {"current": base, "global (old features)": g}
        for label, cols_ in sets.items():
            w = ascent(d, g, fitsel, names=list(range(nb)) + cols_)
            print(f"  {label} weights:", {names[j]: w[j] for j in range(len(w)) if w[j] != 0})
            res[label] = w
        h_g = d.per_question(np.broadcast_to(g, (Q, len(g))))[0]
        for label, w in res.items():
            W = np.broadcast_to(w, (Q, len(w)))
            h = d.per_question(W)[0]
            print(f"{label:22s} held-out {fmt(d.measure(W, test))} | fit {fmt(d.measure(W, fitsel))} | all {fmt(d.measure(W, allq))}"
                  f" | held-out R@1 vs global +{int((h & ~h_g & test).sum())} -{int((~h & h_g & test).sum())}")
    multistart(d, names, base, sets)


def converge(d, start, sel, cols):
    """Coordinate ascent over GRID, repeated until a round changes nothing (at most 6 rounds)."""
    w = start
    for _ in range(6):
        nxt = ascent(d, w, sel, names=cols, rounds=1)
        if np.array_equal(nxt, w):
            break
        w = nxt
    return w


def paired(h, ref):
    """Held-out R@1 questions won/lost against ref, and the two-sided sign-test p."""
    from math import comb
    win, loss = int((h & ~ref).sum()), int((~h & ref).sum())
    n, k = win + loss, min(win, loss)
    p = min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0
    return f"[+{win} -{loss} p={p:.3f}]"


def multistart(d, names, base, sets):
    """Coordinate ascent is start-dependent: a new feature can 'win' only because its start
    lands in another local optimum. So each feature set gets the same starts, ascent run to
    convergence, and the start chosen by the fit half's objective alone."""
    from benchmarks.tune_rerank import objective
    nb = len(rerank.FEATURES)
    Q, D = len(d.kind), len(names)
    allq = np.ones(Q, bool)
    old = list(range(nb))
    swap = base.copy()
    for a, b in ((1, nb), (2, nb + 1), (4, nb + 2)):  # coverage, sentence, proximity -> local versions
        swap[b], swap[a] = swap[a], 0.0
    uniform = lambda cols: np.array([1.0 if j in cols else 0.0 for j in range(D)])
    bm25 = np.array([1.0] + [0.0] * (D - 1))
    for fit_half in (0, 1):
        fitsel, test = d.parity == fit_half, d.parity != fit_half
        print(f"\n=== multi-start, fit on {'even' if fit_half == 0 else 'odd'} ===")
        same_start, chosen = {}, {}
        for label, cols in [("old features", old)] + [(k, old + v) for k, v in sets.items()]:
            starts = {"current": base, "uniform": uniform(cols), "bm25 only": bm25}
            if label in ("local-idf", "both"):
                starts["swapped"] = swap
            best = None
            for sname, st in starts.items():
                w = converge(d, st, fitsel, cols)
                W = np.broadcast_to(w, (Q, D))
                fo = objective(d.measure(W, fitsel))
                h = d.per_question(W)[0] & test
                pair = ""
                if ("old features", sname) in same_start:
                    pair = paired(h, same_start["old features", sname])
                same_start[label, sname] = h
                print(f"  {label:13s} start {sname:9s} fit obj {fo:.4f} | held-out {fmt(d.measure(W, test))} | all {fmt(d.measure(W, allq))} {pair}")
                if best is None or fo > best[0]:
                    best = (fo, sname, w)
            W = np.broadcast_to(best[2], (Q, D))
            chosen[label] = d.per_question(W)[0] & test
            cur = d.per_question(np.broadcast_to(base, (Q, D)))[0] & test
            print(f"  -> {label:13s} chosen start {best[1]:9s}: held-out {fmt(d.measure(W, test))} | all {fmt(d.measure(W, allq))}"
                  f" | vs old chosen {paired(chosen[label], chosen['old features'])} | vs current {paired(chosen[label], cur)}")
            print("     weights", {names[j]: float(best[2][j]) for j in range(D) if best[2][j]})


def random_starts(d, names, n):
    """Old features vs old + local-idf from the same n random starts (weights drawn from GRID;
    the local-idf weights drawn too for the second set), ascent to convergence on the fit half:
    the spread shows how much of a difference is the optimiser's start rather than the features."""
    from benchmarks.tune_rerank import GRID
    nb = len(rerank.FEATURES)
    Q, D = len(d.kind), len(names)
    rng = np.random.default_rng(7)
    draws = rng.choice(GRID, size=(n, D))
    draws[:, 0] = np.maximum(draws[:, 0], 0.1)
    for fit_half in (0, 1):
        fitsel, test = d.parity == fit_half, d.parity != fit_half
        print(f"\n=== random starts, fit on {'even' if fit_half == 0 else 'odd'} ===", flush=True)
        held = {"old": [], "local-idf": []}
        for i in range(n):
            line = []
            for label, cols in (("old", list(range(nb))), ("local-idf", list(range(nb + 3)))):
                st = np.where(np.isin(np.arange(D), cols), draws[i], 0.0)
                w = converge(d, st, fitsel, cols)
                W = np.broadcast_to(w, (Q, D))
                r = d.measure(W, test)
                held[label].append(r)
                line.append(f"{label} fit obj {objective_of(d, W, fitsel):.4f} held-out {fmt(r)}")
            print(f"  start {i}: " + " || ".join(line), flush=True)
        for label, rs in held.items():
            a = np.array(rs)
            print(f"  {label:10s} held-out mean R@1 {a[:, 0].mean():.4f} (sd {a[:, 0].std():.4f}, min {a[:, 0].min():.4f}, max {a[:, 0].max():.4f})"
                  f"  R@5 {a[:, 1].mean():.4f}  art@1 {a[:, 2].mean():.4f}")
        diff = np.array(held["local-idf"])[:, 0] - np.array(held["old"])[:, 0]
        print(f"  local-idf minus old, same start: mean {diff.mean():+.4f}, positive in {(diff > 0).sum()}/{n}")


def objective_of(d, W, sel):
    from benchmarks.tune_rerank import objective
    return objective(d.measure(W, sel))


if __name__ == "__main__":
    sys.exit(main())
