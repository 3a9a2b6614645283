"""Our engine in the scale benchmark, with the same build/open/ask shape as the peers."""
from __future__ import annotations

from pathlib import Path

from search.engine import Engine
from search.indexer import build_index
from search.models import Document


class Ours:
    """build_index() to build; the full Engine.ask() the web app calls to answer."""

    name = "ours"

    def build(self, records: list[dict], index_dir: Path) -> None:
        documents = [Document(doc_id=r["id"], title=r["title"], text=r["text"], source=r["id"])
                     for r in records]
        build_index(documents, index_dir)

    def open(self, index_dir: Path) -> "Ours":
        self._engine = Engine(index_dir)
        self._engine.warm()  # as the server does
        return self

    def ask(self, question: str, k: int = 10):
        return self._engine.ask(question, k=k)
