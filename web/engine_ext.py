"""The engine's lifecycle in the app: created on first use in each process, closed at exit."""
from __future__ import annotations

import atexit
import threading

from flask import Flask, current_app

from search import kernels
from search.engine import Engine
from search.models import SearchResponse

from .params import search_kwargs

_lock = threading.Lock()


def get_engine() -> Engine:
    """This process's engine; opened lazily so that nothing is opened before a fork."""
    ext = current_app.extensions
    if "qa_engine" not in ext:
        with _lock:
            if "qa_engine" not in ext:
                engine = Engine(current_app.config["INDEX_DIR"])
                kernels.compile()  # a web app lives long: numba's second to load pays for itself
                atexit.register(engine.close)
                ext["qa_engine"] = engine
    return ext["qa_engine"]


def ask(args) -> SearchResponse:
    """The one search the page and the API both make, from request arguments."""
    return get_engine().ask(**search_kwargs(args))


def init_app(app: Flask) -> None:
    app.extensions.pop("qa_engine", None)
