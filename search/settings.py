"""Every tunable of the engine, as data: the CLI, the web app and the README are checked against it."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import BadSetting


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    env: str | None = None  # environment variable that overrides the default


SETTINGS: tuple[Setting, ...] = (
    Setting("corpus", "corpus", "folder of articles to index", "QA_SEARCH_CORPUS"),
    Setting("index", "index", "folder holding the built index", "QA_SEARCH_INDEX"),
    Setting("host", "127.0.0.1", "address the web server listens on", "QA_SEARCH_HOST"),
    Setting("port", 8000, "port the web server listens on", "QA_SEARCH_PORT"),
    Setting("workers", 2, "gunicorn sync worker processes", "QA_SEARCH_WORKERS"),
    Setting("k_default", 10, "results returned when k is not given"),
    Setting("k_max", 50, "largest k accepted"),
    Setting("max_results", 200, "deepest result reachable by paging (page × k)"),
    Setting("answer_min_coverage", 0.5, "share of the question's weighted words the best passage must hold "
                                        "to count as a good answer"),
    Setting("max_query_chars", 1000, "longest question accepted, in characters"),
    Setting("max_query_terms", 32, "distinct query terms kept after analysis"),
    Setting("max_token_chars", 40, "longer tokens are dropped from questions and passages"),
    Setting("passage_words", 140, "target passage length in words"),
    Setting("passage_max_words", 220, "hard upper bound on passage length in words"),
    Setting("bm25_k1", 0.5, "BM25F term-frequency saturation of the first stage"),
    Setting("bm25_b", 0.5, "BM25F length normalization of the first stage"),
    Setting("rerank_depth", 30, "first-stage candidates the re-ranker orders together; deeper pages "
                                "take the next blocks"),
    Setting("passage_cache_mb", 128, "memory each process may keep decoded passages in for re-ranking, the most "
                                     "recently found ones (0: none)", "QA_SEARCH_PASSAGE_CACHE_MB"),
    Setting("semantic", "auto", "new indexes store each passage's sentence-model vector, and questions are "
                            "re-ranked with it: auto (when the model is installed), on, off",
            "QA_SEARCH_SEMANTIC"),
    Setting("compile", "auto", "long-running processes (the server, the evaluation) compile the query path's loops "
                           "with numba when they warm up: auto, or off to leave them in Python", "QA_SEARCH_COMPILE"),
    Setting("max_file_bytes", 20_000_000, "corpus files larger than this are skipped"),
    Setting("max_document_chars", 1_000_000, "documents with longer text are skipped"),
    Setting("max_word_chars", 500, "longer runs of non-space characters are cut to this length at ingest"),
    Setting("max_doc_id_chars", 200, "documents with a longer id (JSONL `id`) are skipped"),
    Setting("max_title_chars", 300, "longer titles are cut at a word boundary"),
    Setting("writer_wait_seconds", 30.0, "how long a second writer waits for the first before giving up",
            "QA_SEARCH_WRITER_WAIT"),
    Setting("max_request_bytes", 16 * 1024, "largest request body the web app accepts (413 beyond)"),
    Setting("max_url_bytes", 4096, "longest request path plus query string the web app accepts (414 beyond)"),
    Setting("max_request_line", 8190, "gunicorn: longest request line (its own 400 beyond)"),
    Setting("max_request_fields", 50, "gunicorn: most request headers"),
    Setting("max_header_bytes", 8190, "gunicorn: longest request header"),
    Setting("worker_timeout", 30, "gunicorn: seconds before a silent worker is killed and replaced"),
)

_BY_NAME = {s.name: s for s in SETTINGS}


_KINDS = {int: "a whole number", float: "a number"}


def get(name: str):
    """The setting's value: its environment variable when set, else its default. BadSetting when
    the variable holds no value of the setting's kind (a number setting takes none below 0)."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env) if setting.env else None
    if not raw:
        return setting.default
    kind = type(setting.default)
    if kind not in _KINDS:
        return kind(raw)
    try:
        value = kind(raw.strip())
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0:
        raise BadSetting(f"{setting.env}={raw!r}: the {setting.name} setting must be {_KINDS[kind]} from 0, "
                         f"or unset for its default ({setting.default})")
    return value


def check_environment() -> None:
    """BadSetting for the first environment variable its setting cannot take."""
    for setting in SETTINGS:
        get(setting.name)


def default_corpus() -> Path:
    """The corpus folder: the setting, else the bundled articles beside the package."""
    configured = Path(get("corpus"))
    if configured.is_dir() or os.environ.get("QA_SEARCH_CORPUS"):
        return configured
    bundled = Path(__file__).resolve().parent.parent / "corpus"
    return bundled if bundled.is_dir() else configured


def default_index() -> Path:
    return Path(get("index"))
