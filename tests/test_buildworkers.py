"""Build workers: the same index as without them, and never a process left behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage

from search import buildworkers, passagework
from search.builds import current_build
from search.indexer import build_index
from search.models import Document
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(buildworkers.default_workers() == 0, reason="needs fork and two cores")

VOCABULARY = ["alpha", "beta", "gamma", "the", "delta", "river", "rivers", "Paris", "x" * 45] + [
    f"w{i}" for i in range(300)]


def documents(count: int, seed: int = 3) -> list[Document]:
    import random
    rng = random.Random(seed)
    return [Document(doc_id=f"d{n}", source=f"d{n}.txt", title=" ".join(rng.choices(VOCABULARY, k=3)),
                     text="\n\n".join(" ".join(rng.choices(VOCABULARY, k=rng.randint(5, 150))) + "."
                                      for _ in range(rng.randint(1, 3))))
            for n in range(count)]


def whoosh_files(index_dir: Path) -> dict[str, bytes]:
    build = current_build(index_dir)
    return {p.name: p.read_bytes() for p in sorted(build.iterdir())
            if p.name not in ("manifest.json", "documents.sqlite")}


def test_workers_build_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setattr(Segment, "_random_id", classmethod(lambda cls, size=16: "fixedsegmentid00"))
    monkeypatch.setattr(FileStorage, "file_modified", lambda self, name: 0.0)
    monkeypatch.setattr(passagework, "WORKER_POOL_POSTINGS", 5000)  # several runs per worker
    docs = documents(500)
    alone = build_index(docs, tmp_path / "alone", workers=0)
    shared = build_index(docs, tmp_path / "shared", workers=2)
    assert (shared.documents, shared.passages) == (alone.documents, alone.passages)
    assert whoosh_files(tmp_path / "shared") == whoosh_files(tmp_path / "alone")
    assert not list((tmp_path / "shared").rglob("*.run"))


class _Dies:
    def __init__(self, index):
        self.batches = 0

    def work(self, batch):
        self.batches += 1
        if self.batches == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return len(batch)

    def finish(self):
        return None


class _Fails(_Dies):
    def work(self, batch):
        raise ValueError("bad batch")


def test_a_dead_worker_stops_the_build():
    with pytest.raises(buildworkers.WorkerDied):
        with buildworkers.Workers(list(range(1000)), _Dies, 2) as pool:
            list(pool.results())


def test_a_failing_worker_says_why():
    with pytest.raises(RuntimeError, match="bad batch"):
        with buildworkers.Workers(list(range(1000)), _Fails, 2) as pool:
            list(pool.results())


def test_workers_finish_in_order():
    class Sums:
        def __init__(self, index):
            self.total = 0

        def work(self, batch):
            self.total += sum(batch)
            return batch

        def finish(self):
            return self.total

    with buildworkers.Workers(list(range(1000)), Sums, 2) as pool:
        seen = [x for _, batch in pool.results() for x in batch]
        totals = pool.finish()
    assert seen == list(range(1000)) and sum(totals) == sum(range(1000))


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(c) for c in text)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from search.indexer import build_index
        from tests.test_buildworkers import documents
        print("building", flush=True)
        build_index(documents(20000), {str(tmp_path / 'index')!r}, workers=2)
        print("built", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == b"building"
        deadline = time.monotonic() + 30
        while len(children := _children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(children) == 2, "the build started no workers"
        time.sleep(0.5)  # mid-build
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_alive, children)), "a worker outlived its parent"
        assert proc.stdout.read() == b""  # end of file: nobody holds the parent's output open
    finally:
        proc.kill()
        proc.stdout.close()
