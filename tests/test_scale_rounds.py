"""The scale benchmark's serve rounds: taken in turns across systems, the median round kept."""
from pathlib import Path

from benchmarks import scale


def test_median_round_keeps_the_middle_p50_and_lists_them_all():
    rounds = [{"p50_ms": 5.0, "p95_ms": 9.0}, {"p50_ms": 3.0, "p95_ms": 4.0}, {"p50_ms": 4.0, "p95_ms": 7.0}]
    kept = scale.median_round(rounds)
    assert (kept["p50_ms"], kept["p95_ms"]) == (4.0, 7.0)
    assert kept["p50_rounds_ms"] == [5.0, 3.0, 4.0] and kept["rounds"] == 3
    assert scale.median_round([{"p50_ms": 2.0}, {"p50_ms": 1.0}])["p50_ms"] == 1.0  # lower middle
    assert scale.median_round([{"p50_ms": 1.0}, {"error": "serve failed"}]) == {"error": "serve failed"}


def test_rounds_are_taken_in_turns_after_every_build(monkeypatch, tmp_path):
    calls = []

    def worker(phase, system, *paths):
        calls.append((phase, system))
        if phase == "build":
            return {"build_s": 1.0} if system != "broken" else {"error": "build failed"}
        return {"p50_ms": float(len(calls))}

    monkeypatch.setattr(scale, "run_worker", worker)
    results = list(scale.bench_size(["a", "broken", "b"], 10, Path("c"), Path("q"), tmp_path, rounds=2))
    assert calls == [("build", "a"), ("build", "broken"), ("build", "b"),
                     ("serve", "a"), ("serve", "b"), ("serve", "a"), ("serve", "b")]
    assert [r["system"] for r in results] == ["a", "broken", "b"]
    assert results[1] == {"system": "broken", "size": 10, "error": "build failed"}
    assert results[0]["p50_rounds_ms"] == [4.0, 6.0] and results[0]["build_s"] == 1.0


class Clock:
    """Stands in for the time module in benchmarks.scale: each reading is one second later."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        self.now += 1.0
        return self.now


def test_warm_passes_go_on_for_the_time_asked_and_keep_each_questions_median(monkeypatch):
    # A slow spell on the first pass's first question and the third pass's second one.
    passes = [[9.0, 1.0], [2.0, 1.5], [3.0, 8.0]]
    taken = iter(passes)
    monkeypatch.setattr(scale, "timed_pass", lambda ask, questions: next(taken))
    monkeypatch.setattr(scale, "time", Clock())
    assert scale.warm_passes(None, ["a", "b"], min_seconds=0.0) == [9.0, 1.0]  # one pass at least
    taken = iter(passes)
    assert scale.warm_passes(None, ["a", "b"], min_seconds=3.0) == [3.0, 1.5]  # three passes: medians
