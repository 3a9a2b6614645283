"""Is the index in a folder usable for a corpus, and if not, why."""
from __future__ import annotations

from pathlib import Path

from . import manifest, settings
from .builds import current_build
from .corpus import fingerprint, hash_files


def why_full_rebuild(index_dir: Path) -> str | None:
    """The reason the index cannot be updated in place and must be built again, or None."""
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
    return None


def why_rebuild(corpus_dir: Path, index_dir: Path) -> str | None:
    """The reason the index must be (re)built or updated from the corpus, or None when it is current."""
    reason = why_full_rebuild(index_dir)
    if reason:
        return reason
    build = current_build(index_dir)
    found = manifest.read(build)
    if found is None or (build / manifest.PENDING_NAME).exists():
        return "an update was interrupted"
    if found.corpus_fingerprint != fingerprint(hash_files(corpus_dir)):
        return "the corpus changed since the index was built"
    return None
