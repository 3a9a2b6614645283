"""HTML pages: the search box and the server-rendered results."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from .engine_ext import ask
from .render import segments

bp = Blueprint("views", __name__)


def render_results(query: str, response=None, error: str | None = None) -> str:
    return render_template("results.html", query=query, response=response, error=error, segments=segments)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/search")
def search():
    response = ask(request.args)
    return render_results(query=response.query, response=response)
