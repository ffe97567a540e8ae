"""The OpenAPI 3.1 description of /api/. tests/test_web.py checks it against
real responses, so a change to the response shapes shows up there."""
from __future__ import annotations

from search.model import MAX_PER_PAGE, SORTS
from search.searcher import FACET_LIMIT, MAX_PAGE

from .params import FILTER_ARGS

_NULLABLE_STRING = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"},
           "description": f"Waarde -> aantal documenten, meeste eerst (hoogstens {FACET_LIMIT} "
                          "waarden, zie 'facets_truncated'); 'onbekend' telt documenten zonder "
                          "waarde."}
_FACETS = {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Counts"}}
_FACETS_TRUNCATED = {
    "type": "object", "additionalProperties": {"type": "integer"},
    "description": f"Facetten waarvan in 'facets' alleen de {FACET_LIMIT} meest voorkomende "
                   "waarden staan, met het aantal verschillende waarden dat ze hebben. Een "
                   "volledig getoond facet ontbreekt; 'year' is altijd volledig.",
    "examples": [{"dossier": 1234, "sender": 412}],
}
_FACET_LABELS = {
    "type": "object",
    "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
    "description": "Leesbare naam bij facetwaarden, per facet. Nu de titel van elk dossier "
                   "in 'facets' en in de filters: de titel die de meeste brieven van het "
                   "dossier geven. Waarden zonder naam ontbreken.",
    "examples": [{"dossier": {"33694": "Internationale Veiligheidsstrategie"}}],
}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


SCHEMAS = {
    "Counts": _COUNTS,
    "Hit": _object({
        "id": {"type": "string", "examples": ["kst-33694-45"]},
        "kamerstuk": _NULLABLE_STRING, "title": _NULLABLE_STRING,
        "date": {"type": ["string", "null"], "format": "date"},
        "year": {"type": ["integer", "null"]}, "dossier": _NULLABLE_STRING,
        "doc_type": _NULLABLE_STRING, "sender": _NULLABLE_STRING, "topics": _STRINGS,
        "topic_source": {**_NULLABLE_STRING,
                         "description": "metadata, sidecar, dossier of model (afgeleid)."},
        "source": {"type": "string"},
        "score": {"type": ["number", "null"],
                  "description": "Relevantie; null bij sorteren op datum zonder zoekwoorden."},
        "snippets": {**_STRINGS, "description": "HTML: geëscapete tekst met alleen <mark>."},
        "explanation": {
            "type": "array",
            "description": "Alleen met explain=1: welke zoektermen in welk veld "
                           "overeenkwamen en wat elk bijdroeg aan de score.",
            "items": _object({"field": {"type": "string"}, "term": {"type": "string"},
                              "kind": {"type": "string",
                                       "enum": ["woord", "woorddeel", "zinsdeel", "nabijheid"]},
                              "score": {"type": "number"}})},
    }),
    "SearchResponse": _object({
        "query": {"type": "string"}, "total": {"type": "integer"},
        "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "took_ms": {"type": "number"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        "facets": _FACETS, "facets_truncated": _FACETS_TRUNCATED,
        "filters": {"type": "object", "additionalProperties": _STRINGS,
                    "description": "De toegepaste filters, met namen zoals de facetten ze "
                                   "geven."},
        "sort": {"type": "string", "enum": list(SORTS)},
        "suggestion": {**_NULLABLE_STRING,
                       "description": "Voorgestelde verbeterde zoekvraag (\"Bedoelde u ...?\")."},
        "expansions": {**_STRINGS,
                       "description": "Synoniemen en afkortingen waarop ook is gezocht."},
        "facet_labels": _FACET_LABELS,
    }),
    "FacetsResponse": _object({
        "query": {"type": "string"}, "total": {"type": "integer"},
        "filters": {"type": "object", "additionalProperties": _STRINGS},
        "facets": _FACETS, "facets_truncated": _FACETS_TRUNCATED,
        "facet_labels": _FACET_LABELS,
    }),
    "Letter": _object({
        "id": {"type": "string"}, "source": {"type": "string"}, "body": {"type": "string"},
        "title": _NULLABLE_STRING, "kamerstuk": _NULLABLE_STRING,
        "dossier": _NULLABLE_STRING, "ondernummer": _NULLABLE_STRING,
        "vergaderjaar": _NULLABLE_STRING,
        "date": {"type": ["string", "null"], "format": "date"},
        "year": {"type": ["integer", "null"]}, "doc_type": _NULLABLE_STRING,
        "dossier_title": _NULLABLE_STRING, "sender": _NULLABLE_STRING,
        "ministry": _NULLABLE_STRING, "chamber": _NULLABLE_STRING,
        "topics": _STRINGS, "subtopics": _STRINGS,
        "topic_source": {**_NULLABLE_STRING,
                         "description": "metadata, sidecar, dossier of model (afgeleid)."},
        "references": _STRINGS, "format": _NULLABLE_STRING,
        "cited_by": {**_STRINGS, "description": "Documenten die naar dit document verwijzen."},
    }),
    "Error": _object({"error": _object({
        "parameter": {"type": "string", "description": "De URL-parameter die niet klopt."},
        "message": {"type": "string"},
    })}),
}
# Explanations come only with explain=1.
SCHEMAS["Hit"]["required"].remove("explanation")
# Not every error is about a parameter (404, 500).
SCHEMAS["Error"]["properties"]["error"]["required"] = ["message"]


def _parameter(name, description, schema, *, where="query", required=False, multiple=False):
    if multiple:
        schema = {"type": "array", "items": schema}
    parameter = {"name": name, "in": where, "description": description, "schema": schema,
                 "required": required}
    if multiple:
        parameter.update(style="form", explode=True)
    return parameter


_FILTER_DESCRIPTIONS = {
    "year": "Jaar (2019), jaarbereik (2015..2020, 2015.. of ..2020) of 'onbekend'.",
    "dossier": "Dossiernummer, bijv. 33694 of 21501-02.",
    "topic": "Onderwerp zoals in de facetten, bijv. 'Internationaal'.",
    "doc_type": "Soort document zoals in de facetten, bijv. 'Motie'.",
    "sender": "Afzender zoals in de facetten.",
}
SEARCH_PARAMETERS = [
    _parameter("q", "Zoekvraag (zie /help); leeg = bladeren.", {"type": "string",
                                                                 "maxLength": 1000}),
    *[_parameter(name, _FILTER_DESCRIPTIONS[name] + " Herhaal voor meer waarden (OF).",
                 {"type": "string"}, multiple=True) for name in FILTER_ARGS],
    _parameter("sort", "Sortering; zonder zoekwoorden standaard 'date'.",
               {"type": "string", "enum": list(SORTS), "default": "relevance"}),
    _parameter("page", "Paginanummer.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                         "default": 1}),
    _parameter("per_page", "Resultaten per pagina.",
               {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10}),
    _parameter("explain", "1: vermeld per resultaat waarom het gevonden werd.",
               {"type": "integer", "enum": [0, 1], "default": 0}),
]


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_name}"}}}}


_ERRORS = {"400": _json("Error", "Ongeldige parameter."),
           "503": _json("Error", "De index is niet beschikbaar.")}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kamerzoek API", "version": "1",
                 "description": "Doorzoek Kamerbrieven en andere Kamerstukken."},
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Zoeken",
                "parameters": SEARCH_PARAMETERS,
                "responses": {"200": _json("SearchResponse", "Zoekresultaten."), **_ERRORS}}},
            "/api/facets": {"get": {
                "operationId": "facets", "summary": "Aantallen per facet",
                "parameters": [p for p in SEARCH_PARAMETERS
                               if p["name"] not in ("sort", "page", "per_page")],
                "responses": {"200": _json("FacetsResponse", "Aantallen."), **_ERRORS}}},
            "/api/letters/{id}": {"get": {
                "operationId": "letter", "summary": "Eén document",
                "parameters": [_parameter("id", "Kenmerk, bijv. kst-33694-45.",
                                          {"type": "string"}, where="path", required=True)],
                "responses": {"200": _json("Letter", "Het document."),
                              "404": _json("Error", "Onbekend document."), **_ERRORS}}},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "Deze beschrijving",
                "responses": {"200": {"description": "OpenAPI 3.1-document.",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
