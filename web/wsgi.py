"""WSGI entry point: `gunicorn -w 2 web.wsgi:app` (index from $KAMERZOEK_INDEX).

Each worker process opens the on-disk index read-only and keeps one searcher.
"""
from __future__ import annotations

from . import create_app

app = create_app()
