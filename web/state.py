"""One long-lived `Searcher` per app and process.

It is opened on first use rather than at start-up, so a worker forked by
gunicorn opens its own, and an app started before the index exists begins to
work as soon as the index is built. The `Searcher` already follows changes to
the index on disk, so it is never reopened per request. An index that cannot
be opened, now or after a change on disk, raises `index.store.IndexStoreError`
(a Dutch message), which errors.py answers with a 503.
"""
from __future__ import annotations

import threading

from flask import Flask, current_app

from search import Searcher

EXTENSION = "kamerzoek"


class _Holder:
    def __init__(self, index_dir: str, synonyms_file=None, cache_size=None):
        self.index_dir = index_dir
        self.synonyms_file = synonyms_file
        self.cache_size = cache_size
        self.searcher: Searcher | None = None
        self.lock = threading.Lock()

    def get(self) -> Searcher:
        if self.searcher is None:
            with self.lock:
                if self.searcher is None:
                    # A failure is not remembered: the next request tries again.
                    self.searcher = Searcher(self.index_dir, self.synonyms_file,
                                             **self._cache())
        return self.searcher

    def _cache(self) -> dict:
        return {} if self.cache_size is None else {"cache_size": int(self.cache_size)}


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = _Holder(str(app.config["KAMERZOEK_INDEX"]),
                                        app.config.get("KAMERZOEK_SYNONYMS"),
                                        app.config.get("KAMERZOEK_CACHE_SIZE"))


def get_searcher() -> Searcher:
    return current_app.extensions[EXTENSION].get()
