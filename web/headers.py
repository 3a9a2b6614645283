"""The edges of every request: caps on what comes in, security headers on what goes out."""
from __future__ import annotations

from flask import Flask, abort, current_app, request

from search import settings

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def check_request() -> None:
    """Refuse, before any work, a URL or a body longer than the caps (414, 413: JSON under /api)."""
    url_limit = settings.get("max_url_bytes")
    url_bytes = len(request.environ.get("PATH_INFO", "")) + len(request.environ.get("QUERY_STRING", ""))
    if url_bytes > url_limit:  # WSGI gives both as latin-1 text: one character per byte
        abort(414, description=f"the request URL is longer than {url_limit:,} bytes")
    body_limit = current_app.config.get("MAX_CONTENT_LENGTH") or settings.get("max_request_bytes")
    if (request.content_length or 0) > body_limit:
        abort(413, description=f"the request body is larger than {body_limit:,} bytes")


def init_app(app: Flask) -> None:
    app.before_request(check_request)

    @app.after_request
    def add_headers(response):
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/") and request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers["Access-Control-Allow-Origin"] = "*"  # read-only; no credentials
        return response
