"""Machine-readable entry points: an Atom feed per search, and the OpenSearch
description that lets a browser add Kamerzoek as a search engine.

Both hold absolute URLs built from the request's host, since feed readers
and browsers use them outside any page.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from index.store import read_manifest
from search.display import FACET_LABELS, number
from search.snippets import plain

from . import atom
from .params import FILTER_ARGS, search_request
from .state import get_searcher

bp = Blueprint("feeds", __name__)

FEED_SIZE = 20
FEED_MIME = "application/atom+xml"
OPENSEARCH_MIME = "application/opensearchdescription+xml"
EPOCH = "1970-01-01T00:00:00Z"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@bp.get("/feed.atom")
def feed():
    args = request.args
    # A feed follows what is new: newest first, whatever sort was asked for.
    overrides = {"sort": "date", "page": 1, "facets": False}
    if not args.get("per_page"):
        overrides["per_page"] = FEED_SIZE
    search = search_request(args, **overrides)
    searcher = get_searcher()
    response = searcher.search(search)
    root = request.url_root
    # Undated letters need a stable <updated>: the moment the index was built.
    fallback = _timestamp(read_manifest(searcher.index_dir).get("created")) or EPOCH
    entries = [_entry(hit, root, search.query, fallback) for hit in response.hits]
    canonical = _canonical_args(search)
    body = atom.atom(atom.Feed(
        id=root + "feed.atom" + ("?" + canonical if canonical else ""),
        title="kamerzoek: " + (search.query or "nieuwste documenten") + _filter_text(search),
        subtitle=_subtitle(len(entries), response.total),
        updated=max((e.updated for e in entries), default=fallback),
        self_link=request.url,
        alternate_link=root + "?" + urlencode([*_pairs(search), ("sort", "date")]),
        author="Kamerzoek",
        entries=entries))
    return Response(body, mimetype=FEED_MIME, headers={"Cache-Control": "max-age=300"})


@bp.get("/opensearch.xml")
def opensearch():
    root = request.url_root
    body = atom.opensearch(
        short_name="Kamerzoek",
        description="Doorzoek Kamerbrieven en andere Kamerstukken van de Staten-Generaal.",
        # Braces stay literal: browsers substitute {searchTerms} themselves.
        templates={"text/html": root + "?q={searchTerms}",
                   FEED_MIME: root + "feed.atom?q={searchTerms}"},
        self_url=root + "opensearch.xml",
        image=root + "static/favicon.svg")
    return Response(body, mimetype=OPENSEARCH_MIME, headers={"Cache-Control": "max-age=86400"})


def _entry(hit, root: str, query: str, fallback: str) -> atom.Entry:
    link = root + hit.id + ("?" + urlencode({"q": query}) if query else "")
    return atom.Entry(
        id=root + hit.id,
        title=hit.title or hit.kamerstuk or hit.id,
        updated=f"{hit.date}T00:00:00Z" if hit.date and _ISO_DATE.fullmatch(hit.date) else fallback,
        link=link,
        # Each passage comes wrapped in "…"; two in a row read as one gap.
        summary=re.sub(r"…\s+…", "…", " ".join(plain(snippet) for snippet in hit.snippets)),
        author=hit.sender,
        categories=list(hit.topics))


def _subtitle(shown: int, total: int) -> str:
    if not total:
        return "Nog geen documenten voor deze zoekopdracht."
    if shown >= total:
        return (f"{'Het enige document' if total == 1 else f'Alle {number(total)} documenten'}"
                " voor deze zoekopdracht, nieuwste eerst.")
    return f"De {shown} nieuwste van {number(total)} documenten voor deze zoekopdracht."


def _pairs(search) -> list[tuple[str, str]]:
    pairs = [("q", search.query)] if search.query else []
    return pairs + [(name, value) for name in FILTER_ARGS
                    for value in sorted(search.filters.get(name, ()))]


def _canonical_args(search) -> str:
    """The same search always has the same feed id, however its URL was
    spelled (argument order, sort, page)."""
    return urlencode(_pairs(search))


def _filter_text(search) -> str:
    parts = [f"{FACET_LABELS.get(name, name)}: {', '.join(search.filters[name])}"
             for name in FILTER_ARGS if search.filters.get(name)]
    return f" ({'; '.join(parts)})" if parts else ""


def _timestamp(value) -> str | None:
    """`2026-11-23T16:28:28+00:00` -> `2026-11-23T16:28:28Z` (RFC 3339 either
    way; the short form is what feed validators expect)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)",
                                                       value):
        return None
    return value[:19] + "Z"
