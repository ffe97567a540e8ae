"""The HTML pages: search, one letter, help."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request

from search import QueryError
from search.display import FACET_LABELS
from search.searcher import MAX_PAGE
from search.snippets import query_terms
from search.synonyms import load_synonyms

from . import present
from .chart import year_chart
from .letter_text import FIRST_MATCH_ID, render_body
from .params import (FILTER_ARGS, LETTER_ID_RE, canonical_query, error_parameter, query_string,
                     search_request, without_filters)
from .state import get_searcher

bp = Blueprint("pages", __name__)
RELATED_LETTERS = 5


@bp.app_context_processor
def _helpers():
    return {"facet_labels": FACET_LABELS}


@bp.record_once
def _register_filters(state):
    state.app.jinja_env.filters.update(present.TEMPLATE_FILTERS)


@bp.get("/")
def search_page():
    args = request.args
    canonical = canonical_query(args)
    if canonical is not None:   # an old link, a sender typed with initials
        return redirect("?" + canonical)
    query = args.get("q", "").strip()
    searcher = get_searcher()
    try:
        search = search_request(args)
        response = searcher.search(search)
    except QueryError as exc:
        parameter = error_parameter(exc)
        # A bad filter value is not in the search box: name the filter, and
        # offer the same search without it.
        bad_filter = (FACET_LABELS.get(parameter, parameter),
                      "?" + query_string(args, **{parameter: None, "page": None})) \
            if parameter in FILTER_ARGS else None
        return render_template("search.html", query=query, error=str(exc),
                               error_parameter=parameter, bad_filter=bad_filter,
                               clear_href="?" + urlencode({"q": query}) if query else "/"), 400
    year_counts = _year_counts(searcher, search, response)
    return render_template(
        "search.html", query=query, response=response, search=search,
        hits=[(hit, _topics_inferred(hit)) for hit in response.hits],
        facets=present.facets(response, args, {"year": year_counts}),
        chips=present.chips(args, response.facet_labels),
        chart=year_chart(year_counts, args),
        sort_links=present.sort_links(args, search.sort, bool(query)),
        pages=present.pagination(response, args),
        previous_href=present.page_href(args, response.page - 1) if response.page > 1 else None,
        next_href=present.page_href(args, response.page + 1)
        if response.page < min(response.pages, MAX_PAGE) else None,
        clear_href="?" + without_filters(args),
        json_href="/api/search?" + query_string(args),
        explain_link=query_string(args, explain="1"),
        feed_href="/feed.atom?" + query_string(args, sort=None, page=None, per_page=None),
        suggestion_href="?" + query_string(args, q=response.suggestion, page=None)
        if response.suggestion else None,
        first=(response.page - 1) * response.per_page + 1,
        # A page number past the last page (an old link, a shrunk result).
        last_page_href=present.page_href(args, response.pages)
        if response.total and not response.hits else None)


def _year_counts(searcher, search, response) -> dict[str, int]:
    """Letters per year for the search without its chosen years, so that the
    other years stay on offer: a click adds one (the years of a search are
    any of those chosen)."""
    if not search.filters.get("year"):
        return response.facets.get("year", {})
    others = {facet: values for facet, values in search.filters.items() if facet != "year"}
    return searcher.facets(replace(search, filters=others), names=("year",))["year"]


@bp.get("/help")
def help_page():
    return render_template("help.html")


@bp.get("/<letter_id>")
def letter_page(letter_id: str):
    if not LETTER_ID_RE.fullmatch(letter_id):
        abort(404)
    searcher = get_searcher()
    letter = searcher.get(letter_id)
    query = request.args.get("q", "").strip()
    in_index = _index_lookup(searcher)
    text = render_body(letter.body, searcher.schema["body"].analyzer,
                       _marked_terms(searcher, query),
                       href_for=lambda kst: _letter_href(kst, query) if in_index(kst) and
                       kst != letter.id else None)
    references = [(kst, _letter_href(kst, query) if in_index(kst) else None)
                  for kst in letter.references]
    cited_by = searcher.cited_by(letter.id)
    return render_template(
        "letter.html", letter=letter, query=query, text=text, first_match=FIRST_MATCH_ID,
        references=references, cited_by=cited_by,
        related=_related(searcher, letter, {other.id for other in cited_by}),
        inferred=present.is_inferred(letter.topic_source),
        back_href="/?" + urlencode({"q": query}) if query else None,
        json_href=f"/api/letters/{letter.id}")


def _marked_terms(searcher, query: str) -> frozenset[str]:
    if not query:
        return frozenset()
    try:
        return query_terms(query, searcher.schema, load_synonyms(searcher.synonyms_file))
    except QueryError:
        # The search itself says what is wrong; the letter is shown unmarked.
        return frozenset()


def _related(searcher, letter, cited_by: set[str]) -> list:
    """Letters like this one that the page does not already link to: those
    citing it or cited by it are listed in their own sections."""
    shown = cited_by | set(letter.references)
    candidates = searcher.related(letter.id, RELATED_LETTERS + min(len(shown), 25))
    return [other for other in candidates if other.id not in shown][:RELATED_LETTERS]


def _letter_href(letter_id: str, query: str) -> str:
    return f"/{letter_id}" + ("?" + urlencode({"q": query}) if query else "")


def _index_lookup(searcher):
    known: dict[str, bool] = {}

    def in_index(letter_id: str) -> bool:
        if letter_id not in known:
            known[letter_id] = searcher.has(letter_id)
        return known[letter_id]
    return in_index


def _topics_inferred(hit) -> bool:
    return present.is_inferred(hit.topic_source)
