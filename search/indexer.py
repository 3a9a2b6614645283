"""Write passages into a Whoosh index built aside, then swap it in atomically.

Layout of an index folder (search/builds.py):
    CURRENT            name of the live build (replaced atomically)
    builds/<name>/     a complete Whoosh index plus manifest.json and documents.sqlite
Readers resolve CURRENT on open, so a rebuild never shows them a half-written index.
Incremental changes to the live build are search/updates.py's job.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from . import analysis, docstore, faults, manifest, postings, settings, spelling
from .builds import BUILDS, CURRENT, current_build  # noqa: F401  (re-exported: readers import them here)
from .chunking import check_sizes, chunk_document
from .corpus import fingerprint, load_corpus
from .models import Document
from .segmentwriter import PreparedWriter
from .writelock import writer

TITLE_BOOST = 2.0


def make_schema() -> Schema:
    analyzer = analysis.make_analyzer()
    return Schema(
        pid=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        file=ID(stored=True),  # corpus file the document came from: a changed file is replaced whole
        rev=STORED,  # the document's revision in documents.sqlite
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
    warnings: tuple[str, ...] = ()


def passage_fields(doc: Document, origin: str) -> Iterable[dict]:
    """The Whoosh fields of each passage of doc, which came from corpus file `origin`."""
    target, max_words = settings.get("passage_words"), settings.get("passage_max_words")
    rev = docstore.revision(doc)
    for p in chunk_document(doc, target, max_words):
        yield dict(pid=p.passage_id, doc_id=doc.doc_id, file=origin, rev=rev, number=p.number, title=doc.title,
                   text=p.text, source=doc.source, url=doc.url, date=doc.date or "", start=p.start, end=p.end,
                   sents=[list(span) for span in p.sentences],
                   sterms=[" ".join(analysis.terms(p.text[a:b])) for a, b in p.sentences],
                   spell=f"{doc.title}\n{p.text}")


def with_postings(schema: Schema, doc: Document, fields: list[dict]) -> list[tuple[dict, dict]]:
    """Each passage's fields with the postings of its analysed fields, words split once a value."""
    title_words = [w for w, _, _ in analysis.words(doc.title)]
    title_positions = postings.stemmed_positions(title_words)
    return [(f, postings.analysed(schema, title_words, title_positions,
                                  [w for w, _, _ in analysis.words(f["text"])])) for f in fields]


def cut(documents: Iterable[tuple[Document, str]]) -> tuple[list[tuple[Document, list[dict]]], list[str]]:
    """Each (document, its file) with its passages' fields; one that cannot be cut is reported, not fatal.

    Sentence splitting runs regular expressions under NLTK's time limit; a hostile document
    (a megabyte of ". . .") hits it, and only that document is left out.
    """
    kept, problems = [], []
    for doc, origin in documents:
        try:
            kept.append((doc, list(passage_fields(doc, origin))))
        except Exception as exc:
            problems.append(f"{origin}: document {doc.doc_id[:80]!r} cannot be cut into passages "
                            f"({type(exc).__name__}), skipped")
    return kept, problems


def new_manifest(files: Mapping[str, str], documents: int, passages: int, generation: int,
                 excluded: Mapping[str, str], seconds: float = 0.0) -> manifest.Manifest:
    return manifest.Manifest(
        schema_version=manifest.SCHEMA_VERSION, analyzer=analysis.ANALYZER_NAME,
        analyzer_version=analysis.ANALYZER_VERSION, passage_words=settings.get("passage_words"),
        passage_max_words=settings.get("passage_max_words"), corpus_fingerprint=fingerprint(dict(files)),
        documents=documents, passages=passages, built_at=time.time(), build_seconds=round(seconds, 3),
        files=dict(files), generation=generation, excluded=dict(excluded))


def build_index(documents: list[Document], index_dir: Path | str, *, files: dict[str, str] | None = None,
                origins: Mapping[str, str] | None = None, excluded: Mapping[str, str] | None = None,
                progress: Callable[[int], None] | None = None) -> BuildReport:
    """Index documents into a new build beside the live one and make it live when complete."""
    index_dir = Path(index_dir)
    check_sizes(settings.get("passage_words"), settings.get("passage_max_words"))
    with writer(index_dir, "a full rebuild"):
        return _build(documents, index_dir, files or {}, origins or {}, excluded or {}, progress)


def _build(documents, index_dir, files, origins, excluded, progress) -> BuildReport:
    started = time.perf_counter()
    name = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
    build = index_dir / BUILDS / name
    build.mkdir(parents=True)
    passages, kept, problems = 0, [], []
    try:
        schema = make_schema()
        ix = whoosh_index.create_in(str(build), schema)
        with PreparedWriter(ix) as w:  # commits on success, cancels on error
            for done, doc in enumerate(documents, 1):
                cuts, skipped = cut([(doc, origins.get(doc.doc_id, doc.source))])
                problems += skipped
                for kept_doc, fields in cuts:
                    kept.append(kept_doc)
                    for f, analysed in with_postings(schema, kept_doc, fields):
                        w.add_prepared(f, analysed)
                    passages += len(fields)
                if progress:
                    progress(done)
            faults.reached("build:written")
        generation = ix.latest_generation()
        ix.close()
        docstore.put(build, kept)
        faults.reached("build:stored")
        seconds = time.perf_counter() - started
        manifest.write(build, new_manifest(files, len(kept), passages, generation, excluded, seconds))
        faults.reached("build:described")
        _swap_in(index_dir, name)
        faults.reached("build:swapped")
    except BaseException:
        if current_build(index_dir) != build:
            shutil.rmtree(build, ignore_errors=True)
        raise
    return BuildReport(index_dir, len(kept), passages, seconds, tuple(problems))


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
    for leftover in index_dir.glob(f"{CURRENT}.*.tmp"):  # from writers killed before their rename
        leftover.unlink(missing_ok=True)


def _excluded(live: Path | None) -> dict[str, str]:
    """Ids `remove` took out, per the live manifest and any update left in flight (recovered or not)."""
    excluded: dict[str, str] = {}
    for found in (manifest.read(live) if live else None, _pending_manifest(live)):
        excluded.update(found.excluded if found else {})
    return excluded


def _pending_manifest(live: Path | None) -> manifest.Manifest | None:
    try:
        pending = manifest.read_pending(live) if live else None
    except ValueError:
        return None
    return pending.manifest if pending else None


def index_corpus(corpus_dir: Path | str, index_dir: Path | str,
                 progress: Callable[[int], None] | None = None) -> BuildReport:
    """Load a corpus folder and build its index from scratch; unreadable files are reported, not fatal.

    Documents taken out with `qa-search remove` stay out (the live manifest remembers them).
    """
    index_dir = Path(index_dir)
    with writer(index_dir, "a full rebuild"):
        excluded = _excluded(current_build(index_dir))
        loaded = load_corpus(corpus_dir, set(excluded))
        excluded = {d: f for d, f in excluded.items() if f in loaded.files}  # as a re-scan forgets them
        report = _build(loaded.documents, index_dir, loaded.files, loaded.origins, excluded, progress)
    return BuildReport(report.index_dir, report.documents, report.passages, report.seconds,
                       tuple(loaded.problems) + report.problems, tuple(loaded.warnings))
