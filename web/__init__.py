"""Flask front end: a search page and a JSON API over one engine call."""
from __future__ import annotations

from flask import Flask

from search import settings


def create_app(test_config: dict | None = None) -> Flask:
    """Defaults, then the caller's config, then blueprints; nothing else."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=str(settings.default_index()),
        MAX_CONTENT_LENGTH=16 * 1024,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.from_mapping(test_config)

    from . import api, engine_ext, errors, headers, views
    engine_ext.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    return app
