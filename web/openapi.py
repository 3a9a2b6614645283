"""The OpenAPI 3.1 description of the JSON endpoints; tests/test_openapi.py keeps it true."""
from __future__ import annotations

from search import settings
from search.filters import MAX_DOC_ID_CHARS, MAX_DOCS

SEARCH_ERRORS = ["empty_query", "query_too_long", "bad_query", "bad_k", "bad_page", "bad_doc", "unknown_doc",
                 "bad_date", "bad_date_range"]
UNAVAILABLE = ["index_missing", "index_stale", "index_busy"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


def _error(description: str, codes: list[str] | None = None) -> dict:
    schema = _ref("Error")
    if codes:
        schema = {"allOf": [schema, {"properties": {"error": {"properties": {"code": {"enum": codes}}}}}]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _query(name: str, description: str, schema: dict, required: bool = False, **extra) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema,
            **extra}


STRING, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
OFFSET = {"type": "integer", "minimum": 0}


def _schemas(k_max: int) -> dict:
    return {
        "Error": _obj(["error"], error=_obj(["code", "message"], code=STRING, message=STRING)),
        "Answer": _obj(["text", "start", "end"], text=STRING, start=OFFSET, end=OFFSET),
        "Citation": _obj(["doc_id", "title", "source", "url", "date", "start", "end"], doc_id=STRING,
                         title=STRING, source=STRING, url=NULLABLE_STRING, date=NULLABLE_DATE, start=OFFSET,
                         end=OFFSET),
        "Hit": _obj(["rank", "score", "text", "answer", "highlight", "citation"],
                    rank={"type": "integer", "minimum": 1}, score=NUM, text=STRING, answer=_ref("Answer"),
                    highlight={**STRING, "description": "text, HTML-escaped, with <mark> around matched words"},
                    citation=_ref("Citation")),
        "Filters": _obj(["doc", "date_from", "date_to"], doc={"type": "array", "items": STRING},
                        date_from=NULLABLE_DATE, date_to=NULLABLE_DATE),
        "SearchResponse": _obj(
            ["query", "took_ms", "results", "page", "k", "has_more", "answered", "suggestion", "filters"],
            query=STRING, took_ms=NUM, results={"type": "array", "items": _ref("Hit"), "maxItems": k_max},
            page={"type": "integer", "minimum": 1}, k={"type": "integer", "minimum": 1, "maximum": k_max},
            has_more={**BOOL, "description": "the next page has results"},
            answered={**BOOL, "description": "false: no good answer found (the best passage holds too little "
                                             "of the question)"},
            suggestion={**NULLABLE_STRING, "description": "the question with unknown words corrected"},
            filters=_ref("Filters")),
        "Document": _obj(["doc_id", "title", "text", "source", "url", "date"], doc_id=STRING, title=STRING,
                         text=STRING, source=STRING, url=NULLABLE_STRING, date=NULLABLE_DATE),
        "Health": _obj(["status", "documents", "passages"], status={"const": "ok"},
                       documents={"type": "integer", "minimum": 0}, passages={"type": "integer", "minimum": 0}),
    }


def _search_parameters(k_max: int, max_results: int) -> list[dict]:
    return [
        _query("q", "the question, in plain words (never parsed as query syntax)",
               {"type": "string", "minLength": 1, "maxLength": settings.get("max_query_chars")}, required=True),
        _query("k", f"passages per page, 1 to {k_max}",
               {"type": "integer", "minimum": 1, "maximum": k_max, "default": settings.get("k_default")}),
        _query("page", f"page number from 1; page × k at most {max_results}",
               {"type": "integer", "minimum": 1, "default": 1}),
        _query("doc", f"only passages of these document ids (repeat for several, at most {MAX_DOCS})",
               {"type": "array", "maxItems": MAX_DOCS, "items": {"type": "string", "maxLength": MAX_DOC_ID_CHARS}},
               style="form", explode=True),
        _query("date_from", "only documents dated on or after this day; undated documents are left out", DATE),
        _query("date_to", "only documents dated on or before this day; undated documents are left out", DATE),
    ]


def spec() -> dict:
    k_max, max_results = settings.get("k_max"), settings.get("max_results")
    unavailable = _error("no usable index: build it (the message says how)", UNAVAILABLE)
    return {
        "openapi": "3.1.0",
        "info": {"title": "qa-search", "version": "1",
                 "description": "Ranked passages that answer a question, with answer sentences and citations."},
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Answer a question with ranked, cited passages",
                "parameters": _search_parameters(k_max, max_results),
                "responses": {"200": _ok("one page of ranked passages", "SearchResponse"),
                              "400": _error("a parameter is unusable", SEARCH_ERRORS), "503": unavailable}}},
            "/api/documents/{doc_id}": {"get": {
                "operationId": "document", "summary": "A whole document by id; citation offsets index its text",
                "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": STRING}],
                "responses": {"200": _ok("the document as indexed", "Document"),
                              "404": _error("no document has this id", ["not_found"]), "503": unavailable}}},
            "/api/health": {"get": {
                "operationId": "health", "summary": "Counts of the live index",
                "responses": {"200": _ok("the index is usable", "Health"), "503": unavailable}}},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": _schemas(k_max)},
    }
