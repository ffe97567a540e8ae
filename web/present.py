"""View models for the templates: facet lists, filter chips, pagination.

Kept out of the templates so that they only lay things out, and out of the
views so that those read as: parse, search, render.
"""
from __future__ import annotations

from dataclasses import dataclass

from index.schema import UNKNOWN
from search.display import FACET_LABELS, citation, decimal, dutch_date, number
from search.model import SearchResponse
from search.searcher import MAX_PAGE

from .params import FILTER_ARGS, query_string, toggle_filter

FACETS_SHOWN = 8
SORT_LABELS = {"relevance": "Relevantie", "date": "Nieuwste eerst", "date_asc": "Oudste eerst"}
INFERRED_SOURCES = {"dossier", "model"}


@dataclass
class FacetValue:
    value: str
    count: int
    href: str
    active: bool
    label: str | None = None  # shown beside the value: a dossier's title


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    shown: int


@dataclass
class Chip:
    facet: str
    label: str
    value: str
    href: str
    value_label: str | None = None


@dataclass
class PageLink:
    number: int | None  # None: a gap ("…")
    href: str | None
    current: bool = False


def facets(response: SearchResponse, args,
           counts_for: dict[str, dict[str, int]] | None = None) -> list[Facet]:
    """`counts_for` replaces the response's counts of some facets."""
    result = []
    for name in FILTER_ARGS:
        counts = (counts_for or {}).get(name, response.facets.get(name)) or {}
        labels = response.facet_labels.get(name) or {}
        active = set(args.getlist(name))
        items = sorted(counts.items(), key=lambda kv: kv[0], reverse=True) \
            if name == "year" else list(counts.items())
        # "onbekend" is rarely what anyone filters on: last, not first.
        items.sort(key=lambda kv: kv[0] == UNKNOWN)
        values = [FacetValue(v, c, "?" + toggle_filter(args, name, v), v in active,
                             labels.get(v)) for v, c in items]
        if values:
            result.append(Facet(name, FACET_LABELS.get(name, name), values, FACETS_SHOWN))
    return result


def chips(args, labels: dict[str, dict[str, str]]) -> list[Chip]:
    """The active filters; `labels` are the response's facet_labels."""
    return [Chip(name, FACET_LABELS.get(name, name), value, "?" + toggle_filter(args, name, value),
                 (labels.get(name) or {}).get(value))
            for name in FILTER_ARGS for value in dict.fromkeys(args.getlist(name)) if value]


def sort_links(args, current: str, has_query: bool) -> list[tuple[str, str, bool]]:
    # Without search words there is nothing to be relevant to: no such order.
    return [(label, "?" + query_string(args, sort=key, page=None), key == current)
            for key, label in SORT_LABELS.items() if has_query or key != "relevance"]


def pagination(response: SearchResponse, args) -> list[PageLink]:
    last = min(response.pages, MAX_PAGE)
    if last <= 1:
        return []
    current = response.page
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links, previous = [], 0
    for page in wanted:
        if page - previous > 1:
            links.append(PageLink(None, None))
        links.append(PageLink(page, "?" + query_string(args, page=str(page)),
                              page == current))
        previous = page
    return links


def page_href(args, number: int) -> str:
    return "?" + query_string(args, page=str(number))


def seconds(took_ms: float) -> str:
    # A cached answer takes well under 5 ms, which would read "0,00 s".
    if took_ms < 5:
        return "< 0,01 s"
    return decimal(took_ms / 1000, 2) + " s"


def is_inferred(topic_source: str | None) -> bool:
    return topic_source in INFERRED_SOURCES


TEMPLATE_FILTERS = {
    "dutch_date": dutch_date,
    "citation": citation,
    "number": number,
    "decimal": decimal,
    "seconds": seconds,
}
