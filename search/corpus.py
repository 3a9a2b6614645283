"""Read a folder of articles into Document records; report what could not be read."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from . import loaders, settings
from .models import Document

FORMATS = {".txt": loaders.parse_txt, ".md": loaders.parse_md, ".markdown": loaders.parse_md,
           ".html": loaders.parse_html, ".htm": loaders.parse_html}
SUFFIXES = frozenset(FORMATS) | {".jsonl"}


@dataclass
class CorpusLoad:
    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "<file>: <what went wrong>"
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of its bytes


def corpus_files(folder: Path) -> list[Path]:
    """Supported files below folder, sorted; hidden files and folders are left out."""
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or path.suffix.lower() not in SUFFIXES:
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def fingerprint(files: dict[str, str]) -> str:
    """One hash for the whole corpus: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(f"{rel}\0{files[rel]}\n".encode())
    return digest.hexdigest()


def hash_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in corpus_files(folder)}


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped); line endings become \\n so offsets are stable."""
    text = data.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _records(rel: str, text: str, suffix: str) -> tuple[list[loaders.Parsed], list[str]]:
    if suffix == ".jsonl":
        return loaders.parse_jsonl(text)
    return [FORMATS[suffix](text)], []


def load_corpus(folder: Path | str) -> CorpusLoad:
    """Every document below folder; a file that cannot be used is reported and skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        from .errors import CorpusError
        raise CorpusError(f"corpus folder not found: {folder}")
    result = CorpusLoad()
    limit = settings.get("max_file_bytes")
    taken: set[str] = set()
    for path in corpus_files(folder):
        rel = path.relative_to(folder).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.problems.append(f"{rel}: cannot be read ({exc.strerror or exc})")
            continue
        result.files[rel] = hashlib.sha256(data).hexdigest()
        if len(data) > limit:
            result.problems.append(f"{rel}: larger than {limit:,} bytes, skipped")
            continue
        try:
            text = _decode(data)
        except UnicodeDecodeError as exc:
            result.problems.append(f"{rel}: not UTF-8 (bad byte at offset {exc.start}), skipped")
            continue
        records, problems = _records(rel, text, path.suffix.lower())
        result.problems.extend(f"{rel}: {p}" for p in problems)
        for parsed in records:
            doc_id = parsed.record_id or rel.rsplit(".", 1)[0]
            if doc_id in taken:
                doc_id = parsed.record_id and f"{rel}:{parsed.record_id}" or rel
            if doc_id in taken:
                result.problems.append(f"{rel}: duplicate document id {doc_id!r}, skipped")
                continue
            if not parsed.text.strip():
                result.problems.append(f"{rel}: no text" + (f" in record {parsed.record_id!r}" if parsed.record_id else ""))
                continue
            taken.add(doc_id)
            result.documents.append(Document(
                doc_id=doc_id, title=parsed.title or loaders.title_from_text(parsed.text),
                text=parsed.text, source=parsed.record_id or rel, url=parsed.url, date=parsed.date))
    return result
