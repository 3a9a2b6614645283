"""Open the live index once per process and hand each thread a current Whoosh searcher.

A searcher is reopened (never refresh()ed) when the live build changes or the index
has new commits, so a reader never sees stale or duplicated hits.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import NamedTuple

from whoosh.scoring import BM25F
from whoosh.searching import Searcher

import numpy as np

from . import manifest, settings
from .builds import CURRENT, current_build, damaged, open_whoosh
from .fastscore import FastScorer
from .docstore import DocumentStore
from .passages import Passage, PassageCache
from .models import Document, Source
from .errors import IndexMissing, IndexStale


class RawHit(NamedTuple):
    """A scored passage straight from the index: its score and the passage."""

    score: float
    passage: Passage


# A commit adds a table of contents to the build's folder and a new build replaces CURRENT in
# the index folder, so either changes what os.stat() says of one of them. A stat taken within
# STAT_MARGIN_NS of its files' last change is not trusted: a file system may keep times to the
# second or two, and a change just after it could leave them as they were.
STAT_MARGIN_NS = 3_000_000_000


def _stamp(paths: tuple[str, ...]) -> tuple | None:
    """What os.stat() says of each path that a change would alter, or None when a path is gone."""
    try:
        return tuple((st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) for st in map(os.stat, paths))
    except OSError:
        return None


def _trusted(stamp: tuple | None, taken_ns: int) -> tuple | None:
    """The stamp when every path it describes last changed at least STAT_MARGIN_NS before it was taken."""
    if stamp is None or max(max(mtime, ctime) for mtime, ctime, _, _ in stamp) > taken_ns - STAT_MARGIN_NS:
        return None
    return stamp


class _Held(NamedTuple):
    """A thread's searcher, and what says it is still current."""

    ix: object  # the Whoosh index it searches
    searcher: Searcher
    paths: tuple[str, ...]  # the index folder, CURRENT, the build's folder
    stamp: tuple | None  # _stamp(paths) from before the searcher was last found current, when _trusted()


def _up_to_date(searcher: Searcher) -> bool:
    try:
        return searcher.up_to_date()
    except OSError:  # its build was deleted under it: open the live one
        return False


class IndexHandle:
    """The live index of one folder; thread-safe, opens lazily, reopens on change."""

    def __init__(self, index_dir: Path | str):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._build: Path | None = None
        self._ix = None
        self._docs: DocumentStore | None = None
        # One scorer per process: its postings cache is keyed by segment, so it stays valid
        # across reopened searchers; the lock keeps its cache updates one at a time.
        self._scorer = FastScorer(B=settings.get("bm25_b"), K1=settings.get("bm25_k1"))
        self._score_lock = threading.Lock()
        self._passages = PassageCache(settings.get("passage_cache_mb") << 20)
        self.manifest: manifest.Manifest | None = None

    def _open_build(self) -> None:
        build = current_build(self.index_dir)
        if build is None:
            raise IndexMissing(f"no index in {self.index_dir}: run `qa-search index --index {self.index_dir}`")
        found = manifest.read(build)
        problem = "it has no manifest" if found is None else found.incompatibility()
        if problem:
            raise IndexStale(f"the index in {self.index_dir} cannot be used ({problem}): "
                             f"rebuild it with `qa-search index --index {self.index_dir}`")
        ix = open_whoosh(self.index_dir, build)  # refuses an untrusted or damaged build
        try:
            docs = DocumentStore(build)
        except Exception as exc:
            raise damaged(self.index_dir, exc) from exc
        if self._ix is not None:
            self._ix.close()
            self._docs.close()
        self._ix, self._docs = ix, docs
        self._build, self.manifest = build, found

    def _current(self):
        """The live index and the folder of its build, opened anew when CURRENT names another."""
        with self._lock:
            if self._ix is None or current_build(self.index_dir) != self._build:
                self._open_build()
            return self._ix, self._build

    def searcher(self) -> Searcher:
        """A searcher for this thread that sees the latest committed state of the live build."""
        held = getattr(self._local, "searcher", None)
        if held is not None and held.stamp is not None and _stamp(held.paths) == held.stamp:
            return held.searcher  # nothing changed since it was found current
        taken_ns = time.time_ns()
        folder = (str(self.index_dir), os.path.join(self.index_dir, CURRENT))
        before = _stamp(folder)  # taken before looking: a change while we look shows next time
        ix, build = self._current()
        paths = (*folder, str(build))
        after = _stamp(paths[2:])  # the build's folder, before asking whether it has new commits
        stamp = _trusted(before + after if before and after else None, taken_ns)
        if held is not None and held.ix is ix and _up_to_date(held.searcher):
            self._local.searcher = _Held(ix, held.searcher, paths, stamp)
            return held.searcher
        if held is not None:
            held.searcher.close()
            self._local.searcher = None
        try:
            searcher = ix.searcher(weighting=BM25F(B=settings.get("bm25_b"), K1=settings.get("bm25_k1")))
        except Exception as exc:  # a segment file missing or truncated
            raise damaged(self.index_dir, exc) from exc
        self._local.searcher = _Held(ix, searcher, paths, stamp)
        self._local.counts = None
        return searcher

    def search(self, terms: list[tuple[str, str, float]], limit: int, filter=None,
               searcher: Searcher | None = None) -> list[RawHit]:
        """Top `limit` passages for the OR of (field, term, boost), BM25F-scored with numpy;
        `filter`, a Whoosh query, restricts which passages may match. `searcher`, one this
        thread got from searcher(), is the state to search (by default the latest)."""
        searcher = searcher if searcher is not None else self.searcher()
        allowed = None
        if filter is not None:
            allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
            allowed[list(searcher.docs_for_query(filter))] = True
        with self._score_lock:
            top = self._scorer.search(searcher.reader(), terms, limit, allowed)
        passages = self._passages.read(searcher.reader(), [docnum for _, docnum in top])
        return [RawHit(score, p) for (score, _), p in zip(top, passages)]

    def document(self, doc_id: str) -> Document | None:
        """The whole document as indexed, by id (never by path): the revision the live passages cite."""
        for _ in range(2):  # a writer may retire the revision between our two reads: look again
            fields = self.searcher().document(doc_id=doc_id)
            if fields is None:
                return None
            with self._lock:
                doc = self._docs.get(doc_id, fields["rev"])
            if doc is not None:
                return doc
        return None

    def sources(self, limit: int) -> list[Source]:
        """Up to `limit` documents of the live build, without their text."""
        self._current()
        with self._lock:
            return self._docs.sources(limit)

    def stats(self) -> dict:
        """Documents and passages a search can find now (deleted ones not counted), cached per generation."""
        searcher = self.searcher()
        if getattr(self._local, "counts", None) is None:
            reader = searcher.reader()
            ids = reader.lexicon("doc_id")
            if reader.has_deletions():
                ids = [t for t in ids if reader.postings("doc_id", t).is_active()]
            self._local.counts = {"documents": sum(1 for _ in ids), "passages": searcher.doc_count()}
        return dict(self._local.counts)

    def close(self) -> None:
        with self._lock:
            held = getattr(self._local, "searcher", None)
            if held is not None:
                held.searcher.close()
                self._local.searcher = None
            if self._ix is not None:
                self._ix.close()
                self._docs.close()
                self._ix = None
