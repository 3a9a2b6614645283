"""Request arguments as Engine.ask keywords: the one translation the page and the API share."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict


def search_kwargs(args: MultiDict) -> dict:
    """Engine.ask keywords from query-string arguments; blank values mean "not given"."""
    return {
        "question": args.get("q", ""),
        "k": args.get("k") or None,
        "page": args.get("page") or 1,
        "doc": args.getlist("doc"),
        "date_from": args.get("date_from"),
        "date_to": args.get("date_to"),
    }
