"""JSON endpoints: /api/search and /api/health."""
from __future__ import annotations

from flask import Blueprint, Response, request

from search.jsonio import dumps

from .engine_ext import ask, get_engine

bp = Blueprint("api", __name__, url_prefix="/api")


def json_response(payload: dict, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


@bp.get("/search")
def search():
    return json_response(ask(request.args).to_dict())


@bp.get("/health")
def health():
    return json_response(get_engine().health())
