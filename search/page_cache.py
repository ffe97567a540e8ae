"""A small LRU cache of answered searches.

People page through results, go back, and reload; a web page asks for the
same search again when its facet sidebar or feed is opened. Answers are keyed
by everything that decides them: the request, the index version on disk and
the synonyms file's version, so a rebuilt index or an edited synonyms file is
never answered from the cache.
"""
from __future__ import annotations

import copy
from collections import OrderedDict

from .model import SearchRequest, SearchResponse

DEFAULT_SIZE = 256


def request_key(request: SearchRequest) -> tuple:
    filters = tuple(sorted((name, tuple(values)) for name, values in request.filters.items()
                           if values))
    return (request.query, filters, request.sort, request.page, request.per_page,
            request.snippets, request.facets, request.explain)


class PageCache:
    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._pages: OrderedDict[tuple, SearchResponse] = OrderedDict()

    def get(self, key: tuple) -> SearchResponse | None:
        response = self._pages.get(key)
        if response is None:
            return None
        self._pages.move_to_end(key)
        # A copy: callers may change what they were given (the web layer
        # adds display fields to hits).
        return copy.deepcopy(response)

    def put(self, key: tuple, response: SearchResponse) -> None:
        if self.size <= 0:
            return
        self._pages[key] = copy.deepcopy(response)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()
