"""Every URL the pages link to, built from the response they render (never from raw input)."""
from __future__ import annotations

from flask import url_for

from search.models import Hit, SearchResponse


def search_url(response: SearchResponse, *, page: int = 1, q: str | None = None, filters: bool = True,
               doc: str | None = None) -> str:
    """The results page for this search, changed as asked; page 1 and default k are left out."""
    args: dict = {"q": response.query if q is None else q}
    if response.k != 10:
        args["k"] = response.k
    if page != 1:
        args["page"] = page
    chosen = response.filters.to_dict() if filters else {}
    if doc is not None:
        chosen = {**chosen, "doc": [doc]}
    args.update({name: value for name, value in chosen.items() if value})
    return url_for("views.search", **args)


def passage_anchor(start: int, end: int) -> str:
    return f"passage-{start}-{end}"


def cite_url(hit: Hit, query: str | None = None) -> str:
    """The source view of the cited document, scrolled to the passage, with its answer sentence."""
    c, a = hit.citation, hit.answer
    args = {"passage": f"{c.start}-{c.end}", "answer": f"{a.start}-{a.end}"}
    if query:
        args["q"] = query
    return url_for("views.document", doc_id=c.doc_id, **args, _anchor=passage_anchor(c.start, c.end))
