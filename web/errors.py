"""One error shape: JSON {"error": {"code", "message"}} under /api, an HTML page elsewhere.

What a user sees never holds a stack trace or a path of this machine: server-side errors
(index missing, damaged, untrusted) are told in words fit for the public, and logged in full.
"""
from __future__ import annotations

import re

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import IndexMissing, IndexUnavailable, SearchError
from search.jsonio import error_body

from .api import json_response

PUBLIC_MESSAGES = (  # first match wins
    (IndexMissing, "no search index has been built yet: the operator should run `qa-search index`"),
    (IndexUnavailable, "the search index cannot be used right now: the operator should run "
                       "`qa-search index --check`"),
    (SearchError, "something went wrong on our side"),
)


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _respond(status: int, code: str, message: str):
    if _wants_json():
        return json_response(error_body(code, message), status)
    return render_template("error.html", status=status, message=message), status


def public_message(exc: SearchError) -> str:
    """exc's own message for the user's mistakes (4xx), a fixed one for ours (5xx)."""
    if exc.status < 500:
        return exc.message
    return next(text for kind, text in PUBLIC_MESSAGES if isinstance(exc, kind))


def init_app(app: Flask) -> None:
    @app.errorhandler(SearchError)
    def search_error(exc: SearchError):
        if exc.status >= 500:
            app.logger.error("%s: %s", exc.code, exc.message)
        if request.endpoint == "views.search" and exc.status == 400:
            from .views import render_results
            return render_results(query=request.args.get("q", ""), error=exc.message), 400
        return _respond(exc.status, exc.code, public_message(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = re.sub(r"[^a-z0-9]+", "_", (exc.name or "error").lower()).strip("_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")  # the trace goes to the log, never to the user
        return _respond(500, "internal_error", "something went wrong on our side")
