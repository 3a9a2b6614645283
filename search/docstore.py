"""Whole documents by id, kept beside the passages of each build (SQLite, one file).

The source view shows a document with a cited passage highlighted; offsets in citations
index the text stored here, so the document is kept exactly as it was indexed.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

from .models import Document, Source

FILENAME = "documents.sqlite"
_COLUMNS = ("doc_id", "title", "text", "source", "url", "date")


def _connect(build: Path, readonly: bool = False) -> sqlite3.Connection:
    path = build / FILENAME
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, "
                 "text TEXT NOT NULL, source TEXT NOT NULL, url TEXT, date TEXT)")
    return conn


def put(build: Path, documents: Iterable[Document]) -> None:
    """Insert or replace documents, in one transaction."""
    with _connect(build) as conn:
        conn.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                         ((d.doc_id, d.title, d.text, d.source, d.url, d.date) for d in documents))
    conn.close()


def delete(build: Path, doc_ids: Iterable[str]) -> None:
    with _connect(build) as conn:
        conn.executemany("DELETE FROM documents WHERE doc_id = ?", ((d,) for d in doc_ids))
    conn.close()


class DocumentStore:
    """Read-only lookups into one build's documents; one connection, shareable across threads."""

    def __init__(self, build: Path):
        self._conn = _connect(build, readonly=True)

    def get(self, doc_id: str) -> Document | None:
        row = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM documents WHERE doc_id = ?",
                                 (doc_id,)).fetchone()
        return Document(*row) if row else None

    def sources(self, limit: int) -> list[Source]:
        """Up to `limit` documents without their text, by title (the first `limit` by id)."""
        rows = self._conn.execute("SELECT doc_id, title, source, url, date FROM documents "
                                  "ORDER BY doc_id LIMIT ?", (limit,)).fetchall()
        return sorted((Source(*row) for row in rows), key=lambda s: (s.title.casefold(), s.doc_id))

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def close(self) -> None:
        self._conn.close()
