"""Stateful property (hypothesis): any sequence of corpus edits, add, remove, re-scan and rebuild
leaves the index holding exactly what a plain dict says, for fresh and long-lived readers.
Crashes are test_crash.py's part; this explores the orders of operations."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from search.indexcheck import check_index
from search.maintenance import add, remove, rescan
from search.searcher import IndexHandle
from indexstate import snapshot

NAMES = st.sampled_from(["a", "b", "c", "d"])
WORDS = st.lists(st.sampled_from("moon crater rover comet dust ice orbit crew".split()), min_size=1, max_size=12)


class IndexMachine(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="qa-stateful-"))
        self.corpus, self.index = self.tmp / "corpus", self.tmp / "index"
        self.corpus.mkdir()
        self.files: dict[str, str] = {}  # name -> text, as in the corpus
        self.indexed: dict[str, str] = {}  # doc id -> text, as the index should hold it
        self.excluded: set[str] = set()
        self.serial = 0
        self.edited = False  # corpus changed since the last re-scan: --check would rightly say so
        rescan(self.corpus, self.index)
        self.reader = IndexHandle(self.index)

    def teardown(self):
        self.reader.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def text(self, words: list[str]) -> str:
        self.serial += 1
        return f"Title {self.serial}\n\n{' '.join(words)} zq{self.serial}.\n"

    def expected(self) -> dict[str, str]:
        return {name: text for name, text in self.files.items() if name not in self.excluded}

    @rule(name=NAMES, words=WORDS)
    def write_file(self, name, words):
        self.files[name] = self.text(words)
        (self.corpus / f"{name}.txt").write_text(self.files[name], "utf-8")
        self.edited = True

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete_file(self, data):
        name = data.draw(st.sampled_from(sorted(self.files)))
        del self.files[name]
        (self.corpus / f"{name}.txt").unlink()
        self.edited = True

    @rule()
    def commit(self):
        rescan(self.corpus, self.index)
        self.excluded &= set(self.files)  # a removal ends when a re-scan sees its file gone
        self.indexed, self.edited = self.expected(), False

    @rule()
    def rebuild(self):
        rescan(self.corpus, self.index, rebuild=True)
        self.excluded &= set(self.files)
        self.indexed, self.edited = self.expected(), False

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def add_file(self, data):
        name = data.draw(st.sampled_from(sorted(self.files)))
        add(self.corpus, self.index, [self.corpus / f"{name}.txt"])
        self.excluded.discard(name)
        self.indexed[name] = self.files[name]

    @precondition(lambda self: self.indexed)
    @rule(data=st.data())
    def remove_document(self, data):
        name = data.draw(st.sampled_from(sorted(self.indexed)))
        remove(self.index, [name])
        self.excluded.add(name)
        del self.indexed[name]

    @invariant()
    def holds_what_was_committed(self):
        if hasattr(self, "reader"):
            assert snapshot(self.index) == self.indexed
            assert snapshot(self.index, self.reader) == self.indexed  # reopened, not stale

    @precondition(lambda self: not self.edited)
    @rule()
    def check_agrees(self):
        assert check_index(self.corpus, self.index).ok


IndexMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None, database=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestIndexMachine = IndexMachine.TestCase
