"""WSGI entry point: `gunicorn -w 2 web.wsgi:app` (index from $KAMERZOEK_INDEX;
behind a reverse proxy also KAMERZOEK_PROXY_FIX=1, see README).

Each worker process opens the on-disk index read-only and keeps one searcher.
"""
from __future__ import annotations

from . import create_app

app = create_app()
