"""The index describes itself: what built it, from which corpus, with which settings."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import analysis

SCHEMA_VERSION = 4
MANIFEST_NAME = "manifest.json"


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

    def incompatibility(self) -> str | None:
        """Why this index cannot be read by this version of the engine, or None."""
        if self.schema_version != SCHEMA_VERSION:
            return f"index schema version {self.schema_version}, this engine reads {SCHEMA_VERSION}"
        if (self.analyzer, self.analyzer_version) != (analysis.ANALYZER_NAME, analysis.ANALYZER_VERSION):
            return f"index analyzer {self.analyzer} v{self.analyzer_version} differs from this engine's"
        return None


def write(folder: Path, manifest: Manifest) -> None:
    tmp = folder / (MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(asdict(manifest), indent=1, sort_keys=True), "utf-8")
    os.replace(tmp, folder / MANIFEST_NAME)


def read(folder: Path) -> Manifest | None:
    """The manifest in folder, or None when there is none or it is not one of ours."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None
