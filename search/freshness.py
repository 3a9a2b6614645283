"""Is the index in a folder usable for a corpus, and if not, why."""
from __future__ import annotations

from pathlib import Path

from . import manifest, settings
from .corpus import fingerprint, hash_files
from .indexer import current_build


def why_rebuild(corpus_dir: Path, index_dir: Path) -> str | None:
    """The reason the index must be (re)built from the corpus, or None when it is current."""
    build = current_build(index_dir)
    if build is None:
        return "there is no index yet"
    found = manifest.read(build)
    if found is None:
        return "the index has no readable manifest"
    problem = found.incompatibility()
    if problem:
        return problem
    if (found.passage_words, found.passage_max_words) != (settings.get("passage_words"),
                                                         settings.get("passage_max_words")):
        return "the passage size settings changed"
    if found.corpus_fingerprint != fingerprint(hash_files(corpus_dir)):
        return "the corpus changed since the index was built"
    return None
