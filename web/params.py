"""URL arguments <-> SearchRequest, shared by the pages and the API.

The same arguments drive both (`/?q=...&year=2019` and
`/api/search?q=...&year=2019`), so a page can always point at its JSON twin.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import current_app, has_app_context

from search import QueryError, SearchRequest
from search.model import MAX_PER_PAGE, SORTS
from search.query import canonical_filter_value
from search.searcher import MAX_PAGE

FILTER_ARGS = ("year", "dossier", "topic", "doc_type", "sender")
DEFAULT_PER_PAGE = 10
MAX_VALUES = 20
MAX_VALUE_CHARS = 200
# Letter ids come from the index; anything else is not worth a lookup.
LETTER_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# A year, a range open at one end at most, or "onbekend".
_YEAR_RE = re.compile(r"\d{4}|\d{4}\s*\.\.\s*(?:\d{4})?|\.\.\s*\d{4}|onbekend")


def search_request(args, *, browse_sort: str = "date", **overrides) -> SearchRequest:
    """A validated SearchRequest from URL args; QueryError names the bad one.

    Without words, results are browsed newest first unless a sort is given.
    """
    query = args.get("q", "").strip()
    sort = args.get("sort") or ("relevance" if query else browse_sort)
    if sort not in SORTS:
        raise QueryError(f"Onbekende sortering '{sort}'. Kies uit: {', '.join(SORTS)}.", "sort")
    values = dict(
        query=query,
        filters=_filters(args),
        sort=sort,
        page=_integer(args, "page", 1, 1, MAX_PAGE, "Pagina"),
        per_page=_integer(args, "per_page", _page_size(), 1, MAX_PER_PAGE,
                          "Aantal per pagina"),
        explain=_flag(args, "explain"),
    )
    values.update(overrides)
    return SearchRequest(**values)


def _page_size() -> int:
    """search.page_size from the configuration, when an app is running."""
    if has_app_context():
        return int(current_app.config.get("KAMERZOEK_PAGE_SIZE") or DEFAULT_PER_PAGE)
    return DEFAULT_PER_PAGE


def _flag(args, name: str) -> bool:
    value = args.get(name, "").strip().lower()
    if value in ("", "0", "false", "nee"):
        return False
    if value in ("1", "true", "ja"):
        return True
    raise QueryError(f"Parameter '{name}' moet 1 of 0 zijn, niet '{value}'.", name)


def error_parameter(error: QueryError) -> str:
    """The URL argument to blame: errors inside the query text (such as a bad
    `jaar:` in it) belong to `q`."""
    known = {"q", "sort", "page", "per_page", "explain", *FILTER_ARGS}
    return error.parameter if error.parameter in known else "q"


def query_string(args, **changes) -> str:
    """The current args with `changes` applied (None removes an argument)."""
    pairs = [(k, v) for k, v in _pairs(args) if k not in changes]
    for key, value in changes.items():
        if value is not None:
            pairs.append((key, value))
    return urlencode(pairs)


def toggle_filter(args, facet: str, value: str) -> str:
    """Args with `value` added to or removed from `facet`, back on page 1."""
    pairs = [(k, v) for k, v in _pairs(args) if k != "page"]
    if (facet, value) in pairs:
        pairs.remove((facet, value))
    else:
        pairs.append((facet, value))
    return urlencode(pairs)


def canonical_query(args) -> str | None:
    """The args with every filter value as its facet lists it (see
    search.query.canonical_filter_value), or None when they already are:
    the page then marks the value chosen in its facet, and shows it so."""
    pairs = _pairs(args)
    canonical = [(k, canonical_filter_value(k, v)) if k in FILTER_ARGS else (k, v)
                 for k, v in pairs]
    return None if canonical == pairs else urlencode(list(dict.fromkeys(canonical)))


def without_filters(args) -> str:
    return urlencode([(k, v) for k, v in _pairs(args) if k not in FILTER_ARGS and k != "page"])


def _pairs(args) -> list[tuple[str, str]]:
    return [(k, v) for k, v in args.items(multi=True) if v != ""]


def _filters(args) -> dict[str, tuple[str, ...]]:
    filters = {}
    for facet in FILTER_ARGS:
        values = tuple(dict.fromkeys(v.strip() for v in args.getlist(facet) if v.strip()))
        if not values:
            continue
        if len(values) > MAX_VALUES:
            raise QueryError(f"Te veel waarden voor '{facet}' (maximaal {MAX_VALUES}).", facet)
        if any(len(v) > MAX_VALUE_CHARS for v in values):
            raise QueryError(f"Een waarde voor '{facet}' is te lang.", facet)
        if facet == "year":
            for value in values:
                if not _YEAR_RE.fullmatch(value):
                    raise QueryError(f"'{value}' is geen jaar: gebruik bijvoorbeeld 2019 of "
                                     f"2015..2020.", "year")
        filters[facet] = values
    return filters


def _integer(args, name: str, default: int, low: int, high: int, label: str) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not low <= int(raw) <= high:
        raise QueryError(f"{label} moet een geheel getal tussen {low} en {high} zijn, "
                         f"niet '{raw[:20]}'.", name)
    return int(raw)
