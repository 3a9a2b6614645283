"""JSON endpoints: /api/search, /api/documents/<id>, /api/health and their OpenAPI description."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, abort, request

from search.jsonio import dumps

from .engine_ext import ask, get_engine
from .openapi import spec

bp = Blueprint("api", __name__, url_prefix="/api")


def json_response(payload: dict, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


@bp.get("/search")
def search():
    return json_response(ask(request.args).to_dict())


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    doc = get_engine().document(doc_id)
    if doc is None:
        abort(404, description=f"there is no document with id {doc_id!r}")
    return json_response(asdict(doc))


@bp.get("/health")
def health():
    return json_response(get_engine().health())


@bp.get("/openapi.json")
def openapi():
    return json_response(spec())
