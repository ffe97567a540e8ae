"""The one search API for the CLI and the web.

A `Searcher` keeps one version of the index open for its lifetime and opens
the next one when the index changes on disk, instead of opening one per query.
"""
from __future__ import annotations

import functools
import re
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.collectors import TimeLimit, TimeLimitCollector

from corpus.letter import Letter
from index import store
from index.schema import FACET_FIELDS, letter_from_stored, record_from_stored

from . import page_cache, snippets, whoosh_fixes  # noqa: F401 (whoosh_fixes: applied on import)
from .facets import DossierTitles, FacetTable
from .stored import StoredFields
from .errors import LetterNotFound, QueryError
from .model import MAX_PER_PAGE, SORTS, Hit, SearchRequest, SearchResponse
from .explain import explain_hit
from .postings import cached_phrase_docs, phrase_docs_among, with_known_phrases
from .ranking import ranking_tiers
from .query import (all_words_query, build_query, canonical_filter_value, exclusion_query,
                    expand_synonyms, facet_value_filter, filter_query, parse_query)
from .spelling import KnownDeletions, Speller
from .vectors import Unsupported, VectorIndex, VectorSearch
from .synonyms import DEFAULT_FILE as DEFAULT_SYNONYMS, load_synonyms

# The facets a search response carries by default, and how many values each.
DEFAULT_FACETS = ("year", "dossier", "topic", "doc_type", "sender")
FACET_LIMIT = 30
# Years are few and feed the per-year chart: always count them all.
UNLIMITED_FACETS = ("year",)
MAX_PAGE = 10_000
# A query that takes longer is stopped and says so.
QUERY_SECONDS = 5.0
# Below this many matches a spelling suggestion is looked for.
SUGGEST_BELOW = 5


@dataclass
class IndexStats:
    letters: int
    index_dir: str
    manifest: dict
    facets: dict[str, dict[str, int]]


def _serialized(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


@dataclass
class _Kept:
    """What a new version of the index takes over from the one before, for
    the versions of one Searcher: the facet codes of the segments it still
    has (FacetTable) and the spelling deletions of the words it still
    suggests (Speller)."""
    facets: dict = field(default_factory=dict)
    deletions: KnownDeletions = field(default_factory=KnownDeletions)


class _Version:
    """One opened version of the index and what is read from it once. Its
    document numbers mean nothing to any other version, so its tables live
    and die with it."""

    def __init__(self, index_dir: Path, identity: tuple, kept: _Kept | None = None):
        # `identity` is taken before opening: if the index changes in
        # between, the next request sees a newer one and opens again, never
        # the reverse.
        self.identity = identity
        self.index_dir = index_dir
        self.kept = kept or _Kept()
        try:
            self.ix = store.open_index(index_dir)
            self.searcher = self.ix.searcher()
        except (OSError, whoosh_index.IndexError) as exc:
            # The folder was moved or replaced while it was being opened.
            raise store.IndexMissing(f"De index in {index_dir} kon niet worden geopend "
                                     f"({exc}).") from exc
        # Requests using this version right now; a retired version is closed
        # when the last of them is done.
        self.users = 0
        self.retired = False
        # A version let go of without close() (a Searcher nobody closed, an
        # app torn down) still closes its files: each segment holds several.
        self._close = weakref.finalize(self, self.searcher.close)

    @functools.cached_property
    def schema(self):
        # Index.schema unpickles the table of contents on every access (the
        # compound vocabulary included): read it once.
        return self.ix.schema

    @functools.cached_property
    def table(self) -> FacetTable:
        return FacetTable(self.searcher.reader(), self.kept.facets, self.index_dir)

    @functools.cached_property
    def vectors(self) -> VectorIndex:
        return VectorIndex(self.searcher)

    @functools.cached_property
    def speller(self) -> Speller:
        from index.vocabulary import Vocabulary
        return Speller(Vocabulary.load(self.index_dir).counts, self.kept.deletions)

    @functools.cached_property
    def stored_fields(self) -> StoredFields:
        return StoredFields(self.searcher.reader())

    @functools.cached_property
    def dossier_titles(self) -> DossierTitles:
        return DossierTitles(self.table, self.vectors.live, self.stored_fields)

    def close(self) -> None:
        if "stored_fields" in self.__dict__:
            self.__dict__.pop("stored_fields").close()
        self._close()
        if "vectors" in self.__dict__:
            self.__dict__.pop("vectors").close()


class Searcher:
    def __init__(self, index_dir: str | Path, synonyms_file: str | Path | None = None,
                 cache_size: int = page_cache.DEFAULT_SIZE):
        self.index_dir = Path(index_dir)
        self.synonyms_file = synonyms_file
        self._pages = page_cache.PageCache(cache_size)
        # Whoosh searchers are not documented as thread-safe: one query at a
        # time per process (gunicorn scales with processes, not threads).
        self._lock = threading.RLock()
        self._watch = store.IdentityWatch(self.index_dir)
        self._kept = _Kept()
        self._version = self._open(self._watch.identity())

    def _open(self, identity: tuple) -> _Version:
        return _Version(self.index_dir, identity, self._kept)

    def close(self) -> None:
        with self._lock:
            self._retire(self._version)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def schema(self):
        with self.reading() as version:
            return version.schema

    @contextmanager
    def reading(self):
        """The version of the index on disk now, kept open until the block
        ends even when a newer one is opened meanwhile.

        Whoosh's `Searcher.refresh()` cannot be used: in whoosh-reloaded
        2.7.5 it keeps the old reader's segments beside the new ones, so
        deleted letters stay findable and updated ones are found twice.
        A changed index is opened afresh instead. Raises
        `index.store.IndexStoreError` when it cannot be (moved away, built
        by another version); the old version then stays current and the
        next call tries again.
        """
        with self._lock:
            version = self._version
            identity = self._watch.identity()
            if identity != version.identity:
                version = self._open(identity)
                self._retire(self._version)
                self._version = version
                self._pages.clear()
            version.users += 1
        try:
            yield version
        finally:
            with self._lock:
                version.users -= 1
                if version.retired and not version.users:
                    version.close()

    def _retire(self, version: _Version) -> None:
        version.retired = True
        if not version.users:
            version.close()

    def current(self):
        """The Whoosh searcher of the index on disk now, for immediate use
        only: it is closed once a newer version replaces it. Hold `reading()`
        to use one version across several calls."""
        with self.reading() as version:
            return version.searcher

    @_serialized
    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        request = _checked(request)
        with self.reading() as version:
            key = (page_cache.request_key(request), version.identity, self._synonyms_version())
            cached = self._pages.get(key)
            if cached is not None:
                cached.took_ms = round((time.perf_counter() - started) * 1000, 1)
                return cached
            response = self._search(version, request, started)
        self._pages.put(key, response)
        return response

    def _synonyms_version(self) -> float | None:
        try:
            return Path(self.synonyms_file or DEFAULT_SYNONYMS).stat().st_mtime
        except OSError:
            return None

    def _search(self, version: _Version, request: SearchRequest,
                started: float) -> SearchResponse:
        searcher, schema = version.searcher, version.schema
        # The budget covers building the query too (a prefix reads postings).
        deadline = time.monotonic() + QUERY_SECONDS
        parsed, scoring, restrict, excluded = self._parts(request, schema)
        matcher = _narrowed(scoring or restrict or Q.Every(), scoring, restrict, excluded)
        # Posting lists read once per search, shared by the counting, the
        # ranking tiers and the date order.
        vectors = _vector_search(version, deadline)
        selected = vectors.mask(_selecting(parsed, schema, restrict, excluded))
        docnums = np.flatnonzero(selected)
        offset, end = (request.page - 1) * request.per_page, request.page * request.per_page
        if request.sort == "relevance" and scoring is not None:
            page = _by_relevance(searcher, schema, parsed, vectors, selected, offset, end,
                                 deadline, restrict, excluded)
        else:
            complete = None
            if len(parsed.groups) > 1:
                complete = set(vectors.docs(all_words_query(parsed, schema)).tolist())
            page = _by_date(searcher, version.table.dates, matcher, scoring, docnums,
                            request.sort, deadline, vectors, complete)[offset:end]
        terms = snippets.body_terms(scoring) if request.snippets else None
        locate = version.vectors.locator(terms) if terms else None
        hits = [_hit(version, docnum, score, terms, locate) for docnum, score in page]
        if request.explain and scoring is not None:
            # Scored as the ranking scored it: words found nowhere out of the
            # words-close-together bonus.
            explained = build_query(parsed, schema, lambda query: vectors.mask(query).any())
            labels = _typed_words(parsed, schema)
            for found, (docnum, _) in zip(hits, page):
                found.explanation = explain_hit(searcher, explained, docnum, labels)
        truncated: dict[str, int] = {}
        facets = (version.table.count(selected, DEFAULT_FACETS, FACET_LIMIT, UNLIMITED_FACETS,
                                      truncated, docnums)
                  if request.facets else {})
        return SearchResponse(
            query=request.query, total=len(docnums), page=request.page,
            per_page=request.per_page, took_ms=round((time.perf_counter() - started) * 1000, 1),
            hits=hits, facets=facets, facets_truncated=truncated, sort=request.sort,
            filters={k: list(v) for k, v in request.filters.items() if v},
            suggestion=self._suggest(version, request, parsed, len(docnums)),
            expansions=parsed.expansions,
            facet_labels=_facet_labels(version, facets, request.filters))

    @_serialized
    def facets(self, request: SearchRequest, names=tuple(FACET_FIELDS), limit=None):
        """Counts only (for the facets API): no hits, no snippets."""
        request = _checked(request)
        with self.reading() as version:
            _, _, matcher = self._queries(request, version.schema)
            deadline = time.monotonic() + QUERY_SECONDS
            return version.table.count(_vector_search(version, deadline).mask(matcher), names,
                                       limit)

    def _queries(self, request: SearchRequest, schema):
        """(the parsed query, the scoring query or None, the query that
        selects every match)."""
        parsed, scoring, restrict, excluded = self._parts(request, schema)
        return parsed, scoring, _selecting(parsed, schema, restrict, excluded)

    def _parts(self, request: SearchRequest, schema):
        """(parsed query, scoring query, filters, exclusions); each may be None."""
        parsed = expand_synonyms(parse_query(request.query), load_synonyms(self.synonyms_file))
        scoring = build_query(parsed, schema)
        restrict = _filters(parsed, request, schema)
        excluded = exclusion_query(parsed, schema)
        return parsed, scoring, restrict, excluded

    def _suggest(self, version: _Version, request: SearchRequest, parsed,
                 total: int) -> str | None:
        """The query with its misspelt words corrected, when that finds more.

        Looked for when the query finds little, or when one of its words
        occurs nowhere in the letters (a query of several words finds plenty
        through the others, typo and all).
        """
        if not request.query.strip():
            return None
        speller = version.speller
        words = [g[0].text for g in parsed.groups
                 if not g[0].phrase and not g[0].all_words and g[0].text.isalpha()]
        plenty = total >= SUGGEST_BELOW
        if plenty:
            # Enough found: only words the letters never contain are suspect.
            words = [w for w in words if not speller.known(w)]
        corrected = request.query
        for word in words:
            better = speller.correct(word)
            if better:
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better,
                                   corrected, count=1)
        if corrected == request.query:
            return None
        _, _, matcher = self._queries(SearchRequest(query=corrected, filters=request.filters),
                                      version.schema)
        deadline = time.monotonic() + QUERY_SECONDS
        better_total = len(_vector_search(version, deadline).docs(matcher))
        return corrected if better_total > total or plenty else None

    @_serialized
    def get(self, letter_id: str) -> Letter:
        with self.reading() as version:
            stored = version.searcher.document(id=letter_id)
        if not stored:
            raise LetterNotFound(letter_id)
        return letter_from_stored(stored)

    @_serialized
    def has(self, letter_id: str) -> bool:
        with self.reading() as version:
            return version.searcher.document_number(id=letter_id) is not None

    @_serialized
    def cited_by(self, letter_id: str, limit: int = 50) -> list[Letter]:
        with self.reading() as version:
            results = version.searcher.search(Q.Term("references", letter_id), limit=limit,
                                              sortedby="date", reverse=True)
            return [letter_from_stored(hit.fields()) for hit in results]

    @_serialized
    def related(self, letter_id: str, limit: int = 5) -> list[Letter]:
        """Letters most like this one (Whoosh's more-like-this on the body)."""
        with self.reading() as version:
            searcher = version.searcher
            docnum = searcher.document_number(id=letter_id)
            if docnum is None:
                raise LetterNotFound(letter_id)
            # The opening of a letter says what it is about; reading all of a
            # long one only costs time.
            results = searcher.more_like(
                docnum, "body", top=limit, numterms=15,
                text=searcher.stored_fields(docnum).get("body", "")[:8_000])
            return [letter_from_stored(hit.fields()) for hit in results]

    def letters(self):
        """Every letter in the index, in index order (for export), all from
        the version open when the export began."""
        with self.reading() as version:
            for stored in version.searcher.all_stored_fields():
                yield letter_from_stored(stored)

    @_serialized
    def stats(self) -> IndexStats:
        with self.reading() as version:
            searcher = version.searcher
            facets = version.table.count(version.vectors.live,
                                         ("year", "topic", "doc_type", "chamber",
                                          "vergaderjaar"))
            return IndexStats(letters=searcher.doc_count(), index_dir=str(self.index_dir),
                              manifest=store.read_manifest(self.index_dir), facets=facets)


def _typed_words(parsed, schema) -> dict[str, str]:
    """Index term (stem) -> the word as typed, for explanations."""
    analyzer = schema["body"].analyzer
    labels = {}
    for group in parsed.groups:
        for clause in group:
            for word in clause.text.split():
                for token in analyzer(word, mode="query"):
                    labels.setdefault(token.text, word.strip('"'))
    return labels


def _by_relevance(searcher, schema, parsed, vectors: VectorSearch, allowed, offset, end,
                  deadline, restrict, excluded):
    """The page [offset, end) of the matches (`allowed`, a boolean array)
    in tier order, scoring only the tiers the page reaches, each as a query
    narrowed by the filters (its scores then count the filters' terms, as
    Whoosh's would)."""
    taken = np.zeros_like(allowed)
    position = 0
    page = []
    for tier in ranking_tiers(parsed, schema, lambda query: vectors.mask(query).any()):
        if time.monotonic() > deadline:
            raise _too_slow()
        members = vectors.mask(tier) & allowed & ~taken
        count = int(members.sum())
        if not count:
            continue
        taken |= members
        if position + count > offset:
            wanted = min(count, end - position)
            start = max(0, offset - position)
            scored = with_known_phrases(_narrowed(tier, tier, restrict, excluded),
                                        vectors.index, vectors.phrase_cache, lazy_bonus=True)
            page.extend(_top(searcher, vectors, scored, np.flatnonzero(members), wanted,
                             deadline)[start:wanted])
        position += count
        if position >= end:
            break
    return page


def _top(searcher, vectors: VectorSearch, query, members, wanted: int, deadline):
    """The best `wanted` of `members` for `query`, equal scores in document
    order: from the score vectors, or through Whoosh for a query they do
    not cover."""
    try:
        return vectors.top(query, members, wanted)
    except Unsupported:
        results = _run(searcher, query, wanted, deadline, only=set(members.tolist()),
                       counted=True)
        return sorted(((hit.docnum, hit.score) for hit in results),
                      key=lambda item: (-item[1], item[0]))


def _by_date(searcher, dates, matcher, scoring, docnums, sort, deadline,
             vectors: VectorSearch, complete=None):
    """All matches ordered by date (unknown dates last), relevance
    breaking ties when the query has words. With several words, letters
    that have them all come first, newest first, then the others: the
    newest letter mentioning one word is rarely what was asked for."""
    newest_first = sort != "date_asc"
    if scoring is None:
        entries = [(d, None) for d in docnums.tolist()]
    else:
        scored = with_known_phrases(matcher, vectors.index, vectors.phrase_cache)
        entries = _top(searcher, vectors, scored, docnums, len(docnums), deadline)
    dated = [e for e in entries if dates[e[0]]]
    undated = [e for e in entries if not dates[e[0]]]
    dated.sort(key=lambda e: -(e[1] or 0))
    dated.sort(key=lambda e: dates[e[0]], reverse=newest_first)
    undated.sort(key=lambda e: -(e[1] or 0))
    ordered = dated + undated
    if complete is not None:
        ordered.sort(key=lambda e: e[0] not in complete)
    return ordered


def _filters(parsed, request: SearchRequest, schema) -> Q.Query | None:
    clauses, negated = [], []
    for facet, value, is_negated in parsed.field_filters:
        (negated if is_negated else clauses).append(filter_query(facet, value, schema))
    for facet, values in request.filters.items():
        values = [v for v in values if v]
        if values:
            try:
                options = [facet_value_filter(facet, v) for v in values]
            except QueryError as exc:
                # A bad filter value (a reversed year range) is the filter's
                # fault, not the query text's.
                raise QueryError(str(exc), facet) from None
            clauses.append(Q.Or(options) if len(options) > 1 else options[0])
    restrict = Q.And(clauses) if clauses else None
    if negated:
        restrict = Q.AndNot(restrict or Q.Every(), Q.Or(negated))
    return restrict


def _facet_labels(version: _Version, facets, filters) -> dict[str, dict[str, str]]:
    """Readable names beside facet values: the dossiers' titles, for the
    dossiers counted and those filtered on."""
    wanted = [*(facets.get("dossier") or {}), *filters.get("dossier", ())]
    return {"dossier": version.dossier_titles.titles(wanted)}


def _hit(version: _Version, docnum: int, score, terms, locate=None) -> Hit:
    """A hit for the page; `terms` are the query's body terms to mark in
    the snippets (None: no snippets wanted), `locate` where the index has
    them (VectorIndex.locator)."""
    stored = version.stored_fields(docnum)
    record = record_from_stored(stored)
    found = ([] if terms is None else
             snippets.snippets(stored.get("body", ""), terms, version.schema["body"].analyzer,
                               located=locate(docnum) if locate else None))
    get = record.get
    return Hit(
        id=record["id"], kamerstuk=get("kamerstuk"), title=get("title"), date=get("date"),
        year=get("year"), dossier=get("dossier"), doc_type=get("doc_type"),
        sender=get("sender"), topics=list(get("topics") or ()),
        topic_source=get("topic_source"), source=record["source"],
        score=round(score, 4) if isinstance(score, (int, float)) else None,
        snippets=found)


def _selecting(parsed, schema, restrict, excluded) -> Q.Query:
    """The query that selects every match: the scoring query without its
    words-close-together bonus, which only ranks (a letter with the words
    close together has them all, so it is selected anyway; checking the
    closeness in every letter cost most of a search of common words)."""
    words = build_query(parsed, schema, proximity=False)
    return _narrowed(words or restrict or Q.Every(), words, restrict, excluded)


def _narrowed(query: Q.Query, scoring, restrict, excluded) -> Q.Query:
    if scoring is not None and restrict is not None:
        query = Q.And([query, restrict])
    if excluded is not None:
        query = Q.AndNot(query, excluded)
    return query


def _vector_search(version: _Version, deadline: float) -> VectorSearch:
    """Matching for one search over `version`, within the time budget."""
    searcher = version.searcher
    phrases: dict = {}

    def fallback(query) -> set[int]:
        # Query types without a vector rule (prefixes, ranges): Whoosh's
        # matcher, every match collected.
        collector = searcher.collector(limit=None, scored=False)
        return set(_collect(searcher, query, collector, deadline).docs())

    def phrase_docs(phrase):
        if time.monotonic() > deadline:
            raise _too_slow()
        return cached_phrase_docs(version.vectors, phrase, phrases)

    def phrase_docs_in(phrase, docnums):
        if time.monotonic() > deadline:
            raise _too_slow()
        return phrase_docs_among(version.vectors, phrase, docnums)

    return VectorSearch(version.vectors, fallback, phrase_docs, phrases, phrase_docs_in)


def _run(searcher, matcher, limit, deadline: float, only: set[int] | None = None,
         counted: bool = False):
    """The scored top `limit` hits (all when None), within the time budget,
    among the documents `only` (all when None).

    `counted`: the matches were already found as sets within the time budget,
    which bounds this search too; it then runs without Whoosh's time-limited
    collector, which walks every match (no skipping of posting blocks that
    cannot reach the top) and, around a filter, fed the scorer documents in a
    way that changed scores with the page size.
    """
    if only is not None or counted:
        if time.monotonic() > deadline:
            raise _too_slow()
        return searcher.search(matcher, limit=limit, filter=only)
    return _collect(searcher, matcher, searcher.collector(limit=limit), deadline)


def _collect(searcher, matcher, collector, deadline: float):
    # use_alarm=False: SIGALRM works only in the main thread, and web
    # servers answer in others.
    limited = TimeLimitCollector(collector, timelimit=max(0.01, deadline - time.monotonic()),
                                 use_alarm=False)
    try:
        searcher.search_with_collector(matcher, limited)
    except TimeLimit:
        raise _too_slow() from None
    return limited.results()


def _too_slow() -> QueryError:
    return QueryError(f"De zoekvraag kostte meer dan {QUERY_SECONDS:g} seconden en is "
                      "afgebroken. Maak haar specifieker, bijvoorbeeld met een filter.")


def _checked(request: SearchRequest) -> SearchRequest:
    """The request, validated, with its filter values as the facets list
    them (a sender without initials): the response names the filter that
    was applied, and both spellings share a cached answer."""
    _validate(request)
    filters = {facet: tuple(dict.fromkeys(canonical_filter_value(facet, value)
                                          for value in values))
               for facet, values in request.filters.items()}
    return request if filters == request.filters else replace(request, filters=filters)


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
