"""Plain dataclasses between the search API and its presenters (CLI, web).

`to_dict()` gives the JSON shape shared by `kamerzoek search --json` and the
web API.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

SORTS = ("relevance", "date", "date_asc")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    # Facet name ("year", "dossier", "topic", "doc_type", "sender", ...) ->
    # the values to keep; several values of one facet mean "any of these".
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    snippets: bool = True
    facets: bool = True
    explain: bool = False  # say per hit which terms matched where, and how much


@dataclass
class Hit:
    id: str
    kamerstuk: str | None
    title: str | None
    date: str | None
    year: int | None
    dossier: str | None
    doc_type: str | None
    sender: str | None
    topics: list[str]
    topic_source: str | None  # "metadata", "sidecar"; inferred: "dossier", "model"
    source: str
    score: float | None  # None when sorted by date
    snippets: list[str]  # HTML: escaped text with <mark> around matches
    explanation: list[dict] | None = None  # only when asked for (explain=True)

    def to_dict(self) -> dict:
        data = asdict(self)
        if data["explanation"] is None:
            del data["explanation"]
        return data


@dataclass
class SearchResponse:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    # Facets cut to their most frequent values -> how many distinct values
    # they have: {"dossier": 1234}. A facet shown whole is left out.
    facets_truncated: dict[str, int] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    # "Bedoelde u ...?": a corrected query, offered when few letters match.
    suggestion: str | None = None
    # "Ook gezocht op ...": synonyms and abbreviations the query was widened with.
    expansions: list[str] = field(default_factory=list)
    # Readable names beside facet values, per facet: {"dossier": {"33694":
    # "Internationale Veiligheidsstrategie"}}; a value without one is left out.
    facet_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": self.took_ms,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": self.facets,
            "facets_truncated": self.facets_truncated,
            # As applied: a sender given with initials is named as the
            # facets name it (search.query.canonical_filter_value).
            "filters": self.filters,
            "sort": self.sort,
            "suggestion": self.suggestion,
            "expansions": self.expansions,
            "facet_labels": self.facet_labels,
        }
