"""Incremental changes to the live build, crash-safe: add, replace and remove documents in place.

An update runs under the writer lock, and each step is on disk before the next begins:
  1. finish or undo whatever update a killed writer left behind (recover)
  2. write manifest.next.json: the manifest this update leaves behind, the Whoosh generation it
     is about to commit and the documents it touches
  3. add the new documents' rows to documents.sqlite (new revisions beside the old ones)
  4. Whoosh: delete the replaced and removed passages, add the new ones, commit   <- commit point
  5. delete the rows no passage names any more
  6. manifest.next.json becomes manifest.json
A crash before 4 leaves the old state (recovery drops the unused rows and the record); a crash
after it, the new state (recovery does 5 and 6). Readers only see Whoosh generations, and at
every step the rows those generations name exist.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from whoosh.index import LockError
from whoosh.writing import MERGE_SMALL

from . import docstore, faults, manifest, semantic, settings
from .builds import BUILDS, current_build, leftovers, open_whoosh
from .corpus import FileRead, documents_of
from .errors import BadQuery, IndexBusy, IndexMissing, IndexStale
from .indexer import cut, new_manifest
from .models import Document
from .segmentwriter import store_uncompressed


@dataclass(frozen=True)
class Change:
    """What one update does: files to index whole (new or changed), files gone, documents taken out."""

    reads: tuple[FileRead, ...] = ()
    dropped_files: tuple[str, ...] = ()
    removed_ids: tuple[str, ...] = ()
    readmit: bool = False  # documents of `reads` come back even if `remove` took them out


@dataclass(frozen=True)
class UpdateReport:
    added: tuple[str, ...] = ()  # document ids new to the index
    replaced: tuple[str, ...] = ()  # ids whose content changed
    removed: tuple[str, ...] = ()  # ids no longer in the index
    documents: int = 0  # in the index afterwards
    passages: int = 0
    seconds: float = 0.0
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    rebuilt: str | None = None  # why a full rebuild was made instead, when it was


def live_build(index_dir: Path) -> Path:
    build = current_build(index_dir)
    if build is None:
        raise IndexMissing(f"no index in {index_dir}: run `qa-search index --index {index_dir}`")
    return build


def live_revisions(searcher, doc_ids: Iterable[str]) -> dict[str, str | None]:
    """doc id -> the revision its live passages were cut from, or None when it has none."""
    found = {}
    for doc_id in doc_ids:
        fields = searcher.document(doc_id=doc_id)
        found[doc_id] = fields["rev"] if fields else None
    return found


def recover(index_dir: Path, build: Path) -> bool:
    """Finish (if Whoosh committed) or undo an update a killed writer left; tidy what killed writers left.

    Idempotent, so a crash during recovery is recovered the same way. Needs the writer lock.
    """
    try:
        pending = manifest.read_pending(build)
    except ValueError as exc:
        raise IndexStale(f"the index in {index_dir} is damaged ({exc}): rebuild it with "
                         f"`qa-search index --rebuild --index {index_dir}`", code="index_damaged") from None
    ix = open_whoosh(index_dir, build)
    if pending is not None:
        with ix.searcher() as s:
            live = live_revisions(s, pending.touched)
        docstore.collect(build, live)
        faults.reached("recover:collected")
        if ix.latest_generation() >= pending.manifest.generation:
            manifest.write(build, pending.manifest)
        manifest.clear_pending(build)
    stale, _ = leftovers(build, ix)
    unfinished = [p for p in (index_dir / BUILDS).iterdir()
                  if p != build and not (p / manifest.MANIFEST_NAME).exists()]
    for path in stale + unfinished:  # no other writer runs: we hold the lock
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return pending is not None


class _Taken:
    """Document ids a new document may not use: live ones from files this update leaves alone."""

    def __init__(self, searcher, affected: set[str], excluded: dict[str, str]):
        self._searcher, self._affected, self._excluded = searcher, affected, excluded
        self._new: set[str] = set()

    def __contains__(self, doc_id: str) -> bool:
        if doc_id in self._new:
            return True
        if doc_id in self._excluded:
            return self._excluded[doc_id] not in self._affected
        fields = self._searcher.document(doc_id=doc_id)
        return fields is not None and fields["file"] not in self._affected

    def add(self, doc_id: str) -> None:
        self._new.add(doc_id)


@dataclass(frozen=True)
class _Plan:
    documents: tuple[tuple[Document, str], ...]  # (document, its file) to add
    old: dict[str, str]  # doc id -> rev of every live document this update deletes
    old_passages: int
    excluded: dict[str, str]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]


def _plan(searcher, change: Change, found: manifest.Manifest) -> _Plan:
    """Which documents go and which come; reads the index, writes nothing."""
    affected = {r.rel for r in change.reads} | set(change.dropped_files)
    old, old_passages = {}, 0
    for rel in sorted(affected):
        for fields in searcher.documents(file=rel):
            old[fields["doc_id"]] = fields["rev"]
            old_passages += 1
    unknown = [d for d in change.removed_ids if searcher.document(doc_id=d) is None]
    if unknown:
        raise BadQuery(f"no document {', '.join(repr(d) for d in unknown[:5])} in the index; nothing was "
                       "removed (ids are shown in search results and `qa-search ask --json`)",
                       code="unknown_document")
    excluded = {d: f for d, f in found.excluded.items() if f not in change.dropped_files}
    for doc_id in change.removed_ids:
        for fields in searcher.documents(doc_id=doc_id):
            old[doc_id] = fields["rev"]
            old_passages += 1
            excluded[doc_id] = fields["file"]
    taken = _Taken(searcher, affected, found.excluded)
    documents, problems, warnings = [], [], []
    for read in sorted(change.reads, key=lambda r: r.rel):
        docs, skipped, altered = documents_of(read, taken)
        problems += list(read.problems) + skipped
        warnings += altered
        for doc in docs:
            if change.readmit and excluded.get(doc.doc_id) == read.rel:
                del excluded[doc.doc_id]
            if doc.doc_id not in excluded:
                documents.append((doc, read.rel))
    return _Plan(tuple(documents), old, old_passages, excluded, tuple(problems), tuple(warnings))


def _encoder_for(found: manifest.Manifest, index_dir: Path):
    """The encoder new passages need to match the index's: None for an index without vectors."""
    if not found.semantic:
        return None
    if found.semantic != semantic.MODEL_ID:
        raise IndexStale(f"the index in {index_dir} holds vectors of {found.semantic}, this engine makes "
                         f"{semantic.MODEL_ID}: rebuild it with `qa-search index --rebuild --index {index_dir}`")
    try:
        encoder = semantic.shared()
    except semantic.Unavailable as exc:
        raise IndexStale(f"the index in {index_dir} stores sentence-model vectors, and {exc}; or rebuild it "
                         f"without them: QA_SEARCH_SEMANTIC=off qa-search index --rebuild --index {index_dir}") from None
    semantic.side_by_side()  # an update encodes a few passages, usually beside the served workers
    return encoder


def apply(index_dir: Path, change: Change) -> UpdateReport:
    """Make one change to the live build as one commit. The caller holds the writer lock."""
    started = time.perf_counter()
    build = live_build(index_dir)
    recover(index_dir, build)
    found = manifest.read(build)
    if found is None:
        raise IndexStale(f"the index in {index_dir} has no readable manifest: rebuild it with "
                         f"`qa-search index --rebuild --index {index_dir}`")
    ix = open_whoosh(index_dir, build)
    with ix.searcher() as s:
        plan = _plan(s, change, found)
        passages_before = s.doc_count()
    files = {rel: sha for rel, sha in found.files.items() if rel not in change.dropped_files}
    files.update((r.rel, r.sha256) for r in change.reads)
    cuts, uncut = cut(plan.documents, _encoder_for(found, index_dir))
    new_ids = {doc.doc_id for doc, _ in cuts}
    fields = [f for _, doc_fields in cuts for f in doc_fields]
    report = UpdateReport(
        added=tuple(sorted(new_ids - set(plan.old))),
        replaced=tuple(sorted(d for doc, _ in cuts
                              if (d := doc.doc_id) in plan.old and plan.old[d] != docstore.revision(doc))),
        removed=tuple(sorted(set(plan.old) - new_ids)),
        documents=found.documents - len(plan.old) + len(new_ids),
        passages=passages_before - plan.old_passages + len(fields),
        problems=plan.problems + tuple(uncut),
        warnings=tuple(w for r in change.reads for w in r.warnings) + plan.warnings)
    if files == found.files and plan.excluded == found.excluded and not report.replaced and \
            not report.added and not report.removed:
        return _done(report, found, started)  # nothing to commit
    after = new_manifest(files, report.documents, report.passages, ix.latest_generation() + 1, plan.excluded,
                         semantic_model=found.semantic, tallied_segment=found.tallied_segment)
    pending = manifest.Pending(after, tuple(sorted(set(plan.old) | new_ids)))
    manifest.write_pending(build, pending)
    faults.reached("update:recorded")
    try:
        docstore.put(build, (doc for doc, _ in cuts))
        faults.reached("update:stored")
        _commit(index_dir, ix, change, fields, found.tallied_segment)
    except BaseException:
        _undo(index_dir, build)
        raise
    faults.reached("update:committed")
    recover(index_dir, build)  # the same steps finish a committed update
    faults.reached("update:done")
    return _done(report, after, started)


def _merge_small_but(kept: str):
    """Whoosh's MERGE_SMALL policy, except that segment `kept` is never merged.

    The full build's segment tallies its lexicon fields (indexer.TALLIED): each word has one
    posting, on the first passage that holds it. Merging copies only the postings of passages
    still live, so a word would go with its first passage though later ones still hold it.
    """
    def policy(writer, segments):
        return [s for s in segments if s.segment_id() == kept] + \
            MERGE_SMALL(writer, [s for s in segments if s.segment_id() != kept])
    return policy


def _commit(index_dir: Path, ix, change: Change, fields: list[dict], tallied_segment: str) -> None:
    try:
        # We hold our writer lock, so Whoosh's own is free unless some other program took it.
        writer = ix.writer(timeout=min(5.0, settings.get("writer_wait_seconds")))
    except LockError:
        raise IndexBusy(f"another program is writing the Whoosh index in {index_dir}; nothing was changed") from None
    store_uncompressed(writer.perdocwriter)  # also the passages of segments it merges
    try:
        for rel in sorted({r.rel for r in change.reads} | set(change.dropped_files)):
            writer.delete_by_term("file", rel)
        for doc_id in change.removed_ids:
            writer.delete_by_term("doc_id", doc_id)
        for f in fields:
            writer.add_document(**f)
        faults.reached("update:written")
        writer.commit(mergetype=_merge_small_but(tallied_segment))
    except BaseException:
        if not writer.is_closed:
            writer.cancel()  # releases Whoosh's lock; the files it wrote are leftovers recover() removes
        raise


def _undo(index_dir: Path, build: Path) -> None:
    """Best effort after a failed update; what cannot be done now, the next writer's recover() does."""
    try:
        recover(index_dir, build)
    except Exception:
        pass


def _done(report: UpdateReport, found: manifest.Manifest, started: float) -> UpdateReport:
    return UpdateReport(report.added, report.replaced, report.removed, found.documents, found.passages,
                        time.perf_counter() - started, report.problems, report.warnings)
