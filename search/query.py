"""The query language: user text -> a parsed query -> a Whoosh query.

Words must all match for the top results; documents matching only some of
them follow, so a long query never comes back empty. Supported:
``"phrases"``, ``-exclusion``, ``OF``/``OR`` between alternatives, ``prefix*``,
Dutch field filters (``jaar:2019``, ``jaar:2015..2020``, ``dossier:33694``,
``onderwerp:zorg``, ``afzender:...``, ``soort:motie``, ``vergaderjaar:...``,
``kamer:eerste``, ``titel:...``), and Kamerstuk identifiers in any usual form
(``kst-33694-45``, ``33 694, nr. 45``, ``33694-45``), which put that letter
first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as Q

from corpus.kamerstuk import normalise_dossier, parse_identifier
from corpus.koop_metadata import normalise_vergaderjaar

from .errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 60
# Scores: a letter named by its identifier beats everything; letters with all
# words beat letters with some.
ID_BOOST = 1000.0
ALL_WORDS_BOOST = 50.0
MAX_TIERED_WORDS = 6
SEARCH_FIELDS = ("body", "title", "dossier_title")

# field:value names users can type -> what they filter.
FIELD_ALIASES = {
    "jaar": "year", "year": "year",
    "dossier": "dossier",
    "onderwerp": "topic", "topic": "topic", "thema": "topic",
    "afzender": "sender", "sender": "sender", "ministerie": "sender", "indiener": "sender",
    "soort": "doc_type", "type": "doc_type",
    "vergaderjaar": "vergaderjaar",
    "kamer": "chamber",
    "titel": "title", "title": "title",
}

_IDENTIFIER_RE = re.compile(
    r"\bkst-\d+(?:-[A-Za-z0-9]+)*-\d+\b"
    r"|(?:\bkamerstuk(?:ken)?\s+)?\b\d{2}\s?\d{3}(?:[- ](?:[IVXL]{1,5}|[A-Z]|\d{1,3}))?,?\s*nr\.?\s*\d{1,4}\b"
    r"|(?<![\w-])\d{5}-\d{1,4}(?![\w-])",
    re.IGNORECASE)
_TOKEN_RE = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
_OR_WORDS = {"OR", "OF", "|"}


@dataclass
class Clause:
    text: str
    phrase: bool = False


@dataclass
class ParsedQuery:
    groups: list[list[Clause]] = field(default_factory=list)  # AND of ORs
    excluded: list[Clause] = field(default_factory=list)
    field_filters: list[tuple[str, str, bool]] = field(default_factory=list)  # (facet, value, negated)
    identifiers: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.identifiers


def parse_query(text: str) -> ParsedQuery:
    text = _clean(text)
    parsed = ParsedQuery()
    for match in _IDENTIFIER_RE.finditer(text):
        kst = parse_identifier(match.group(0))
        if kst and kst not in parsed.identifiers:
            parsed.identifiers.append(kst)
    text = _IDENTIFIER_RE.sub(" ", text)

    join_next = False
    for match in _TOKEN_RE.finditer(text):
        negated, fieldname = bool(match.group("neg")), match.group("field")
        phrase, word = match.group("phrase"), match.group("word")
        value = phrase if phrase is not None else word
        if fieldname is None and word in _OR_WORDS:
            join_next = bool(parsed.groups)
            continue
        value = value.strip("()[]{}")
        if not value:
            continue
        if fieldname:
            parsed.field_filters.append((_facet_for(fieldname), value, negated))
            continue
        clause = Clause(value, phrase=phrase is not None)
        if negated:
            parsed.excluded.append(clause)
        elif join_next:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
        join_next = False
    if sum(len(g) for g in parsed.groups) + len(parsed.excluded) > MAX_CLAUSES:
        raise QueryError(f"De zoekvraag heeft te veel woorden (maximaal {MAX_CLAUSES}).")
    return parsed


def build_query(parsed: ParsedQuery, schema) -> Q.Query | None:
    """The scoring query, or None when the user gave no words (browse)."""
    groups = [g for g in (_group_query(group, schema) for group in parsed.groups) if g]
    parts: list[Q.Query] = []
    if groups:
        parts.append(Q.And(groups, boost=ALL_WORDS_BOOST) if len(groups) > 1 else groups[0])
        if 2 < len(groups) <= MAX_TIERED_WORDS:
            # Letters missing just one word come next.
            for skip in range(len(groups)):
                parts.append(Q.And(groups[:skip] + groups[skip + 1:],
                                   boost=ALL_WORDS_BOOST / 10))
        if len(groups) > 1:
            # Then the rest: the more of the words a letter has, the higher.
            parts.append(Q.Or(groups, scale=0.9))
    for kst in parsed.identifiers:
        parts.append(Q.Term("id", kst, boost=ID_BOOST))
        parts.append(Q.Term("references", kst, boost=2.0))
    if not parts:
        return None
    return Q.Or(parts) if len(parts) > 1 else parts[0]


def exclusion_query(parsed: ParsedQuery, schema) -> Q.Query | None:
    excluded = [q for q in (_clause_query(c, schema) for c in parsed.excluded) if q]
    return Q.Or(excluded) if excluded else None


def filter_query(facet: str, value: str, schema) -> Q.Query:
    """One filter (`jaar:2019`, or a facet value clicked in the interface)."""
    value = value.strip()
    if facet == "year":
        return _year_filter(value)
    if facet == "dossier":
        dossier = normalise_dossier(value) or value
        return Q.Or([Q.Term("dossier", dossier), Q.Prefix("dossier", dossier + "-")])
    if facet == "vergaderjaar":
        return Q.Term("vergaderjaar", normalise_vergaderjaar(value) or value)
    if facet == "chamber":
        lowered = value.lower()
        for name in ("Tweede Kamer", "Eerste Kamer"):
            if lowered in (name.lower(), name.split()[0].lower()):
                return Q.Term("chamber", name)
        return Q.Term("chamber", value)
    text_field = {"topic": "topic_text", "sender": "sender_text",
                  "doc_type": "doc_type_text", "title": "title"}[facet]
    words = _analyse(schema, text_field, value)
    if not words:
        raise QueryError(f"Filter '{facet}:{value}' bevat geen zoekbare woorden.")
    return Q.Phrase(text_field, words) if len(words) > 1 else Q.Term(text_field, words[0])


def facet_value_filter(facet: str, value: str) -> Q.Query:
    """Exact facet value, as shown in the facet lists ("onbekend" included)."""
    if facet == "year" and ".." in value:
        return _year_filter(value)
    if facet == "dossier" and value != "onbekend":
        return filter_query("dossier", value, None)
    return Q.Term(facet, value)


def _group_query(group: list[Clause], schema) -> Q.Query | None:
    alternatives = [q for q in (_clause_query(c, schema) for c in group) if q]
    if not alternatives:
        return None
    return Q.Or(alternatives) if len(alternatives) > 1 else alternatives[0]


def _clause_query(clause: Clause, schema) -> Q.Query | None:
    if not clause.phrase and clause.text.endswith("*"):
        return _prefix_query(clause.text.rstrip("*"))
    per_field = []
    for fieldname in SEARCH_FIELDS:
        words = _analyse(schema, fieldname, clause.text)
        if len(words) == 1:
            per_field.append(Q.Term(fieldname, words[0]))
        elif words and fieldname != "dossier_title":
            per_field.append(Q.Phrase(fieldname, words))
    if not clause.phrase and re.fullmatch(r"\d{5}", clause.text):
        per_field.append(Q.Term("dossier", clause.text))
    if not per_field:
        return None
    return Q.Or(per_field)


def _prefix_query(prefix: str) -> Q.Query:
    from index.analysis import fold
    prefix = fold(prefix.lower())
    if len(prefix) < 3 or not prefix.isalnum():
        raise QueryError("Een zoekwoord met * heeft minstens drie letters ervoor nodig, "
                         "zoals 'wapen*'.")
    return Q.Or([Q.Prefix("body", prefix), Q.Prefix("title", prefix)])


def _year_filter(value: str) -> Q.Query:
    if value == "onbekend":
        return Q.Term("year", value)
    match = re.fullmatch(r"(\d{4})?\s*\.\.\s*(\d{4})?", value)
    if match and (match.group(1) or match.group(2)):
        start, end = match.group(1), match.group(2)
        if start and end and start > end:
            raise QueryError(f"Jaarbereik '{value}' loopt achteruit; bedoelt u {end}..{start}?",
                             "jaar")
        return Q.TermRange("year", start or "1000", end or "9999")
    if re.fullmatch(r"\d{4}", value):
        return Q.Term("year", value)
    raise QueryError(f"'{value}' is geen jaar: gebruik bijvoorbeeld jaar:2019 of "
                     f"jaar:2015..2020.", "jaar")


def _facet_for(fieldname: str) -> str:
    facet = FIELD_ALIASES.get(fieldname.lower())
    if facet is None:
        known = ", ".join(sorted({k for k in FIELD_ALIASES if not k.isascii() or k in (
            "jaar", "dossier", "onderwerp", "afzender", "soort", "vergaderjaar", "kamer", "titel")}))
        raise QueryError(f"Onbekend veld '{fieldname}:'. Bekende velden: {known}.")
    return facet


def _analyse(schema, fieldname: str, text: str) -> list[str]:
    analyzer = schema[fieldname].analyzer
    return [t.text for t in analyzer(text, mode="query")]


def _clean(text: str) -> str:
    text = "".join(c if c.isprintable() else " " for c in text or "")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"De zoekvraag is te lang ({len(text)} tekens; maximaal "
                         f"{MAX_QUERY_CHARS}).")
    return text.strip()
