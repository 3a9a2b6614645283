"""HTML pages: the search box, the server-rendered results and the source view."""
from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request

from search.errors import BadQuery
from search.models import SearchResponse, Source

from . import links, render
from .engine_ext import ask, get_engine

bp = Blueprint("views", __name__)

MAX_SOURCE_OPTIONS = 500  # past this the source menu lists only the sources on the page
_SPAN = re.compile(r"(\d{1,9})-(\d{1,9})")


@bp.app_context_processor
def helpers() -> dict:
    return {"links": links, "render": render, "segments": render.segments}


def _source_options(response: SearchResponse) -> list[Source]:
    listed = get_engine().sources(MAX_SOURCE_OPTIONS + 1)
    if len(listed) <= MAX_SOURCE_OPTIONS:
        return listed
    seen = {s.doc_id: s for s in listed if s.doc_id in response.filters.doc}
    for hit in response.results:
        c = hit.citation
        seen.setdefault(c.doc_id, Source(c.doc_id, c.title, c.source, c.url, c.date))
    return sorted(seen.values(), key=lambda s: s.title.casefold())


def render_results(query: str, response: SearchResponse | None = None, error: str | None = None) -> str:
    sources = _source_options(response) if response else []
    dates = sorted(s.date for s in sources if s.date)
    return render_template("results.html", query=query, response=response, error=error, sources=sources,
                           titles={s.doc_id: s.title for s in sources}, dates=dates,
                           args=request.args)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/search")
def search():
    response = ask(request.args)
    return render_results(query=response.query, response=response)


def _span(name: str, size: int) -> tuple[int, int] | None:
    """An optional `start-end` argument that must lie within a text of this size."""
    raw = request.args.get(name)
    if not raw:
        return None
    found = _SPAN.fullmatch(raw.strip())
    if not found or not int(found[1]) <= int(found[2]) <= size:
        raise BadQuery(f"{name} must be two offsets start-end within the document (0 to {size})",
                       code=f"bad_{name}")
    return int(found[1]), int(found[2])


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str):
    """The whole document, found by id, with the cited passage highlighted and anchored."""
    doc = get_engine().document(doc_id)
    if doc is None:
        abort(404, description=f"There is no document with the id “{doc_id}”. It may have left the index.")
    passage = _span("passage", len(doc.text))
    answer = _span("answer", len(doc.text)) if passage else None
    parts = render.cited(doc.text, passage, answer) if passage else None
    return render_template("doc.html", doc=doc, passage=passage, parts=parts, query=request.args.get("q", ""))
