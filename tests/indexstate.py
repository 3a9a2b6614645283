"""What an index holds, read the way the app reads it, with its internal agreements checked."""
from __future__ import annotations

from pathlib import Path

from search.searcher import IndexHandle


def snapshot(index_dir: Path, handle: IndexHandle | None = None) -> dict[str, str]:
    """doc id -> text of every document a reader finds (a fresh one unless given); asserts its passages agree."""
    fresh = handle is None
    handle = handle or IndexHandle(index_dir)
    try:
        searcher = handle.searcher()
        passages: dict[str, list[dict]] = {}
        for _, fields in searcher.reader().iter_docs():
            passages.setdefault(fields["doc_id"], []).append(fields)
        docs = {}
        for doc_id, found in passages.items():
            doc = handle.document(doc_id)
            assert doc is not None, f"{doc_id}: passages but no stored document"
            found.sort(key=lambda f: f["number"])
            assert [f["number"] for f in found] == list(range(len(found))), f"{doc_id}: passages repeated or missing"
            assert len({f["rev"] for f in found}) == 1, f"{doc_id}: passages of two revisions"
            for f in found:
                assert doc.text[f["start"]:f["end"]] == f["text"], f"{doc_id}: a passage does not slice back"
            docs[doc_id] = doc.text
        stats = handle.stats()
        assert stats == {"documents": len(docs), "passages": sum(len(f) for f in passages.values())}
        return docs
    finally:
        if fresh:
            handle.close()
