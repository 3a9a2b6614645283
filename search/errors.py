"""Exceptions the engine raises; each carries a stable code and a message fit for users.

    SearchError
    ├── BadQuery        (the question or a parameter is unusable; HTTP 400)
    ├── IndexUnavailable
    │   ├── IndexMissing  (no index where one was expected)
    │   └── IndexStale    (index built by another version or from another corpus)
    ├── IndexBusy        (another writer holds the index lock)
    ├── IndexWriteError  (the index folder cannot be written: read-only, full; nothing changed)
    ├── CorpusError      (the corpus folder itself is unusable)
    └── BadSetting       (an environment variable holds a value its setting cannot take)
"""
from __future__ import annotations


class SearchError(Exception):
    code = "search_error"
    status = 500

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadQuery(SearchError):
    code = "bad_query"
    status = 400


class IndexUnavailable(SearchError):
    code = "index_unavailable"
    status = 503


class IndexMissing(IndexUnavailable):
    code = "index_missing"


class IndexStale(IndexUnavailable):
    code = "index_stale"


class IndexBusy(SearchError):
    code = "index_busy"
    status = 503


class IndexWriteError(SearchError):
    code = "index_write_failed"
    status = 500


class CorpusError(SearchError):
    code = "corpus_error"
    status = 500


class BadSetting(SearchError):
    code = "bad_setting"
    status = 500
