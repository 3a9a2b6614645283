"""Read a folder of articles into Document records; report what could not be used, by file name.

Files are untrusted. Each is capped in size before it is read; it is decoded as UTF-8 (a UTF-8 or
UTF-16 byte-order mark is honoured) with invalid bytes replaced by U+FFFD and a warning naming
the file; a file holding NUL bytes is binary and skipped; links out of the corpus are skipped.
Runs of non-space characters longer than max_word_chars (base64 blobs, minified code) are cut
short, with a warning, so that no passage grows without bound.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from . import loaders, settings
from .models import Document

FORMATS = {".txt": loaders.parse_txt, ".md": loaders.parse_md, ".markdown": loaders.parse_md,
           ".html": loaders.parse_html, ".htm": loaders.parse_html}
SUFFIXES = frozenset(FORMATS) | {".jsonl"}
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


@dataclass
class CorpusLoad:
    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "<file>: <what went wrong>"; that part is skipped
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of its bytes
    warnings: list[str] = field(default_factory=list)  # "<file>: <what was altered>"; loaded anyway
    origins: dict[str, str] = field(default_factory=dict)  # doc id -> relative path of its file


@dataclass(frozen=True)
class FileRead:
    """One file, read and parsed; document ids are assigned later, against the whole corpus."""

    rel: str
    sha256: str
    records: tuple[loaders.Parsed, ...] = ()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


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
        digest.update(f"{rel}\0{files[rel]}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The file's hash, read in blocks so that a huge file costs no memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_files(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every supported file; unreadable ones hash to ''."""
    hashes = {}
    for path in corpus_files(folder):
        try:
            hashes[path.relative_to(folder).as_posix()] = file_sha256(path)
        except OSError:
            hashes[path.relative_to(folder).as_posix()] = ""
    return hashes


def decode(data: bytes) -> tuple[str, int]:
    """(text, bytes replaced): BOM-aware UTF-8 or UTF-16; line endings become \\n so offsets are stable."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    bom = next((len(b) for b, enc in _BOMS if enc == encoding and data.startswith(b)), 0)
    text = data[bom:].decode(encoding, "replace")
    replaced = text.count("\ufffd") - data[bom:].decode(encoding, "ignore").count("\ufffd")
    return text.replace("\r\n", "\n").replace("\r", "\n"), replaced


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def read_file(folder: Path, path: Path) -> FileRead:
    """Read, cap, decode and parse one corpus file; never raises for what the file holds."""
    rel = path.relative_to(folder).as_posix()
    if not rel.isprintable() or _unencodable(rel):
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return FileRead(rel, "", problems=(f"{shown!r}: file name is not printable UTF-8, skipped (rename it)",))
    if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
        return FileRead(rel, "", problems=(f"{rel}: a link to a file outside the corpus, skipped",))
    limit = settings.get("max_file_bytes")
    try:
        if path.stat().st_size > limit:
            return FileRead(rel, file_sha256(path), problems=(f"{rel}: larger than {limit:,} bytes, skipped",))
        data = path.read_bytes()
    except OSError as exc:
        return FileRead(rel, "", problems=(f"{rel}: cannot be read ({exc.strerror or exc})",))
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > limit:  # grew while we looked
        return FileRead(rel, sha, problems=(f"{rel}: larger than {limit:,} bytes, skipped",))
    if b"\0" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return FileRead(rel, sha, problems=(f"{rel}: binary (holds NUL bytes), skipped",))
    text, replaced = decode(data)
    warnings = (f"{rel}: not valid UTF-8; {replaced:,} bad byte sequence(s) replaced with U+FFFD",) if replaced else ()
    if path.suffix.lower() == ".jsonl":
        records, problems = loaders.parse_jsonl(text)
    else:
        records, problems = [FORMATS[path.suffix.lower()](text)], []
    return FileRead(rel, sha, tuple(records), tuple(f"{rel}: {p}" for p in problems), warnings)


def documents_of(read: FileRead, taken: set[str]) -> tuple[list[Document], list[str], list[str]]:
    """The file's documents with ids unique against `taken` (which is updated), what was skipped, what altered."""
    docs, problems, warnings, rel = [], [], [], read.rel
    max_chars, max_id = settings.get("max_document_chars"), settings.get("max_doc_id_chars")
    max_word = settings.get("max_word_chars")
    for parsed in read.records:
        where = f" in record {parsed.record_id[:40]!r}" if parsed.record_id else ""
        doc_id = parsed.record_id or rel.rsplit(".", 1)[0]
        if doc_id in taken:
            doc_id = parsed.record_id and f"{rel}:{parsed.record_id}" or rel
        if doc_id in taken:
            problems.append(f"{rel}: duplicate document id {doc_id[:80]!r}, skipped")
            continue
        if len(doc_id) > max_id:
            problems.append(f"{rel}: document id longer than {max_id:,} characters{where}, skipped")
            continue
        if not parsed.text.strip():
            problems.append(f"{rel}: no text{where}")
            continue
        if len(parsed.text) > max_chars:
            problems.append(f"{rel}: text longer than {max_chars:,} characters{where}, skipped")
            continue
        taken.add(doc_id)
        text, cut = loaders.clip_words(parsed.text, max_word)
        if cut:
            warnings.append(f"{rel}: {cut:,} 'word(s)' longer than {max_word:,} characters shortened{where}")
        title = loaders.clip(parsed.title or loaders.title_from_text(text), settings.get("max_title_chars"))
        docs.append(Document(doc_id=doc_id, title=title, text=text, source=parsed.record_id or rel,
                             url=parsed.url, date=parsed.date))
    return docs, problems, warnings


def load_corpus(folder: Path | str, excluded: set[str] | frozenset[str] = frozenset()) -> CorpusLoad:
    """Every document below folder but the excluded ids; a file that cannot be used is reported and skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        from .errors import CorpusError
        raise CorpusError(f"corpus folder not found: {folder}")
    result = CorpusLoad()
    taken: set[str] = set()
    for path in corpus_files(folder):
        read = read_file(folder, path)
        result.files[read.rel] = read.sha256
        docs, problems, warnings = documents_of(read, taken)
        result.problems.extend(read.problems + tuple(problems))
        result.warnings.extend(read.warnings + tuple(warnings))
        for doc in docs:
            if doc.doc_id not in excluded:
                result.documents.append(doc)
                result.origins[doc.doc_id] = read.rel
    return result
