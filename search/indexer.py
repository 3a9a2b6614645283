"""Write passages into a Whoosh index built aside, then swap it in atomically.

Layout of an index folder (search/builds.py):
    CURRENT            name of the live build (replaced atomically)
    builds/<name>/     a complete Whoosh index plus manifest.json and documents.sqlite
Readers resolve CURRENT on open, so a rebuild never shows them a half-written index.
Incremental changes to the live build are search/updates.py's job.
"""
from __future__ import annotations

import gc
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Mapping

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema

from . import analysis, buildworkers, docstore, faults, manifest, semantic, settings, spelling
from .builds import BUILDS, CURRENT, current_build  # noqa: F401  (re-exported: readers import them here)
from .chunking import check_sizes
from .corpus import fingerprint, load_corpus
from .models import Document
from .passagework import PassageWorker, cut, cut_with_postings  # noqa: F401  (updates.py imports cut here)
from .segmentwriter import PreparedWriter
from .writelock import writer

TITLE_BOOST = 2.0
# Fields read only for their words and each word's count: one posting per word (termpool.Tally).
TALLIED = frozenset({"spell"})


def make_schema() -> Schema:
    analyzer = analysis.make_analyzer()
    return Schema(
        pid=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        file=ID(stored=True),  # corpus file the document came from: a changed file is replaced whole
        rev=STORED,  # the document's revision in documents.sqlite
        number=STORED,  # its place in the document; never searched (indexed, it cost 8 terms a passage)
        title=TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST, phrase=False),
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        source=STORED,
        url=STORED,
        date=ID(stored=True),
        start=STORED,
        end=STORED,
        sents=STORED,  # sentence spans relative to the passage
        tcodes=STORED,  # codes of its sentences' analyzed terms, one after another (re-ranking reads them)
        tlens=STORED,  # how many terms each sentence has
        tstarts=STORED,  # where each of those terms starts in the text, or None (passagework.term_fields)
        wcodes=STORED,  # codes of the words that stand whole in the lowercased text (the re-ranker's exact matches)
        vec=STORED,  # its sentences' sentence-model vectors, when the index has them (search/semantic.py)
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


def new_manifest(files: Mapping[str, str], documents: int, passages: int, generation: int,
                 excluded: Mapping[str, str], seconds: float = 0.0, semantic_model: str = "",
                 tallied_segment: str = "") -> manifest.Manifest:
    return manifest.Manifest(
        schema_version=manifest.SCHEMA_VERSION, analyzer=analysis.ANALYZER_NAME,
        analyzer_version=analysis.ANALYZER_VERSION, passage_words=settings.get("passage_words"),
        passage_max_words=settings.get("passage_max_words"), corpus_fingerprint=fingerprint(dict(files)),
        documents=documents, passages=passages, built_at=time.time(), build_seconds=round(seconds, 3),
        files=dict(files), generation=generation, excluded=dict(excluded), semantic=semantic_model,
        tallied_segment=tallied_segment)


def build_index(documents: list[Document], index_dir: Path | str, *, files: dict[str, str] | None = None,
                origins: Mapping[str, str] | None = None, excluded: Mapping[str, str] | None = None,
                progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> BuildReport:
    """Index documents into a new build beside the live one and make it live when complete.

    progress(documents done, passages so far) is called after each document; workers: processes
    cutting documents into passages (default: buildworkers.default_workers()).
    """
    index_dir = Path(index_dir)
    check_sizes(settings.get("passage_words"), settings.get("passage_max_words"))
    with writer(index_dir, "a full rebuild"):
        return _build(documents, index_dir, files or {}, origins or {}, excluded or {}, progress, workers)


def _build(documents, index_dir, files, origins, excluded, progress, workers=None) -> BuildReport:
    workers = buildworkers.default_workers() if workers is None else workers
    started = time.perf_counter()
    name = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
    build = index_dir / BUILDS / name
    build.mkdir(parents=True)
    passages, kept, problems = 0, [], []
    encoder = semantic.for_new_index()  # loaded before the workers fork, so they share it
    try:
        schema = make_schema()
        ix = whoosh_index.create_in(str(build), schema)
        entries = [(doc, origins.get(doc.doc_id, doc.source)) for doc in documents]

        # The segment's files stay apart (compound=False): joining them into one file would write
        # the whole index a second time, and Whoosh reads either.
        with _gc_paused(), PreparedWriter(ix, tallied=TALLIED, compound=False) as w:  # commits, or cancels on error
            def taken(number: int, why: str | None) -> None:
                if why:
                    problems.append(why)
                else:
                    kept.append(entries[number][0])
                if progress:
                    progress(number + 1, w.docnum)

            if workers > 0 and len(entries) > buildworkers.BATCH:
                _add_from_workers(w, schema, entries, workers, taken, encoder)
            else:
                for number, entry in enumerate(entries):
                    cuts, skipped = cut_with_postings(schema, *entry, encoder, TALLIED)
                    for f, analysed in cuts:
                        w.add_prepared(f, analysed)
                    taken(number, skipped)
            passages, segment = w.docnum, w.newsegment.segment_id()
            faults.reached("build:written")
        generation = ix.latest_generation()
        ix.close()
        docstore.put(build, kept)
        faults.reached("build:stored")
        seconds = time.perf_counter() - started
        manifest.write(build, new_manifest(files, len(kept), passages, generation, excluded, seconds,
                                           semantic.MODEL_ID if encoder is not None else "", segment))
        faults.reached("build:described")
        _swap_in(index_dir, name)
        faults.reached("build:swapped")
    except BaseException:
        if current_build(index_dir) != build:
            shutil.rmtree(build, ignore_errors=True)
        raise
    return BuildReport(index_dir, len(kept), passages, seconds, tuple(problems))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection: a build makes millions of postings lists and no cycles,
    and the collector would walk all of them again each time it ran (a fifth of the build)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _add_from_workers(w: PreparedWriter, schema: Schema, entries: list, workers: int, taken, encoder) -> None:
    """Cut and analyse entries in worker processes, adding their passages to w in order."""
    docmaps: list[list[int]] = [[] for _ in range(workers)]  # each worker's passages' numbers in w
    number = 0
    factory = partial(PassageWorker, schema, w.tempdir, w.codec, w.tallied, encoder)
    with buildworkers.Workers(entries, factory, workers) as pool:
        for index, payload in pool.results():
            for why, passages in payload:
                for fields, lengths in passages:
                    docmaps[index].append(w.docnum)
                    w.add_stored(fields, lengths)
                taken(number, why)
                number += 1
        runs = []
        for index, (names, tally) in enumerate(pool.finish()):
            runs += [(name, docmaps[index]) for name in names]
            w.tally.join(tally, docmaps[index])
        runs += [(name, range(w.docnum)) for name in w.tally_run()]  # numbered as the index already
        # Then each worker encodes a share of the terms for the postings file (search/blockencoder.py).
        lengths = w.length_columns()
        w.adopt_encoded(pool.call("encode", [(runs, lengths, workers)] * workers))


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
                 progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> BuildReport:
    """Load a corpus folder and build its index from scratch; unreadable files are reported, not fatal.

    Documents taken out with `qa-search remove` stay out (the live manifest remembers them).
    """
    index_dir = Path(index_dir)
    with writer(index_dir, "a full rebuild"):
        excluded = _excluded(current_build(index_dir))
        loaded = load_corpus(corpus_dir, set(excluded))
        excluded = {d: f for d, f in excluded.items() if f in loaded.files}  # as a re-scan forgets them
        report = _build(loaded.documents, index_dir, loaded.files, loaded.origins, excluded, progress, workers)
    return BuildReport(report.index_dir, report.documents, report.passages, report.seconds,
                       tuple(loaded.problems) + report.problems, tuple(loaded.warnings))
