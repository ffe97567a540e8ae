"""The JSON API: the same searches as the pages, as data.

`/api/search` answers `SearchResponse.to_dict()`, the shape of `kamerzoek
search --json`, `facet_labels` included (the dossiers' titles, for the facet
lists a page built on the API shows); errors answer `{"error": {...}}` (see
errors.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .openapi import document
from .params import LETTER_ID_RE, search_request
from .state import get_searcher

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    response = get_searcher().search(search_request(request.args))
    return jsonify(response.to_dict())


@bp.get("/facets")
def facets():
    # One hit is the least a search may ask for; only the counts are kept.
    response = get_searcher().search(
        search_request(request.args, page=1, per_page=1, snippets=False))
    return jsonify(query=response.query, total=response.total,
                   filters=response.filters, facets=response.facets,
                   facets_truncated=response.facets_truncated,
                   facet_labels=response.facet_labels)


@bp.get("/letters/<letter_id>")
def letter(letter_id: str):
    if not LETTER_ID_RE.fullmatch(letter_id):
        abort(404)
    searcher = get_searcher()
    data = searcher.get(letter_id).to_dict()
    data["cited_by"] = [citing.id for citing in searcher.cited_by(letter_id)]
    return jsonify(data)


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
