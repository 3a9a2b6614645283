"""One error shape: JSON {"error": {"code", "message"}} under /api, an HTML page elsewhere."""
from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import SearchError
from search.jsonio import error_body

from .api import json_response


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _respond(status: int, code: str, message: str):
    if _wants_json():
        return json_response(error_body(code, message), status)
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(SearchError)
    def search_error(exc: SearchError):
        if request.endpoint == "views.search" and exc.status == 400:
            from .views import render_results
            return render_results(query=request.args.get("q", ""), error=exc.message), 400
        return _respond(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")  # the trace goes to the log, never to the user
        return _respond(500, "internal_error", "something went wrong on our side")
