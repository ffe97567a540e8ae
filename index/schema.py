"""The index schema: which letter fields are searched, faceted and stored."""
from __future__ import annotations

import json

from whoosh import columns
from whoosh.analysis import RegexTokenizer, StripFilter
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from corpus.letter import Letter

from .analysis import dutch_analyzer, plain_analyzer

# Bump when fields change; an index with another revision must be rebuilt.
SCHEMA_REVISION = 4
UNKNOWN = "onbekend"  # facet value for a field the letter does not state

# Facet name -> index field. The web and CLI name facets by the keys.
FACET_FIELDS = {
    "year": "year",
    "dossier": "dossier",
    "topic": "topic",
    "doc_type": "doc_type",
    "sender": "sender",
    "ministry": "ministry",
    "vergaderjaar": "vergaderjaar",
    "chamber": "chamber",
}
# Facets with several values per letter -> the separator of their column
# value. Senders are joined with ";": an office may hold a comma.
MULTI_VALUED = {"topic": ",", "sender": ";"}


def facet_field(sortable: bool = True) -> ID:
    return ID(stored=False, sortable=sortable)


def make_schema(splitter=None) -> Schema:
    """The schema; `splitter` (a CompoundSplitter learned from the letters
    being indexed) is pickled into it, so every later update of the index
    splits compounds the same way."""
    dutch = dutch_analyzer(splitter)
    return Schema(
        id=ID(stored=True, unique=True),
        source=ID(stored=True),
        digest=STORED(),
        record=STORED(),  # the Letter minus its body, as JSON
        body=TEXT(analyzer=dutch, stored=True, phrase=True),
        title=TEXT(analyzer=dutch, stored=False, phrase=True, field_boost=3.0),
        dossier_title=TEXT(analyzer=dutch, stored=False, field_boost=1.5),
        # Filters typed as words ("afzender:buitenlandse", "soort:brief").
        sender_text=TEXT(analyzer=plain_analyzer(), stored=False),
        topic_text=TEXT(analyzer=plain_analyzer(), stored=False),
        doc_type_text=TEXT(analyzer=plain_analyzer(), stored=False),
        # Not a facet: one value per letter, so every count would be 1. A
        # filter (kamerstuk:33694-45) and a sort key instead.
        kamerstuk=ID(stored=False, sortable=True),
        references=KEYWORD(commas=True, stored=False),
        date=ID(sortable=True),  # ISO date; "" when unknown, sorts last
        year=facet_field(),
        dossier=facet_field(),
        vergaderjaar=facet_field(),
        doc_type=facet_field(),
        sender=KEYWORD(analyzer=RegexTokenizer(r"[^;]+") | StripFilter(), scorable=False,
                       sortable=columns.VarBytesListColumn()),
        ministry=facet_field(),
        chamber=facet_field(),
        # Several themes per letter: a list column lets facets count each.
        topic=KEYWORD(commas=True, lowercase=False, scorable=False,
                      sortable=columns.VarBytesListColumn()),
    )


def to_document(letter: Letter, digest: str) -> dict:
    """The fields Whoosh stores and indexes for one letter."""
    record = letter.to_dict()
    del record["body"]
    return {
        "id": letter.id,
        "source": letter.source,
        "digest": digest,
        "record": json.dumps(record, ensure_ascii=False),
        "body": letter.body,
        "title": letter.title or "",
        "dossier_title": letter.dossier_title or "",
        "sender_text": " ".join(filter(None, [letter.sender, letter.ministry])),
        "topic_text": " ".join(letter.topics),
        "doc_type_text": letter.doc_type or "",
        "kamerstuk": letter.kamerstuk or "",
        "references": ",".join(letter.references),
        "date": letter.date or "",
        "year": str(letter.year) if letter.year else UNKNOWN,
        "dossier": letter.dossier or UNKNOWN,
        "vergaderjaar": letter.vergaderjaar or UNKNOWN,
        "doc_type": letter.doc_type or UNKNOWN,
        "sender": ";".join(letter.sender_names()) or UNKNOWN,
        "ministry": letter.ministry or UNKNOWN,
        "chamber": letter.chamber or UNKNOWN,
        "topic": ",".join(letter.topics) or UNKNOWN,
    }


def letter_from_stored(stored: dict) -> Letter:
    record = record_from_stored(stored)
    record["body"] = stored.get("body", "")
    return Letter.from_dict(record)


def record_from_stored(stored: dict) -> dict:
    """The letter's record as stored (Letter.to_dict() without its text):
    for a page of hits, which shows a few of its fields, without building
    a Letter of them."""
    return json.loads(stored["record"])
