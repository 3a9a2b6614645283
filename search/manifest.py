"""The index describes itself: what built it, from which corpus, with which settings.

The manifest is also the commit record of incremental updates: an update first writes the
manifest it will leave behind as manifest.next.json (with the Whoosh generation it is about to
commit and the documents it touches), and renames it over manifest.json once Whoosh has
committed. Whoever finds a manifest.next.json finishes or undoes that update (search/updates.py).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import analysis

SCHEMA_VERSION = 7  # 4: passages store their file and document revision; 5: the spell field;
# 6: terms and whole words stored as codes, with term offsets (tcodes, tlens, tstarts, wcodes);
# 7: a passage's number is stored only, not indexed; the build's spell postings tallied
MANIFEST_NAME = "manifest.json"
PENDING_NAME = "manifest.next.json"


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    analyzer: str
    analyzer_version: int
    passage_words: int
    passage_max_words: int
    corpus_fingerprint: str
    documents: int
    passages: int
    built_at: float
    build_seconds: float
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    generation: int = 0  # the Whoosh generation this manifest describes
    excluded: dict[str, str] = field(default_factory=dict)  # doc id taken out by `remove` -> its file
    semantic: str = ""  # the sentence model whose vectors the passages store (search/semantic.py), or ""
    tallied_segment: str = ""  # the full build's Whoosh segment, whose lexicon fields are tallied (indexer.TALLIED)

    def incompatibility(self) -> str | None:
        """Why this index cannot be read by this version of the engine, or None."""
        if self.schema_version != SCHEMA_VERSION:
            return f"index schema version {self.schema_version}, this engine reads {SCHEMA_VERSION}"
        if (self.analyzer, self.analyzer_version) != (analysis.ANALYZER_NAME, analysis.ANALYZER_VERSION):
            return f"index analyzer {self.analyzer} v{self.analyzer_version} differs from this engine's"
        return None


@dataclass(frozen=True)
class Pending:
    """An update in flight: the manifest it leaves behind and the documents whose rows it changes."""

    manifest: Manifest
    touched: tuple[str, ...]


def _write_json(path: Path, data: dict) -> None:
    """Replace path atomically: readers see the old file or the new one, never a part."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), "utf-8")
    os.replace(tmp, path)


def write(folder: Path, manifest: Manifest) -> None:
    _write_json(folder / MANIFEST_NAME, asdict(manifest))


def read(folder: Path) -> Manifest | None:
    """The manifest in folder, or None when there is none or it is not one of ours."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_pending(folder: Path, pending: Pending) -> None:
    _write_json(folder / PENDING_NAME, {"manifest": asdict(pending.manifest), "touched": list(pending.touched)})


def read_pending(folder: Path) -> Pending | None:
    """The update left in flight in folder, or None; ValueError when the record is unreadable."""
    try:
        text = (folder / PENDING_NAME).read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        return Pending(Manifest(**data["manifest"]), tuple(data["touched"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"unreadable {PENDING_NAME}: {exc}") from None


def clear_pending(folder: Path) -> None:
    (folder / PENDING_NAME).unlink(missing_ok=True)
