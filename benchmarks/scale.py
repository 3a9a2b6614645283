"""Scale benchmark: build time, query latency, peak RSS and index size, ours against peers.

Every (system, size) is built in one subprocess and served from disk in another, so each
peak RSS belongs to one system and one phase only. Run from the repository root:

    python -m benchmarks.scale --sizes 2000,22000,200000

Our engine runs by its words alone here (QA_SEARCH_SEMANTIC=off, unless that is set): with
the sentence model its build encodes every sentence, tens of milliseconds a passage on two
cores, and each question costs a few milliseconds more (README, "Sentence model").
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from . import corpus_gen, report
from .ours import Ours
from .scale_peers import PEERS

SYSTEMS = {**PEERS, Ours.name: Ours}
DEFAULT_SYSTEMS = ["whoosh-plain", "bm25s", "tantivy", "lucene", Ours.name]  # lucene where it can run
K = 10
MIN_WARM_S = 10.0  # warm passes go on until this long, each question's median kept


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_parts_mb() -> dict[str, float]:
    """Current anonymous and file-backed (mmapped index files) resident memory, in MB."""
    parts = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile"):
            parts[f"serve_{name[3:].lower()}_mb"] = int(value.split()[0]) / 1024
    return parts


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def percentiles(latencies_ms: list[float]) -> dict[str, float]:
    p50, p95, p99 = np.percentile(latencies_ms, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}


def timed_pass(ask, questions: list[str]) -> list[float]:
    """Per-question latency in ms of one single-threaded pass."""
    latencies = []
    for question in questions:
        start = time.perf_counter()
        ask(question, K)
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def work_build(system: str, corpus: Path, index_dir: Path) -> dict:
    records = read_jsonl(corpus)
    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    start = time.perf_counter()
    builder = SYSTEMS[system]()
    builder.build(records, index_dir)
    seconds = time.perf_counter() - start
    # A system that builds in a child process (Lucene's Java indexer) adds that child's peak.
    rss = peak_rss_mb() + getattr(builder, "child_peak_rss_mb", 0.0)
    return {"build_s": seconds, "passages_per_s": len(records) / seconds,
            "build_rss_mb": rss, "index_mb": dir_size_mb(index_dir)}


def warm_passes(ask, questions: list[str], min_seconds: float = MIN_WARM_S) -> list[float]:
    """Each question's median latency in ms over warm passes repeated for at least min_seconds
    (one pass at least): a pass of a fast system takes a second or two, short enough for a slow
    spell of the machine to fall on all of it."""
    passes, start = [], time.perf_counter()
    while not passes or time.perf_counter() - start < min_seconds:
        passes.append(timed_pass(ask, questions))
    return [float(v) for v in np.median(np.array(passes), axis=0)]


def work_serve(system: str, questions_file: Path, index_dir: Path) -> dict:
    questions = [q["question"] for q in read_jsonl(questions_file)]
    start = time.perf_counter()
    engine = SYSTEMS[system]().open(index_dir)
    open_s = time.perf_counter() - start
    cold = timed_pass(engine.ask, questions)  # the warm-up pass, kept to show first-query costs
    warm = warm_passes(engine.ask, questions)
    return {"open_s": open_s, **percentiles(warm),
            **{f"cold_{k}": v for k, v in percentiles(cold).items()},
            "serve_rss_mb": peak_rss_mb(), **rss_parts_mb()}


def run_worker(phase: str, system: str, *paths: Path) -> dict:
    """Run one phase of one system in a fresh interpreter; its last stdout line is the JSON."""
    cmd = [sys.executable, "-m", "benchmarks.scale", "--worker", phase, system, *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {"error": f"{phase} failed (exit {done.returncode})"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_round(rounds: list[dict]) -> dict:
    """The serve round with the median p50 (the lower middle one of an even count), with
    every round's p50 listed; a failed round makes the result a failure."""
    failed = [r for r in rounds if "error" in r]
    if failed:
        return failed[0]
    ordered = sorted(rounds, key=lambda r: r["p50_ms"])
    return {**ordered[(len(ordered) - 1) // 2], "rounds": len(rounds),
            "p50_rounds_ms": [r["p50_ms"] for r in rounds]}


def bench_size(systems: list[str], size: int, corpus: Path, questions: Path, work: Path,
               rounds: int) -> Iterator[dict]:
    """Each system's result at one size: its build, then `rounds` serve rounds taken in turns
    (system A, B, C, then A, B, C again...), so a slow spell of the machine falls on every
    system alike instead of on whichever ran during it; each keeps its median round."""
    index = {system: work / f"index-{system}-{size}" for system in systems}
    built: dict[str, dict] = {}
    for system in systems:
        print(f"[{size}] {system} build ...", file=sys.stderr, flush=True)
        built[system] = {"system": system, "size": size, **run_worker("build", system, corpus, index[system])}
    served: dict[str, list[dict]] = {s: [] for s in systems if "error" not in built[s]}
    for n in range(rounds):
        for system in served:
            print(f"[{size}] {system} serve, round {n + 1} of {rounds} ...", file=sys.stderr, flush=True)
            served[system].append(run_worker("serve", system, questions, index[system]))
    for system in systems:
        shutil.rmtree(index[system], ignore_errors=True)
        result = built[system] if system not in served else {**built[system], **median_round(served[system])}
        print(f"[{size}] {system}: {result}", file=sys.stderr, flush=True)
        yield result


def load_results(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []


def merge(old: list[dict], new: list[dict]) -> list[dict]:
    """Newer measurements replace older ones of the same (system, size)."""
    fresh = {(r["system"], r["size"]) for r in new}
    return [r for r in old if (r["system"], r["size"]) not in fresh] + new


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,22000,200000", help="comma-separated passage counts")
    parser.add_argument("--systems", default=",".join(DEFAULT_SYSTEMS),
                        help=f"comma-separated, from: {', '.join(SYSTEMS)}")
    parser.add_argument("--squad", default="../shared/benchmarks/squad-dev-a.json")
    parser.add_argument("--out", default="benchmarks/out", help="folder for data, indexes, results")
    parser.add_argument("--fresh", action="store_true", help="forget results of earlier runs")
    parser.add_argument("--rounds", type=int, default=1,
                        help="serve rounds per system, taken in turns; each keeps its median-p50 round")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("QA_SEARCH_SEMANTIC", "off")  # the build and serve phases inherit it
    if args.worker:
        phase, system, *paths = args.worker
        work = work_build if phase == "build" else work_serve
        print(json.dumps(work(system, *map(Path, paths))))
        return

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if "lucene" in systems:
        from . import lucene

        why = lucene.available()
        if why and args.systems != parser.get_default("systems"):
            parser.error(f"lucene cannot run here: {why}")
        if why:
            print(f"lucene left out: {why}", file=sys.stderr)
            systems.remove("lucene")
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not sizes or min(sizes) < 1 or args.rounds < 1:
        parser.error(f"unknown systems {unknown}" if unknown else "sizes and rounds must be positive")
    out = Path(args.out)
    results_file = out / "scale-results.json"
    results = [] if args.fresh else load_results(results_file)
    for size in sizes:
        corpus, questions = corpus_gen.generate(args.squad, size, out / "data")
        for result in bench_size(systems, size, corpus, questions, out / "work", args.rounds):
            results = merge(results, [result])
            out.mkdir(parents=True, exist_ok=True)
            results_file.write_text(json.dumps(results, indent=1))
    print(report.table(results, Ours.name))
    plot = report.plot_p50(results, out / "scale-p50.png")
    print(f"results: {results_file}" + (f", plot: {plot}" if plot else ""))


if __name__ == "__main__":
    main()
