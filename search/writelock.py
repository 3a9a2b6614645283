"""One writer at a time per index folder: an advisory lock the OS releases when its holder dies.

flock() locks belong to the open file, so a writer killed with -9 never leaves a stale lock.
A second writer waits up to `writer_wait_seconds`, saying once who it waits for, then gives up
with IndexBusy; it never sees Whoosh's LockError.
"""
from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from . import faults, settings
from .errors import IndexBusy, IndexWriteError

LOCK_NAME = "WRITER.lock"
_held = threading.local()  # index folders this thread holds, so nested writers do not wait on themselves


def _holder(fd: int) -> str:
    """Who holds the lock, as its holder wrote it (best effort)."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "another qa-search process"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def writer_lock(index_dir: Path, what: str, wait: float | None = None,
                say: Callable[[str], None] = _say) -> Iterator[None]:
    """Hold the index folder's writer lock for the block; `what` tells waiting writers who we are."""
    index_dir = Path(index_dir)
    wait = settings.get("writer_wait_seconds") if wait is None else wait
    index_dir.mkdir(parents=True, exist_ok=True)
    key = str(index_dir.resolve())
    held = _held.__dict__.setdefault("dirs", set())
    if key in held:
        yield
        return
    fd = os.open(index_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, index_dir, wait, say)
        held.add(key)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {what}, since {time.strftime('%H:%M:%S')}".encode(), 0)
        faults.reached("writer:locked")
        try:
            yield
        finally:
            held.discard(key)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def writer(index_dir: Path, what: str, wait: float | None = None) -> Iterator[None]:
    """The writer lock, plus one clear error when the folder cannot be written (read-only, full)."""
    try:
        with writer_lock(index_dir, what, wait):
            yield
    except (OSError, sqlite3.Error) as exc:
        raise IndexWriteError(f"cannot write the index in {index_dir} ({_reason(exc)}); "
                              "the index as it was before this command is still the live one") from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
    return str(exc)  # sqlite3: "database or disk is full", "attempt to write a readonly database"


def _acquire(fd: int, index_dir: Path, wait: float, say: Callable[[str], None]) -> None:
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(fd)
        if time.monotonic() >= deadline:
            raise IndexBusy(f"another writer is updating the index in {index_dir} ({holder}); "
                            "try again when it has finished")
        if not told:
            say(f"waiting up to {wait:g} s for another writer to finish ({holder}) …")
            told = True
        time.sleep(0.05)
