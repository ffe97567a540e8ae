"""WSGI entry point: `gunicorn web.wsgi:app` (index from $KAMERZOEK_INDEX).

`run()` is what `kamerzoek serve` calls: Werkzeug's threaded development
server, fine for one user or a small team.
"""
from __future__ import annotations

from . import create_app

app = create_app()


def run(host: str = "127.0.0.1", port: int = 8000, index_dir: str | None = None,
        debug: bool = False) -> None:
    config = {"KAMERZOEK_INDEX": str(index_dir)} if index_dir else None
    create_app(config).run(host=host, port=port, debug=debug, threaded=True)
