"""Helpers the tests share (fixtures live in conftest.py)."""
from __future__ import annotations

import zlib

from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import VarBytesColumn

from search import termcodes
from search.passages import Passage
from search.rerank import Candidate


def write(folder: Path, rel: str, content: str | bytes) -> Path:
    """Write one file (text as UTF-8, or raw bytes) below folder and return its path."""
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")
    return path


def make_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (text or raw bytes) into folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        write(folder, name, content)
    return folder


def stored_blobs(folder: Path) -> list[list[bytes]]:
    """The raw (still compressed) bytes of each passage's stored fields, segment by segment,
    of the Whoosh index in folder."""
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        columns = [leaf._perdoc._cached_reader("_stored", STORED_COLUMN)._child for leaf in leaves]
        return [[VarBytesColumn.Reader.__getitem__(column, n) for n in range(leaf.doc_count_all())]
                for leaf, column in zip(leaves, columns)]


def stored_plainly(blob: bytes) -> bool:
    """Whether zlib bytes hold their data as stored blocks (level 0), not deflated."""
    return blob[:2] == b"\x78\x01" and len(blob) > len(zlib.decompress(blob))


# Strings a user might type that are Whoosh query syntax, or worse; each must be searched as words.
ODD_QUERIES = [
    "title:*", "*a*", "[a TO z]", "moon~9/0", '"unbalanced quote', "(unbalanced (parens", "NOT",
    "NOT moon", " OR ".join(["moon"] * 150), "moon AND OR NOT", "\x00\x01\x02 moon \x7f", "🚀 moon 🌕",
    "القمر moon", "<script>alert(1)</script>", "a" * 900, "x" * 41 + " moon", "?", "Who is it?",
    "%00%ff", "{{7*7}}", "'; DROP TABLE passages; --", "\\", "moon^100", "te?t", "field:value OR",
]


def candidate(score: float, doc_id: str, text: str, sentences, sentence_terms, fields: dict) -> Candidate:
    """A re-ranker Candidate from each sentence's analyzed terms (as strings), coded as the index codes them."""
    return Candidate(score, Passage(doc_id=doc_id, text=text, sentences=sentences,
                                    codes=termcodes.codes([t for terms in sentence_terms for t in terms]),
                                    lengths=np.array([len(t) for t in sentence_terms], dtype=np.int64),
                                    word_codes=termcodes.decode(termcodes.encode_whole_words(text)),
                                    fields=fields))
