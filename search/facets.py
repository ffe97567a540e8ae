"""Facet counts from per-document value tables.

Whoosh's grouped search reads column values document by document for every
query (and highlighting on grouped results is very slow). Instead the facet
values of every document are read once per opened index into plain lists,
and a query's counts are a Counter over its matching document numbers:
counts over all matches, never over a truncated page.
"""
from __future__ import annotations

from collections import Counter

from index.schema import FACET_FIELDS, MULTI_VALUED, UNKNOWN


class FacetTable:
    def __init__(self, reader):
        self.values: dict[str, list] = {}
        for name, fieldname in FACET_FIELDS.items():
            column = list(reader.column_reader(fieldname))
            if name in MULTI_VALUED:
                column = [tuple(_split(v)) for v in column]
            self.values[name] = column
        self.dates: list[str] = list(reader.column_reader("date"))

    def count(self, docnums, names, limit: int | None = None,
              unlimited: tuple[str, ...] = ()) -> dict[str, dict[str, int]]:
        """Counts per value, most frequent first, at most ``limit`` values
        per facet except for the facets named in ``unlimited``."""
        out = {}
        for name in names:
            column = self.values[name]
            if name in MULTI_VALUED:
                counts = Counter(v for d in docnums for v in column[d])
            else:
                counts = Counter(column[d] for d in docnums)
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            keep = None if name in unlimited else limit
            out[name] = dict(ordered[:keep] if keep else ordered)
        return out


def _split(value) -> list[str]:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in value] or [UNKNOWN]
    parts = [p.strip() for p in (value or "").split(",") if p.strip()]
    return parts or [UNKNOWN]
