"""The index-keeping commands: re-scan the corpus, add files, remove documents.

Each holds the writer lock for its whole run and changes the index in one commit
(search/updates.py); when the index cannot be updated in place it is rebuilt from the corpus.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Callable, Iterable

from .builds import current_build
from .corpus import SUFFIXES, hash_files, read_file
from .errors import CorpusError, IndexStale, SearchError
from .freshness import why_full_rebuild
from .indexer import index_corpus
from .updates import Change, UpdateReport, apply, live_build, recover
from . import manifest
from .writelock import writer


def rescan(corpus_dir: Path, index_dir: Path, rebuild: bool = False,
           progress: Callable[[int, int], None] | None = None) -> UpdateReport:
    """Bring the index up to date with the corpus: only new, changed and deleted files are touched."""
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    with writer(index_dir, "qa-search index"):
        reason = "a full rebuild was asked for" if rebuild else why_full_rebuild(index_dir)
        if reason is None:
            try:
                return _rescan(corpus_dir, index_dir)
            except IndexStale as exc:
                if exc.code != "index_damaged":
                    raise
                reason = exc.message.split(":")[0]
        return _rebuild(corpus_dir, index_dir, reason, progress)


def _rescan(corpus_dir: Path, index_dir: Path) -> UpdateReport:
    build = live_build(index_dir)
    recover(index_dir, build)
    found = manifest.read(build)
    hashes = hash_files(corpus_dir)
    changed = sorted(rel for rel, sha in hashes.items() if found.files.get(rel) != sha)
    dropped = tuple(sorted(set(found.files) - set(hashes)))
    reads = tuple(read_file(corpus_dir, corpus_dir / rel) for rel in changed)
    return apply(index_dir, Change(reads=reads, dropped_files=dropped))


def _rebuild(corpus_dir: Path, index_dir: Path, reason: str, progress) -> UpdateReport:
    build = current_build(index_dir)
    if build is not None:
        try:  # an interrupted `remove` may have committed: its exclusions must survive the rebuild
            recover(index_dir, build)
        except SearchError:
            pass  # damaged or foreign: index_corpus keeps out what either manifest excludes
    built = index_corpus(corpus_dir, index_dir, progress=progress)
    return UpdateReport(documents=built.documents, passages=built.passages, seconds=built.seconds,
                        problems=built.problems, warnings=built.warnings, rebuilt=reason)


def add(corpus_dir: Path, index_dir: Path, paths: Iterable[Path | str]) -> UpdateReport:
    """Index files, copying those from outside into the corpus first; all are checked before any is copied."""
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    with writer(index_dir, "qa-search add"):
        targets = [_target(corpus_dir, Path(p)) for p in paths]
        for source, target in targets:
            if source != target:
                _copy(source, target)
        if why_full_rebuild(index_dir):
            return rescan(corpus_dir, index_dir)
        reads = tuple(read_file(corpus_dir, target) for _, target in dict.fromkeys(targets))
        return apply(index_dir, Change(reads=reads, readmit=True))


def remove(index_dir: Path, doc_ids: Iterable[str]) -> UpdateReport:
    """Take documents out of the index and keep them out of re-scans until their file is added again."""
    index_dir = Path(index_dir)
    live_build(index_dir)  # no index at all: say so, and create nothing
    with writer(index_dir, "qa-search remove"):
        reason = why_full_rebuild(index_dir)
        if reason:
            raise IndexStale(f"the index in {index_dir} cannot be updated ({reason}): "
                             f"rebuild it with `qa-search index --rebuild --index {index_dir}`")
        return apply(index_dir, Change(removed_ids=tuple(dict.fromkeys(doc_ids))))


def _target(corpus_dir: Path, path: Path) -> tuple[Path, Path]:
    """(file to read, where it lives in the corpus); refuses what `add` cannot take."""
    if not path.is_file():
        raise CorpusError(f"not a file: {path}")
    if path.suffix.lower() not in SUFFIXES:
        raise CorpusError(f"{path.name}: only {', '.join(sorted(SUFFIXES))} files are indexed")
    resolved, root = path.resolve(), corpus_dir.resolve()
    if resolved.is_relative_to(root):
        rel = resolved.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            raise CorpusError(f"{path}: hidden files and folders are not indexed")
        return corpus_dir / rel, corpus_dir / rel
    target = corpus_dir / path.name
    if path.name.startswith("."):
        raise CorpusError(f"{path}: hidden files are not indexed; rename it")
    if target.exists() and target.read_bytes() != path.read_bytes():
        raise CorpusError(f"the corpus already has a different {path.name}: edit {target} and run "
                          f"`qa-search add {target}`, or rename the new file")
    return path, target


def _copy(source: Path, target: Path) -> None:
    """Copy into the corpus under a hidden name first, so a re-scan never sees half a file."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CorpusError(f"cannot copy {source} into the corpus ({exc.strerror or exc})") from None
