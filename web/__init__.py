"""The web front end: HTML pages and a JSON API over one shared `Searcher`.

`create_app()` follows the Flask application-factory pattern, so tests and
the WSGI entry point each get an app with their own configuration.
"""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as kamerzoek_config

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
# Read-only API: nothing beyond what a GET may carry.
CORS_ALLOWED_HEADERS = "Accept, Accept-Language, Content-Language, Content-Type"
# How many reverse proxies in front of the app to believe the X-Forwarded-*
# headers of (0: none). Off by default: without a proxy that overwrites
# them, any client could set them.
PROXY_FIX = "KAMERZOEK_PROXY_FIX"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(_configured(config or {}))
    if config:
        app.config.from_mapping(config)
    # Flask turns debug mode on from FLASK_DEBUG in the environment; a stray
    # FLASK_DEBUG=1 on a server must not switch on tracebacks and reloading.
    # Only the code creating the app can ask for it (config={"DEBUG": True}).
    app.debug = bool((config or {}).get("DEBUG", False))
    # Facet counts arrive ordered by count; sorting keys would scramble them.
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    app.config.setdefault(PROXY_FIX, os.environ.get(PROXY_FIX, "0"))
    hops = _proxy_hops(app.config[PROXY_FIX])
    if hops:
        # Absolute URLs (Atom feed, /opensearch.xml, /embed-demo) come from
        # request.url_root: the address the visitor used, not gunicorn's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)

    state.init_app(app)
    errors.init_app(app)

    from . import api, embed, feeds, pages
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(pages.bp)
    app.after_request(_add_headers)
    return app


# Flask setting -> key of kamerzoek.toml (config.py). What the caller passes
# wins; the rest comes from kamerzoek.toml, KAMERZOEK_* variables or defaults.
_CONFIG_KEYS = {"KAMERZOEK_INDEX": "index", "CORS_ORIGINS": "cors.origins",
                "KAMERZOEK_PAGE_SIZE": "search.page_size",
                "KAMERZOEK_CACHE_SIZE": "search.cache_size",
                "KAMERZOEK_SYNONYMS": "analysis.synonyms"}


def _configured(given: dict) -> dict:
    """Settings from the configuration for what ``given`` leaves out; a bad
    configuration raises config.ConfigError (a Dutch message naming the key)."""
    missing = {name: key for name, key in _CONFIG_KEYS.items() if name not in given}
    if not missing:
        return {}
    settings = kamerzoek_config.load()
    values = {name: settings[key] for name, key in missing.items()}
    if "KAMERZOEK_INDEX" in values:
        values["KAMERZOEK_INDEX"] = str(values["KAMERZOEK_INDEX"])
    if "CORS_ORIGINS" in values:
        values["CORS_ORIGINS"] = _origins(" ".join(values["CORS_ORIGINS"]))
    return values


def _proxy_hops(value) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise kamerzoek_config.ConfigError(
            f"{PROXY_FIX} moet het aantal proxy's voor de app zijn (0 = geen), niet '{text}'.")
    return int(text)


def _add_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    _add_cors(response)
    return response


def _origins(value: str) -> list[str]:
    """`KAMERZOEK_CORS_ORIGINS="https://intranet.example https://wiki.example"`."""
    return [origin.rstrip("/") for origin in value.replace(",", " ").split()]


def _add_cors(response):
    """Let the listed origins (intranet pages with the widget) read /api/.

    GET with no custom headers needs no preflight, but a page that adds one
    gets an answer to its OPTIONS request too.
    """
    from flask import current_app, request

    allowed = current_app.config["CORS_ORIGINS"] or []
    if not request.path.startswith("/api/") or not allowed:
        return
    if "*" not in allowed:
        # A cache must not hand one origin's answer to another.
        response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin or ("*" not in allowed and origin not in allowed):
        return
    response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET"
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
