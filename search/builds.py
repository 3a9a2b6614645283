"""The index folder's layout, which build is live, and opening a build only from a trusted place.

    <index>/CURRENT          name of the live build (replaced atomically)
    <index>/WRITER.lock      held by the one process writing (search/writelock.py)
    <index>/builds/<name>/   a Whoosh index + manifest.json + documents.sqlite

Whoosh unpickles its table of contents and stored fields, so opening an index runs whatever
those files say. A build is opened only when it is named in CURRENT, lies directly under
builds/, and neither it, its files, nor the folders above it up to the index folder are
symbolic links, owned by another user (root excepted) or writable by everyone.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from .errors import IndexStale, IndexUnavailable

CURRENT = "CURRENT"
BUILDS = "builds"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_MOST = 1024  # bytes of CURRENT read: more is not a plain name (at most 100 characters)


class IndexUntrusted(IndexUnavailable):
    code = "index_untrusted"


def current_name(index_dir: Path) -> str | None:
    """The build name written in CURRENT when it is a plain name, else None."""
    # Every question looks here: os calls cost a fifth of a buffered text file's set-up.
    try:
        fd = os.open(os.path.join(index_dir, CURRENT), os.O_RDONLY)
        try:
            data = os.read(fd, _MOST)
        finally:
            os.close(fd)
        name = data.decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if len(data) < _MOST and _NAME.fullmatch(name) else None


def current_build(index_dir: Path) -> Path | None:
    """The folder of the live build, or None when the index folder holds none."""
    name = current_name(Path(index_dir))
    build = Path(index_dir) / BUILDS / name if name else None
    return build if build is not None and build.is_dir() else None


def untrusted_reason(path: Path) -> str | None:
    """Why a file or folder could have been written by someone else, or None."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"{path.name} cannot be inspected ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        return f"{path} is a symbolic link"
    if hasattr(os, "geteuid") and st.st_uid not in (os.geteuid(), 0):
        return f"{path} belongs to another user (uid {st.st_uid})"
    if st.st_mode & stat.S_IWOTH:
        return f"{path} can be written by any user"
    return None


def check_trusted(index_dir: Path, build: Path) -> None:
    """Raise IndexUntrusted unless the build and everything leading to it is ours alone."""
    root = Path(index_dir).resolve()  # the user may name the index folder through a link
    paths = [root, root / CURRENT, root / BUILDS, root / BUILDS / build.name]
    with os.scandir(paths[-1]) as entries:
        paths += [Path(e.path) for e in entries]
    for path in paths:
        reason = untrusted_reason(path)
        if reason:
            raise IndexUntrusted(f"refusing to open the index in {index_dir}: {reason}. Whoosh indexes run "
                                 "code when opened; rebuild it in a folder only you can write to with "
                                 f"`qa-search index --rebuild --index {index_dir}`")


def open_whoosh(index_dir: Path, build: Path):
    """The Whoosh index of a trusted build; a damaged one is refused with advice."""
    check_trusted(index_dir, build)
    try:
        # Plain reads, not mmap: mapped index pages count as resident memory, and a 200k-passage
        # index would take a serving worker past 1 GB; at 22k passages p50 did not change.
        ix = FileStorage(str(build), supports_mmap=False).open_index()
        ix.reader().close()  # its segments open too
        return ix
    except Exception as exc:  # Whoosh raises anything from EOFError to its own IndexError
        raise damaged(index_dir, exc) from exc


# Files of ours that live in a build beside Whoosh's (documents.sqlite-journal is SQLite's own
# crash record: it must stay for SQLite to roll back).
OWN_FILES = frozenset({"manifest.json", "manifest.next.json", "documents.sqlite", "documents.sqlite-journal",
                       "MAIN_WRITELOCK"})
_TOC = re.compile(r"_MAIN_(\d+)\.toc")
_SEGMENT = re.compile(r"(MAIN_[0-9a-z]+)\.[A-Za-z0-9_.]+")


def leftovers(build: Path, ix) -> tuple[list[Path], list[Path]]:
    """(files an interrupted writer left behind, files nobody should have put here) in a build.

    Leftovers are what Whoosh itself deletes after its next commit, plus what it never does:
    its temporary TOC files and temporary folders, and our own *.tmp files.
    """
    toc = ix._read_toc()  # Whoosh is pinned at 2.7.4; its TOC says which segments are live
    live = {seg.segment_id() for seg in toc.segments}
    stale, unknown = [], []
    for path in sorted(build.iterdir()):
        name = path.name
        toc_match, seg_match = _TOC.fullmatch(name), _SEGMENT.fullmatch(name)
        if name in OWN_FILES or (toc_match and int(toc_match.group(1)) == toc.generation):
            continue
        if toc_match or name.startswith("_MAIN_") or name.endswith(".tmp"):
            stale.append(path)
        elif seg_match:
            if seg_match.group(1) not in live:
                stale.append(path)
        else:
            unknown.append(path)
    return stale, unknown


def damaged(index_dir: Path, exc: BaseException) -> IndexStale:
    """The error for an index whose files Whoosh or SQLite cannot read."""
    return IndexStale(f"the index in {index_dir} is damaged ({type(exc).__name__}): rebuild it from the "
                      f"corpus with `qa-search index --rebuild --index {index_dir}`", code="index_damaged")
