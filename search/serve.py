"""Run the web app under gunicorn's sync workers; each worker opens the index itself, after the fork."""
from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication

from . import settings


class _Server(BaseApplication):
    def __init__(self, index_dir: Path, options: dict):
        self.index_dir = index_dir
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Called in each worker (preload_app is off), so no index handle crosses a fork.
        from web import create_app
        from web.engine_ext import get_engine
        from .semantic import side_by_side
        side_by_side()  # every worker may encode a question at the same time
        app = create_app({"INDEX_DIR": str(self.index_dir)})
        with app.app_context():  # open the index and load the model before the first request
            get_engine().warm()
        return app


def serve(index_dir: Path, host: str, port: int, workers: int) -> None:
    _Server(Path(index_dir).resolve(), {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "preload_app": False,
        "timeout": settings.get("worker_timeout"),
        "accesslog": "-",
        "limit_request_line": settings.get("max_request_line"),
        "limit_request_fields": settings.get("max_request_fields"),
        "limit_request_field_size": settings.get("max_header_bytes"),
    }).run()
