"""Word lists kept in the repository (search/data/*.txt): one entry a line, '#' starts a comment."""
from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"


def load_words(name: str) -> frozenset[str]:
    text = (_DATA / name).read_text("utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.split("#")[0].strip()))
