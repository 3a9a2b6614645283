"""Crash safety, proven: a seeded random walk of add / update / remove / commit / reopen / crash.

A plain dict says what should be in the index. A crash is a real indexing process (a fork of
this one, already past its imports, or `python -m search` itself) killed with SIGKILL at a
named point of the write path or at a random moment. After every step a fresh reader and a
long-lived one must both see exactly the last committed state: the one before the killed
command, or the one it was making. QA_SEARCH_CRASH_TRIALS and QA_SEARCH_CRASH_SEED widen the
walk for long runs (scripts/crash_trials.sh).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from search import faults
from search.cli import main
from search.indexcheck import check_index
from search.searcher import IndexHandle
from indexstate import snapshot

ROOT = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("QA_SEARCH_CRASH_TRIALS", "24"))
SEED = int(os.environ.get("QA_SEARCH_CRASH_SEED", "20240605"))
POINTS = {
    "index": ["writer:locked", "update:recorded", "update:stored", "update:written", "whoosh:toc-written",
              "update:committed", "recover:collected", "update:done"],
    "remove": ["update:recorded", "update:written", "whoosh:toc-written", "update:committed", "recover:collected"],
    "rebuild": ["build:written", "build:stored", "build:described", "build:swapped"],
}
# What a killed writer may leave for `--check` to report (each with its repair) until the next writer runs.
CRASH_FINDINGS = ("an update was interrupted", "left by an interrupted write", "unfinished build folder",
                  "since indexing")
WORDS = ("rover crater lunar orbit comet nebula quasar pulsar telescope galaxy asteroid mission crew "
         "launch module signal station dust ice volcano canyon ridge basalt plume solar wind").split()


def prose(rng: random.Random, token: str, sentences: int) -> str:
    out = []
    for i in range(sentences):
        words = rng.choices(WORDS, k=rng.randint(6, 14))
        words.insert(rng.randrange(len(words)), token)
        out.append(" ".join(words).capitalize() + ".")
        if rng.random() < 0.2:
            out.append("\n\n")
    return " ".join(out).replace(" \n\n ", "\n\n").strip() + "\n"


@dataclass
class World:
    """The corpus as plain dicts, and what the index should hold."""

    corpus: Path
    index: Path
    rng: random.Random
    files: dict[str, str] = field(default_factory=dict)  # rel -> text (txt) or {id: text} as JSON lines
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # jsonl rel -> id -> text
    excluded: set[str] = field(default_factory=set)
    serial: int = 0

    def expected(self) -> dict[str, str]:
        docs = {rel[:-4]: text for rel, text in self.files.items()}
        for recs in self.records.values():
            docs.update(recs)
        return {d: t for d, t in docs.items() if d not in self.excluded}

    def token(self) -> str:
        self.serial += 1
        return f"zq{self.serial}"

    def edit(self, changes: int) -> None:
        """Add, change and delete corpus files (nothing is indexed yet)."""
        for _ in range(changes):
            roll = self.rng.random()
            if roll < 0.45 or len(self.files) < 3:
                rel = f"doc{self.serial:03d}.txt"
                self.files[rel] = prose(self.rng, self.token(), self.rng.randint(2, 30))
            elif roll < 0.75:
                rel = self.rng.choice(sorted(self.files))
                self.files[rel] = prose(self.rng, self.token(), self.rng.randint(2, 30))
            elif roll < 0.85:
                rel = f"batch{self.rng.randint(0, 2)}.jsonl"
                recs = self.records.setdefault(rel, {})
                for key in self.rng.sample(range(6), 3):
                    recs[f"{rel[:-6]}-r{key}"] = prose(self.rng, self.token(), self.rng.randint(1, 4)).strip()
            else:
                rel = self.rng.choice(sorted(self.files))
                del self.files[rel]
                (self.corpus / rel).unlink()
                continue
            self.write(rel)

    def write(self, rel: str) -> None:
        path = self.corpus / rel
        if rel in self.records:
            path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in self.records[rel].items()),
                            "utf-8")
        else:
            path.write_text(self.files[rel], "utf-8")


def run_killed(command: list[str], kill_at: str | float) -> str:
    """Run a CLI command in a forked process and SIGKILL it at a point or after a delay; 'killed' or 'finished'."""
    points_r, points_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer
        try:
            os.close(points_r)
            os.close(go_w)
            log = os.open(os.environ.get("QA_SEARCH_CRASH_LOG", os.devnull), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.dup2(log, 1)
            os.dup2(log, 2)
            wait = isinstance(kill_at, str)

            def hook(point: str) -> None:
                os.write(points_w, point.encode() + b"\n")
                if wait:
                    os.read(go_r, 1)

            import whoosh.index
            clean_files = whoosh.index.clean_files

            def reporting_clean_files(*args):
                faults.reached("whoosh:toc-written")
                clean_files(*args)

            whoosh.index.clean_files = reporting_clean_files
            faults.hook = hook
            rc = main(command)
            os.write(points_w, f"finished {rc}\n".encode())
        finally:
            sys.stderr.flush()
            os._exit(0)
    os.close(points_w)
    os.close(go_r)
    outcome = "finished"
    with os.fdopen(points_r) as points:
        for line in points:
            point = line.strip()
            if point.startswith("finished"):
                assert point == "finished 0", f"{command} failed"
                break
            if kill_at == point or (isinstance(kill_at, float) and point == "writer:locked"):
                if isinstance(kill_at, float):
                    time.sleep(kill_at)
                os.kill(pid, signal.SIGKILL)
                outcome = "killed"
                break
            if isinstance(kill_at, str):
                os.write(go_w, b"g")
    os.close(go_w)
    _, status = os.waitpid(pid, 0)
    if outcome == "killed" and os.WIFEXITED(status):
        outcome = "finished"  # it got to the end before the signal did
    return outcome


def assert_state(world: World, handle: IndexHandle, allowed: list[dict[str, str]]) -> int:
    """The index holds one of the allowed states, for a fresh reader and for the long-lived one."""
    fresh = snapshot(world.index)
    assert fresh in allowed, "the index holds neither the old nor the new committed state"
    assert snapshot(world.index, handle) == fresh, "a long-lived reader did not follow the commit"
    return allowed.index(fresh)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_random_walk_with_kill_9_crashes(tmp_path):
    rng = random.Random(SEED)
    world = World(tmp_path / "corpus", tmp_path / "index", rng)
    world.corpus.mkdir()
    where = ["--corpus", str(world.corpus), "--index", str(world.index)]
    world.edit(8)
    assert main(["index", *where]) == 0
    handle = IndexHandle(world.index)
    committed = world.expected()
    assert_state(world, handle, [committed])
    kills = [(kind, point) for kind, points in POINTS.items() for point in points]
    rng.shuffle(kills)
    window = {kind: 0.1 for kind in POINTS}  # random kills land within this many seconds of the lock
    outcomes = []
    while (kills or sum(o[2] == "killed" for o in outcomes) < TRIALS) and len(outcomes) < 3 * TRIALS + 20:
        kind, point = kills.pop() if kills and rng.random() < 0.6 else (rng.choice(list(POINTS)), None)
        for _ in range(rng.randint(0, 2)):  # some ordinary commits, or only a reopen, in between
            world.edit(rng.randint(0, 3))
            if rng.random() < 0.5:
                assert main(["index", *where]) == 0
                committed = world.expected()
            assert_state(world, handle, [committed])
        world.edit(rng.randint(1, 12))  # what the command about to be killed commits
        if kind == "remove":
            victims = rng.sample(sorted(committed), min(2, len(committed)))
            command = ["remove", *victims, "--index", str(world.index)]
            before = set(world.excluded)
            world.excluded |= set(victims)
            new = {d: t for d, t in committed.items() if d not in victims}
        else:
            command = ["index", *where, *(["--rebuild"] if kind == "rebuild" else [])]
            new = world.expected()
        kill_at = point or rng.uniform(0.0, window[kind])
        outcome = run_killed(command, kill_at)
        if point is None:  # aim so that about half the random kills land before the end
            window[kind] *= 0.8 if outcome == "finished" else 1.15
        landed = assert_state(world, handle, [committed, new])
        if kind == "remove" and landed == 0:
            world.excluded = before
        committed = [committed, new][landed]
        findings = check_index(world.corpus, world.index).findings
        assert all(any(k in f.problem for k in CRASH_FINDINGS) for f in findings), [f.problem for f in findings]
        outcomes.append((kind, point or f"{kill_at:.3f}s", outcome, ["old", "new"][landed]))
    assert main(["index", *where]) == 0  # the next writer recovers whatever the last crash left
    assert_state(world, handle, [world.expected()])
    assert check_index(world.corpus, world.index).ok
    handle.close()
    killed = [o for o in outcomes if o[2] == "killed"]
    print("\n".join(" ".join(o) for o in outcomes))
    print(f"{len(killed)} writers killed: {sum(o[3] == 'old' for o in killed)} left the old state, "
          f"{sum(o[3] == 'new' for o in killed)} the new; {len(outcomes) - len(killed)} finished before the kill; "
          f"{len({o[:2] for o in killed if not o[1].endswith('s')})} named points hit")
    assert len(killed) >= TRIALS and not kills, outcomes
    assert {o[3] for o in killed} == {"old", "new"}, "crashes should land on both sides of the commit"


def _holds_lock(index: Path, pid: int) -> bool:
    try:
        return f"pid {pid}," in (index / "WRITER.lock").read_text()
    except OSError:
        return False


@pytest.mark.parametrize("command", ["index", "add"])
def test_kill_9_of_the_real_cli_leaves_old_or_new(tmp_path, command):
    """The same, with `python -m search` itself killed at a random moment once it holds the lock."""
    rng = random.Random(SEED + len(command))
    world = World(tmp_path / "corpus", tmp_path / "index", rng)
    world.corpus.mkdir()
    world.edit(6)
    where = ["--corpus", str(world.corpus), "--index", str(world.index)]
    assert main(["index", *where]) == 0
    old = world.expected()
    if command == "add":
        outside = tmp_path / "big.jsonl"
        recs = {f"big-{i}": prose(rng, world.token(), 20) for i in range(60)}
        outside.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in recs.items()), "utf-8")
        args, new = ["add", str(outside), *where], {**old, **recs}
    else:
        world.edit(40)
        args, new = ["index", *where], world.expected()
    proc = subprocess.Popen([sys.executable, "-m", "search", *args], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _holds_lock(world.index, proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(0.0, 0.3))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert snapshot(world.index) in (old, new)
    assert main(["index", *where]) == 0
    world_after = world.expected() if command == "index" else {**world.expected(), **recs}
    assert snapshot(world.index) == world_after
    assert check_index(world.corpus, world.index).ok
