"""Peer search systems behind one small interface: build(records, dir), then open(dir).ask(q, k).

Each `ask` returns the top-k passage texts, so every system pays for fetching what it found.
Peer libraries are imported inside their adapters: a missing peer fails only its own run.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

_WORD = re.compile(r"\w+")


class PlainWhoosh:
    """Whoosh as documented: StemmingAnalyzer, BM25F, an OR of the question's terms."""

    name = "whoosh-plain"

    def build(self, records: list[dict], index_dir: Path) -> None:
        from whoosh import index
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import ID, TEXT, Schema

        analyzer = StemmingAnalyzer()
        schema = Schema(id=ID(stored=True, unique=True), title=TEXT(analyzer=analyzer, stored=True),
                        text=TEXT(analyzer=analyzer, stored=True))
        ix = index.create_in(str(index_dir), schema)
        with ix.writer(limitmb=256) as writer:
            for r in records:
                writer.add_document(id=r["id"], title=r["title"], text=r["text"])

    def open(self, index_dir: Path) -> "PlainWhoosh":
        from whoosh import index

        self._ix = index.open_dir(str(index_dir))
        self._searcher = self._ix.searcher()
        self._analyzer = self._ix.schema["text"].analyzer
        return self

    def ask(self, question: str, k: int = 10) -> list[str]:
        from whoosh.query import Or, Term

        words = [t.text for t in self._analyzer(question)]
        query = Or([Term(f, w) for w in words for f in ("text", "title")])
        return [hit["text"] for hit in self._searcher.search(query, limit=k)]


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class BM25S:
    """bm25s with PyStemmer's English stemmer and its English stop words."""

    name = "bm25s"

    def build(self, records: list[dict], index_dir: Path) -> None:
        import bm25s

        texts = [f"{r['title']}\n{r['text']}" for r in records]
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(index_dir))
        # bm25s keeps no texts; store them beside the index like a real engine would.
        (index_dir / "passages.jsonl").write_text(
            "".join(json.dumps(r["text"]) + "\n" for r in records), encoding="utf-8")

    def open(self, index_dir: Path) -> "BM25S":
        import bm25s

        self._bm25s = bm25s
        self._retriever = bm25s.BM25.load(str(index_dir))
        self._stemmer = _stemmer()
        with (index_dir / "passages.jsonl").open(encoding="utf-8") as lines:
            self._texts = [json.loads(line) for line in lines]
        return self

    def ask(self, question: str, k: int = 10) -> list[str]:
        tokens = self._bm25s.tokenize([question], stopwords="en", stemmer=self._stemmer,
                                      show_progress=False)
        if not tokens.vocab:
            return []
        k = min(k, len(self._texts))
        docs, _ = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [self._texts[int(d)] for d in docs[0]]


class Tantivy:
    """tantivy-py with its en_stem tokenizer; the question becomes an OR of its words."""

    name = "tantivy"

    def build(self, records: list[dict], index_dir: Path) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
        ix = tantivy.Index(builder.build(), path=str(index_dir))
        writer = ix.writer(heap_size=256_000_000, num_threads=1)
        for r in records:
            writer.add_document(tantivy.Document(id=r["id"], title=r["title"], text=r["text"]))
        writer.commit()
        writer.wait_merging_threads()

    def open(self, index_dir: Path) -> "Tantivy":
        import tantivy

        self._ix = tantivy.Index.open(str(index_dir))
        self._ix.reload()
        self._searcher = self._ix.searcher()
        return self

    def ask(self, question: str, k: int = 10) -> list[str]:
        words = _WORD.findall(question)
        if not words:
            return []
        # Bare words only: the query parser would read punctuation as syntax.
        query = self._ix.parse_query(" ".join(words), ["title", "text"])
        hits = self._searcher.search(query, k).hits
        return [self._searcher.doc(addr)["text"][0] for _, addr in hits]


class Lucene:
    """Lucene BM25 through pyserini (benchmarks/lucene.py): title and text searched as one field."""

    name = "lucene"

    def build(self, records: list[dict], index_dir: Path) -> None:
        from . import lucene

        docs = ((r["id"], f"{r['title']}\n{r['text']}", r["text"]) for r in records)
        self.child_peak_rss_mb = lucene.build(docs, index_dir)  # the Java indexer's own memory

    def open(self, index_dir: Path) -> "Lucene":
        from . import lucene

        self._searcher = lucene.Searcher(index_dir)
        return self

    def ask(self, question: str, k: int = 10) -> list[str]:
        return self._searcher.search(question, k)


PEERS = {cls.name: cls for cls in (PlainWhoosh, BM25S, Tantivy, Lucene)}
