"""Which documents a search may return: by document id and by date range. Validated where they enter."""
from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from whoosh.query import And, Or, Query, Term, TermRange

from .errors import BadQuery
from .models import Filters

MAX_DOCS = 20  # document ids one search may be restricted to
MAX_DOC_ID_CHARS = 300
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def to_whoosh(filters: Filters) -> Query | None:
    """A filter query over the indexed doc_id and date fields, or None for no restriction."""
    parts: list[Query] = []
    if filters.doc:
        parts.append(Or([Term("doc_id", d) for d in filters.doc]))
    if filters.date_from or filters.date_to:
        # Undated passages index date "", which sorts before any real date: a range leaves them out.
        parts.append(TermRange("date", filters.date_from or "0000-01-01", filters.date_to or "9999-12-31"))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def check_date(value: object, name: str) -> str | None:
    """An ISO calendar date (YYYY-MM-DD), None when blank, else BadQuery."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadQuery(f"{name} must be a date written YYYY-MM-DD", code="bad_date")
    value = value.strip()
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name} must be a date written YYYY-MM-DD, such as 2024-04-17", code="bad_date") from None
    return value


def check_docs(values: Iterable[object] | str | None) -> tuple[str, ...]:
    """Distinct, non-blank document ids, in the order given; at most MAX_DOCS."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    found: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str):
            raise BadQuery("doc must be a document id", code="bad_doc")
        value = value.strip()
        if len(value) > MAX_DOC_ID_CHARS:
            raise BadQuery(f"doc is too long: a document id has at most {MAX_DOC_ID_CHARS} characters",
                           code="bad_doc")
        if value:
            found[value] = None
    if len(found) > MAX_DOCS:
        raise BadQuery(f"at most {MAX_DOCS} documents can be chosen at once", code="bad_doc")
    return tuple(found)


def check_filters(doc=None, date_from=None, date_to=None) -> Filters:
    """Filters from raw values (request arguments or Python), or BadQuery."""
    start, end = check_date(date_from, "date_from"), check_date(date_to, "date_to")
    if start and end and start > end:
        raise BadQuery(f"date_from ({start}) is after date_to ({end})", code="bad_date_range")
    return Filters(doc=check_docs(doc), date_from=start, date_to=end)
