"""Whole documents by id and revision, kept beside the passages of each build (SQLite, one file).

The source view shows a document with a cited passage highlighted; offsets in citations
index the text stored here, so the document is kept exactly as it was indexed.

Rows are keyed by (doc_id, rev), where rev is a hash of the document's content and every
passage stores the rev it was cut from. An update adds the new revision's row before Whoosh
commits and deletes the old one after, so whatever generation a reader sees, the rows its
passages name are there; a crash in between leaves only unreferenced rows, which
`collect` removes.
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Iterable, Mapping

from .models import Document, Source

FILENAME = "documents.sqlite"
_COLUMNS = ("doc_id", "title", "text", "source", "url", "date")
_TIMEOUT = 10.0  # seconds a reader waits for a writer's transaction, and the other way round


def revision(doc: Document) -> str:
    """A short hash of everything stored about the document."""
    digest = hashlib.sha256()
    for value in (doc.doc_id, doc.title, doc.text, doc.source, doc.url or "", doc.date or ""):
        digest.update(value.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:16]


def _connect(build: Path, readonly: bool = False) -> sqlite3.Connection:
    path = build / FILENAME
    if readonly:
        # Not mode=ro: a reader must be able to roll back the journal of a writer killed mid-transaction.
        # mode=rw never creates a missing file; query_only stops every write but that rollback.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, check_same_thread=False,
                               timeout=_TIMEOUT)
        conn.execute("PRAGMA query_only = ON")
        return conn
    conn = sqlite3.connect(path, timeout=_TIMEOUT)
    conn.execute("CREATE TABLE IF NOT EXISTS documents (doc_id TEXT NOT NULL, rev TEXT NOT NULL, "
                 "title TEXT NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL, url TEXT, date TEXT, "
                 "PRIMARY KEY (doc_id, rev))")
    return conn


def put(build: Path, documents: Iterable[Document]) -> None:
    """Insert documents (a revision already there is left as it is), in one transaction."""
    conn = _connect(build)
    try:
        with conn:
            conn.executemany("INSERT OR IGNORE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                             ((d.doc_id, revision(d), d.title, d.text, d.source, d.url, d.date)
                              for d in documents))
    finally:
        conn.close()


def collect(build: Path, live: Mapping[str, str | None]) -> None:
    """Keep only the live revision of each given document id (None: keep no row), in one transaction."""
    conn = _connect(build)
    try:
        with conn:
            conn.executemany("DELETE FROM documents WHERE doc_id = ? AND rev IS NOT ?",
                             ((doc_id, rev) for doc_id, rev in live.items()))
    finally:
        conn.close()


class DocumentStore:
    """Read-only lookups into one build's documents; one connection, shareable across threads."""

    def __init__(self, build: Path):
        self._conn = _connect(build, readonly=True)

    def get(self, doc_id: str, rev: str) -> Document | None:
        row = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM documents WHERE doc_id = ? AND rev = ?",
                                 (doc_id, rev)).fetchone()
        return Document(*row) if row else None

    def sources(self, limit: int) -> list[Source]:
        """Up to `limit` documents without their text, by title (the first `limit` by id)."""
        # One row a document: two revisions of one document coexist only while an update runs.
        rows = self._conn.execute("SELECT doc_id, title, source, url, date FROM documents "
                                  "GROUP BY doc_id ORDER BY doc_id LIMIT ?", (limit,)).fetchall()
        return sorted((Source(*row) for row in rows), key=lambda s: (s.title.casefold(), s.doc_id))

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def revisions(self) -> set[tuple[str, str]]:
        """Every (doc_id, rev) stored, live or not (the index check compares them with Whoosh)."""
        return set(self._conn.execute("SELECT doc_id, rev FROM documents"))

    def close(self) -> None:
        self._conn.close()
