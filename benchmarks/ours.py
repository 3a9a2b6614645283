"""Our engine in the benchmark, as an adapter with the same build/open/ask shape as the peers.

ADAPTER: once `search.indexer.build_index(documents, index_dir)` and
`search.engine.Engine(index_dir).ask(question, k)` exist, `Ours` uses them; until then it
falls back to a minimal Whoosh index with the engine's schema and FastScorer ranking.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import search
from search.analysis import make_analyzer, terms
from search.fastscore import FastScorer
from search.models import Document

FIELDS = ("text", "title")


def local_module(name: str):
    """The module `search.<name>` of this checkout, or None if this checkout has none yet.

    Checked by file location because an editable install of another checkout can supply
    submodules that this one lacks.
    """
    spec = importlib.util.find_spec(f"search.{name}")
    home = Path(search.__file__).resolve().parent
    if spec is None or spec.origin is None or Path(spec.origin).resolve().parent != home:
        return None
    return importlib.import_module(f"search.{name}")


def _schema():
    from whoosh.fields import ID, STORED, TEXT, Schema

    analyzer = make_analyzer()
    return Schema(pid=ID(stored=True, unique=True), doc_id=ID(stored=True),
                  title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
                  text=TEXT(analyzer=analyzer, stored=True, phrase=True),
                  source=STORED, url=STORED, date=STORED, start=STORED, end=STORED)


def fallback_build(records: list[dict], index_dir: Path, procs: int = 1, limitmb: int = 512) -> None:
    """Each record is one passage; procs > 1 uses Whoosh's multiprocess writer (one segment each)."""
    from whoosh import index

    ix = index.create_in(str(index_dir), _schema())
    options = {"procs": procs, "multisegment": True} if procs > 1 else {}
    writer = ix.writer(limitmb=limitmb, **options)
    try:
        for r in records:
            writer.add_document(pid=f"{r['id']}#0", doc_id=r["id"], title=r["title"], text=r["text"],
                                source=r["id"], start=0, end=len(r["text"]))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


class _FallbackEngine:
    """Just enough of Engine.ask for the benchmark: FastScorer top-k plus stored passage texts."""

    def __init__(self, index_dir: Path, mmap: bool = True):
        from whoosh.filedb.filestore import FileStorage

        # mmap is faster (term lookups and stored fields are slices, ~0.2 ms/query at 22k) but
        # counts touched index pages as file-backed resident memory; plain reads avoid that.
        storage = FileStorage(str(index_dir), supports_mmap=mmap)
        self._searcher = storage.open_index().searcher()
        self._scorer = FastScorer()

    def ask(self, question: str, k: int = 10) -> list[str]:
        qterms = [(f, t, 1.0) for t in terms(question) for f in FIELDS]
        hits = self._scorer.search(self._searcher, qterms, k)
        return [self._searcher.stored_fields(docnum)["text"] for _, docnum in hits]


class Ours:
    """Whoosh index with the engine's schema, ranked by FastScorer (or the real Engine)."""

    name = "ours-fastscore"

    def __init__(self, procs: int = 2, limitmb: int = 256):
        self.procs, self.limitmb = procs, limitmb

    def build(self, records: list[dict], index_dir: Path) -> None:
        indexer = local_module("indexer")
        if indexer is None:
            fallback_build(records, index_dir, self.procs, self.limitmb)
            return
        documents = [Document(doc_id=r["id"], title=r["title"], text=r["text"], source=r["id"])
                     for r in records]
        indexer.build_index(documents, index_dir)

    def open(self, index_dir: Path) -> "Ours":
        engine = local_module("engine")
        self._engine = engine.Engine(index_dir) if engine else _FallbackEngine(index_dir)
        return self

    def ask(self, question: str, k: int = 10):
        return self._engine.ask(question, k=k)


class OursSingleWriter(Ours):
    """Build-speed variant: one Whoosh writer with a large memory limit."""

    name = "ours-1writer"

    def __init__(self):
        super().__init__(procs=1, limitmb=1024)
