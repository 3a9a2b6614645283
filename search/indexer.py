"""Write passages into a Whoosh index built aside, then swap it in atomically.

Layout of an index folder:
    CURRENT            name of the live build (replaced atomically)
    builds/<name>/     a complete Whoosh index plus manifest.json
Readers resolve CURRENT on open, so a rebuild never shows them a half-written index.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from . import analysis, docstore, manifest, settings, spelling
from .chunking import check_sizes, chunk_document
from .corpus import fingerprint, load_corpus
from .models import Document

CURRENT = "CURRENT"
BUILDS = "builds"
TITLE_BOOST = 2.0


def make_schema() -> Schema:
    analyzer = analysis.make_analyzer()
    return Schema(
        pid=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        number=NUMERIC(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST, phrase=False),
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        source=STORED,
        url=STORED,
        date=ID(stored=True),
        start=STORED,
        end=STORED,
        sents=STORED,  # sentence spans relative to the passage
        sterms=STORED,  # each sentence's analyzed terms, space-joined (re-ranking reads them)
        spell=TEXT(analyzer=spelling.make_spelling_analyzer(), phrase=False),  # surface words for "did you mean"
    )


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    documents: int
    passages: int
    seconds: float
    problems: tuple[str, ...] = ()


def current_build(index_dir: Path) -> Path | None:
    """The folder of the live build, or None when the index folder holds none."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except OSError:
        return None
    build = index_dir / BUILDS / name
    return build if name and "/" not in name and build.is_dir() else None


def _passage_fields(doc: Document, target: int, max_words: int) -> Iterable[dict]:
    for p in chunk_document(doc, target, max_words):
        yield dict(pid=p.passage_id, doc_id=doc.doc_id, number=p.number, title=doc.title, text=p.text,
                   source=doc.source, url=doc.url, date=doc.date or "", start=p.start, end=p.end,
                   sents=[list(span) for span in p.sentences],
                   sterms=[" ".join(analysis.terms(p.text[a:b])) for a, b in p.sentences],
                   spell=f"{doc.title}\n{p.text}")


def build_index(documents: list[Document], index_dir: Path | str, *, files: dict[str, str] | None = None,
                progress: Callable[[int], None] | None = None) -> BuildReport:
    """Index documents into a new build beside the live one and make it live when complete."""
    index_dir = Path(index_dir)
    target, max_words = settings.get("passage_words"), settings.get("passage_max_words")
    check_sizes(target, max_words)
    started = time.perf_counter()
    name = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
    build = index_dir / BUILDS / name
    build.mkdir(parents=True)
    passages = 0
    try:
        ix = whoosh_index.create_in(str(build), make_schema())
        with ix.writer(procs=2, multisegment=True, limitmb=256) as writer:  # commits on success, cancels on error
            for done, doc in enumerate(documents, 1):
                for fields in _passage_fields(doc, target, max_words):
                    writer.add_document(**fields)
                    passages += 1
                if progress:
                    progress(done)
        ix.close()
        docstore.put(build, documents)
        seconds = time.perf_counter() - started
        files = files or {}
        manifest.write(build, manifest.Manifest(
            schema_version=manifest.SCHEMA_VERSION, analyzer=analysis.ANALYZER_NAME,
            analyzer_version=analysis.ANALYZER_VERSION, passage_words=target, passage_max_words=max_words,
            corpus_fingerprint=fingerprint(files), documents=len(documents), passages=passages,
            built_at=time.time(), build_seconds=round(seconds, 3), files=files))
        _swap_in(index_dir, name)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return BuildReport(index_dir, len(documents), passages, seconds)


def _swap_in(index_dir: Path, name: str) -> None:
    """Point CURRENT at the new build atomically; keep the previous build for open readers."""
    previous = current_build(index_dir)
    tmp = index_dir / f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(name + "\n", "utf-8")
    os.replace(tmp, index_dir / CURRENT)
    keep = {name, previous.name if previous else None}
    for old in (index_dir / BUILDS).iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def index_corpus(corpus_dir: Path | str, index_dir: Path | str,
                 progress: Callable[[int], None] | None = None) -> BuildReport:
    """Load a corpus folder and build its index; unreadable files are reported, not fatal."""
    loaded = load_corpus(corpus_dir)
    report = build_index(loaded.documents, index_dir, files=loaded.files, progress=progress)
    return BuildReport(report.index_dir, report.documents, report.passages, report.seconds,
                       tuple(loaded.problems))
