"""The web front end: HTML pages and a JSON API over one shared `Searcher`.

`create_app()` follows the Flask application-factory pattern, so tests and
the WSGI entry point each get an app with their own configuration.
"""
from __future__ import annotations

import os

from flask import Flask

from . import errors, state

SECURITY_HEADERS = {
    # No inline scripts or styles anywhere: every page works without them.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        KAMERZOEK_INDEX=os.environ.get("KAMERZOEK_INDEX", "kamerzoek-index"),
        CORS_ORIGINS=[],
    )
    if config:
        app.config.from_mapping(config)
    # Facet counts arrive ordered by count; sorting keys would scramble them.
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    state.init_app(app)
    errors.init_app(app)

    from . import api, pages
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.after_request(_add_headers)
    return app


def _add_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    _add_cors(response)
    return response


def _add_cors(response):
    from flask import current_app, request

    origin = request.headers.get("Origin")
    allowed = current_app.config["CORS_ORIGINS"] or []
    if not origin or not request.path.startswith("/api/"):
        return
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
