"""`qa-search index --check`: is the index a faithful cache of the corpus, and if not, how to repair it.

Reads only; every finding names its repair. The index is a cache, so the last resort is always
`qa-search index --rebuild`, which builds it again from the corpus.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import manifest, settings
from .builds import BUILDS, check_trusted, current_build, leftovers, open_whoosh
from .chunking import chunk_document
from .corpus import hash_files, load_corpus
from .docstore import DocumentStore, revision
from .errors import IndexUnavailable


@dataclass(frozen=True)
class Finding:
    problem: str
    repair: str


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    passages: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, problem: str, repair: str) -> None:
        self.findings.append(Finding(problem, repair))


def check_index(corpus_dir: Path, index_dir: Path) -> CheckReport:
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    report = CheckReport()
    rebuild = f"qa-search index --rebuild --corpus {corpus_dir} --index {index_dir}"
    update = f"qa-search index --corpus {corpus_dir} --index {index_dir}"
    build = current_build(index_dir)
    if build is None:
        report.add(f"there is no index in {index_dir}", update)
        return report
    try:
        check_trusted(index_dir, build)
        ix = open_whoosh(index_dir, build)
    except IndexUnavailable as exc:
        report.add(exc.message, rebuild)
        return report
    found = manifest.read(build)
    why = "it has no readable manifest" if found is None else found.incompatibility()
    if why:
        report.add(f"the index cannot be used: {why}", rebuild)
        return report
    if (found.passage_words, found.passage_max_words) != (settings.get("passage_words"),
                                                         settings.get("passage_max_words")):
        report.add("the index was cut into passages of another size than the settings say", rebuild)
    pending = (build / manifest.PENDING_NAME).exists()
    if pending:
        report.add("an update was interrupted (manifest.next.json is there)",
                   f"{update}  (it finishes or undoes the update first)")
    elif found.generation != ix.latest_generation():
        report.add(f"the manifest describes Whoosh generation {found.generation}, the index is at "
                   f"{ix.latest_generation()}", rebuild)
    live = _check_contents(build, ix, found, report, rebuild, counts=not pending)
    stale, unknown = leftovers(build, ix)
    if stale:
        report.add(f"{len(stale)} file(s) left by an interrupted write: {_names(stale)}",
                   f"{update}  (writers remove them)")
    if unknown:
        report.add(f"unexpected files in {build}: {_names(unknown)}", "move them out of the index folder")
    others = [p for p in (index_dir / BUILDS).iterdir() if p != build and not (p / manifest.MANIFEST_NAME).exists()]
    if others:
        report.add(f"unfinished build folder(s) from an interrupted rebuild: {_names(others)}",
                   f"{rebuild}  (or delete them)")
    if corpus_dir.is_dir() and not pending:
        _check_corpus(corpus_dir, found, live, report, update, rebuild)
    elif not corpus_dir.is_dir():
        report.add(f"corpus folder not found: {corpus_dir}", "pass --corpus, or set QA_SEARCH_CORPUS")
    return report


def _check_contents(build, ix, found, report, rebuild, counts: bool) -> dict[str, str]:
    """Passages against the stored documents; returns doc id -> live revision."""
    revs: dict[str, set[str]] = {}
    numbers: dict[str, list[int]] = {}
    pids, bad_offsets = Counter(), 0
    store = DocumentStore(build)
    try:
        with ix.searcher() as s:
            for _, f in s.reader().iter_docs():
                pids[f["pid"]] += 1
                revs.setdefault(f["doc_id"], set()).add(f["rev"])
                numbers.setdefault(f["doc_id"], []).append(f["number"])
                doc = store.get(f["doc_id"], f["rev"])
                if doc is None or doc.text[f["start"]:f["end"]] != f["text"]:
                    bad_offsets += 1
            report.passages = s.doc_count()
        stored = store.revisions()
    finally:
        store.close()
    report.documents = len(revs)
    live = {d: next(iter(r)) for d, r in revs.items()}
    if any(n > 1 for n in pids.values()) or any(len(r) > 1 for r in revs.values()) or \
            any(sorted(n) != list(range(len(n))) for n in numbers.values()):
        report.add("some documents have duplicated or mixed passages", rebuild)
    if bad_offsets:
        report.add(f"{bad_offsets} passage(s) do not match their stored document", rebuild)
    unused = stored - set(live.items())
    if unused and counts:  # an interrupted update leaves rows its recovery removes
        report.add(f"{len(unused)} stored document row(s) no passage uses", rebuild)
    if counts and (found.documents, found.passages) != (report.documents, report.passages):
        report.add(f"the manifest counts {found.documents} documents and {found.passages} passages, the "
                   f"index holds {report.documents} and {report.passages}", rebuild)
    return live


def _check_corpus(corpus_dir, found, live, report, update, rebuild) -> None:
    hashes = hash_files(corpus_dir)
    changed = [r for r, sha in hashes.items() if found.files.get(r) != sha] + \
              [r for r in found.files if r not in hashes]
    if changed:
        report.add(f"{len(changed)} corpus file(s) added, changed or deleted since indexing: {_names(changed)}",
                   update)
        return
    loaded = load_corpus(corpus_dir, set(found.excluded))
    expected = {d.doc_id: d for d in loaded.documents}
    missing, extra = sorted(set(expected) - set(live)), sorted(set(live) - set(expected))
    differ = sorted(d for d in set(expected) & set(live) if revision(expected[d]) != live[d])
    for what, ids in (("in the corpus but not in the index", missing), ("in the index but not in the corpus", extra),
                      ("different in the index and the corpus", differ)):
        if ids:
            report.add(f"{len(ids)} document(s) {what}: {_names(ids)}", rebuild)
    target, max_words = settings.get("passage_words"), settings.get("passage_max_words")
    passages = sum(len(chunk_document(d, target, max_words)) for d in loaded.documents)
    if not (missing or extra or differ) and passages != report.passages:
        report.add(f"the corpus makes {passages} passages, the index holds {report.passages}", rebuild)


def _names(items, shown: int = 5) -> str:
    names = [getattr(i, "name", i) for i in items]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(str(n) for n in names[:shown]) + more
