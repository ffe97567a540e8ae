"""The one search API for the CLI and the web.

A `Searcher` keeps one Whoosh searcher open for its lifetime and refreshes it
when the index changes on disk, instead of opening one per query.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import query as Q
from whoosh import sorting

from corpus.letter import Letter
from index import store
from index.schema import FACET_FIELDS, MULTI_VALUED, UNKNOWN, letter_from_stored

from . import snippets
from .errors import LetterNotFound, QueryError
from .model import MAX_PER_PAGE, SORTS, Hit, SearchRequest, SearchResponse
from .query import (build_query, exclusion_query, facet_value_filter,
                    filter_query, parse_query)

# The facets a search response carries by default, and how many values each.
DEFAULT_FACETS = ("year", "dossier", "topic", "doc_type", "sender")
FACET_LIMIT = 30
MAX_PAGE = 10_000


@dataclass
class IndexStats:
    letters: int
    index_dir: str
    manifest: dict
    facets: dict[str, dict[str, int]]


class Searcher:
    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        self._ix = store.open_index(self.index_dir)
        self._searcher = self._ix.searcher()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def schema(self):
        return self._ix.schema

    def current(self):
        """The open Whoosh searcher, reopened if the index changed on disk."""
        with self._lock:
            if not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
            return self._searcher

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        _validate(request)
        searcher = self.current()
        parsed = parse_query(request.query)
        scoring = build_query(parsed, self.schema)
        restrict = self._filters(parsed, request)
        excluded = exclusion_query(parsed, self.schema)
        if excluded is not None:
            restrict = Q.AndNot(restrict or Q.Every(), excluded)
        matcher = scoring if scoring is not None else (restrict or Q.Every())
        if scoring is not None and restrict is not None:
            matcher = Q.And([scoring, restrict])

        offset = (request.page - 1) * request.per_page
        results = searcher.search(matcher, limit=offset + request.per_page,
                                  sortedby=_sort_facet(request.sort, scoring is not None),
                                  terms=True)
        snippets.configure(results)
        hits = [self._hit(hit, request.snippets) for hit in results[offset:]]
        facets = self._facets(searcher, matcher) if request.facets else {}
        return SearchResponse(
            query=request.query, total=len(results),
            page=request.page, per_page=request.per_page,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
            hits=hits, facets=facets, sort=request.sort,
            filters={k: list(v) for k, v in request.filters.items() if v})

    def get(self, letter_id: str) -> Letter:
        stored = self.current().document(id=letter_id)
        if not stored:
            raise LetterNotFound(letter_id)
        return letter_from_stored(stored)

    def cited_by(self, letter_id: str, limit: int = 50) -> list[Letter]:
        results = self.current().search(Q.Term("references", letter_id), limit=limit,
                                        sortedby="date", reverse=True)
        return [letter_from_stored(hit.fields()) for hit in results]

    def letters(self):
        """Every letter in the index, in index order (for export)."""
        for stored in self.current().all_stored_fields():
            yield letter_from_stored(stored)

    def stats(self) -> IndexStats:
        searcher = self.current()
        facets = self._facets(searcher, Q.Every(),
                              names=("year", "topic", "doc_type", "chamber", "vergaderjaar"),
                              limit=None)
        return IndexStats(letters=searcher.doc_count(), index_dir=str(self.index_dir),
                          manifest=store.read_manifest(self.index_dir), facets=facets)

    def _filters(self, parsed, request: SearchRequest) -> Q.Query | None:
        clauses, negated = [], []
        for facet, value, is_negated in parsed.field_filters:
            (negated if is_negated else clauses).append(filter_query(facet, value, self.schema))
        for facet, values in request.filters.items():
            values = [v for v in values if v]
            if values:
                options = [facet_value_filter(facet, v) for v in values]
                clauses.append(Q.Or(options) if len(options) > 1 else options[0])
        restrict = Q.And(clauses) if clauses else None
        if negated:
            restrict = Q.AndNot(restrict or Q.Every(), Q.Or(negated))
        return restrict

    def _hit(self, hit, with_snippets: bool) -> Hit:
        letter = letter_from_stored(hit.fields())
        return Hit(
            id=letter.id, kamerstuk=letter.kamerstuk, title=letter.title, date=letter.date,
            year=letter.year, dossier=letter.dossier, doc_type=letter.doc_type,
            sender=letter.sender, topics=list(letter.topics), source=letter.source,
            # Sorted by date, Whoosh gives the sort key instead of a score.
            score=round(hit.score, 4) if isinstance(hit.score, (int, float)) else None,
            snippets=snippets.hit_snippets(hit) if with_snippets else [])

    def _facets(self, searcher, matcher, names=DEFAULT_FACETS, limit=FACET_LIMIT):
        # Counted in a search of its own: highlighting hits that came from a
        # grouped search is two orders of magnitude slower in Whoosh.
        groupedby = {
            name: sorting.FieldFacet(FACET_FIELDS[name], allow_overlap=name in MULTI_VALUED,
                                     maptype=sorting.Count)
            for name in names}
        results = searcher.search(matcher, limit=1, groupedby=groupedby, scored=False)
        return {name: _top_counts(results.groups(name), limit) for name in names}


def _top_counts(groups: dict, limit: int | None) -> dict[str, int]:
    counts = {}
    for key, count in groups.items():
        key = key.decode("utf-8") if isinstance(key, bytes) else key
        counts[UNKNOWN if key in (None, "") else str(key)] = count
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(ordered[:limit] if limit else ordered)


def _sort_facet(sort: str, scored: bool):
    if sort == "relevance" and scored:
        return None
    reverse = sort != "date_asc"
    date = sorting.FieldFacet("date", reverse=reverse)
    if not scored:
        return date
    return sorting.MultiFacet([date, sorting.ScoreFacet()])


def _validate(request: SearchRequest) -> None:
    if request.sort not in SORTS:
        raise QueryError(f"Onbekende sortering '{request.sort}'; kies uit: {', '.join(SORTS)}.",
                         "sort")
    if not 1 <= request.page <= MAX_PAGE:
        raise QueryError(f"Pagina moet tussen 1 en {MAX_PAGE} liggen.", "page")
    if not 1 <= request.per_page <= MAX_PER_PAGE:
        raise QueryError(f"Aantal per pagina moet tussen 1 en {MAX_PER_PAGE} liggen.",
                         "per_page")
    for facet in request.filters:
        if facet not in FACET_FIELDS:
            raise QueryError(f"Onbekend filter '{facet}'; bekende filters: "
                             f"{', '.join(FACET_FIELDS)}.", facet)
