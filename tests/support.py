"""Helpers the tests share (fixtures live in conftest.py)."""
from __future__ import annotations

from pathlib import Path


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


# Strings a user might type that are Whoosh query syntax, or worse; each must be searched as words.
ODD_QUERIES = [
    "title:*", "*a*", "[a TO z]", "moon~9/0", '"unbalanced quote', "(unbalanced (parens", "NOT",
    "NOT moon", " OR ".join(["moon"] * 150), "moon AND OR NOT", "\x00\x01\x02 moon \x7f", "🚀 moon 🌕",
    "القمر moon", "<script>alert(1)</script>", "a" * 900, "x" * 41 + " moon", "?", "Who is it?",
    "%00%ff", "{{7*7}}", "'; DROP TABLE passages; --", "\\", "moon^100", "te?t", "field:value OR",
]
