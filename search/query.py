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
from index.analysis import PART_MARK, fold

from .synonyms import normalise

from .errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 60
# Scores: a letter named by its identifier beats everything; letters with all
# words beat letters with some.
ID_BOOST = 1000.0
ALL_WORDS_BOOST = 50.0
MAX_TIERED_WORDS = 6
PART_BOOST = 0.3       # a word found inside a compound counts for less
PARTS_TIER_BOOST = 2.0
PART_FIELDS = ("body", "title")
PROXIMITY_SLOP = 4
PROXIMITY_BOOST = 3.0
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
    # Several typed words that together form a synonym term ("kunstmatige
    # intelligentie"): all must match, in any order.
    all_words: bool = False


@dataclass
class ParsedQuery:
    groups: list[list[Clause]] = field(default_factory=list)  # AND of ORs
    excluded: list[Clause] = field(default_factory=list)
    field_filters: list[tuple[str, str, bool]] = field(default_factory=list)  # (facet, value, negated)
    identifiers: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)  # synonyms added

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
    """The scoring query, or None when the user gave no words (browse).

    Tiers, each far above the next: letters with every word as a word of its
    own; letters with every word, some only inside compounds; letters
    missing one word; letters with some of the words.
    """
    whole = [g for g in (_group_query(group, schema, parts=False) for group in parsed.groups) if g]
    groups = [g for g in (_group_query(group, schema) for group in parsed.groups) if g]
    tiers: list[Q.Query] = []
    near = _proximity_query(parsed, schema)
    if near is not None:
        tiers.append(near)
    if groups:
        tiers.append(_all(whole, boost=ALL_WORDS_BOOST))
        # Kept far below the whole-word tier, so that a word standing on its
        # own always outranks the same word inside a compound.
        tiers.append(_all(groups, boost=PARTS_TIER_BOOST))
        if 2 < len(groups) <= MAX_TIERED_WORDS:
            for skip in range(len(groups)):
                tiers.append(Q.And(groups[:skip] + groups[skip + 1:], boost=ALL_WORDS_BOOST / 10))
        if len(groups) > 1:
            # The more of the words a letter has, the higher.
            tiers.append(Q.Or(groups, scale=0.9))
    for kst in parsed.identifiers:
        tiers.append(Q.Term("id", kst, boost=ID_BOOST))
        tiers.append(Q.Term("references", kst, boost=2.0))
    if not tiers:
        return None
    return Q.Or(tiers) if len(tiers) > 1 else tiers[0]


def all_words_query(parsed: ParsedQuery, schema) -> Q.Query | None:
    """Letters with every word (inside compounds too)."""
    groups = [g for g in (_group_query(group, schema) for group in parsed.groups) if g]
    return _all(groups, boost=1.0) if groups else None


def _all(queries: list[Q.Query], boost: float) -> Q.Query:
    if len(queries) == 1:
        # Whoosh drops the boost of a one-member Or: boost the member itself.
        return queries[0].with_boost(queries[0].boost * boost)
    return Q.And(queries, boost=boost)


def expand_synonyms(parsed: ParsedQuery, synonyms) -> ParsedQuery:
    """Widen each term that has synonyms into an OR of the term and them.

    Consecutive typed words are matched as one term when they form one
    ("kunstmatige intelligentie"), longest first.
    """
    groups, i = [], 0
    while i < len(parsed.groups):
        for size in range(min(synonyms.longest, len(parsed.groups) - i), 0, -1):
            window = parsed.groups[i:i + size]
            if not all(len(g) == 1 and (size == 1 or not g[0].phrase) for g in window):
                continue
            words = " ".join(g[0].text for g in window)
            others = synonyms.lookup(normalise(words))
            if others:
                original = window[0][0] if size == 1 else Clause(words, all_words=True)
                groups.append([original] + [Clause(o, phrase=" " in o) for o in others])
                parsed.expansions.extend(o for o in others if o not in parsed.expansions)
                i += size
                break
        else:
            groups.append(parsed.groups[i])
            i += 1
    parsed.groups = groups
    return parsed


def exclusion_query(parsed: ParsedQuery, schema) -> Q.Query | None:
    # "-wapens" leaves out letters with the word, not those with "kernwapens".
    excluded = [q for q in (_clause_query(c, schema, parts=False) for c in parsed.excluded) if q]
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


def _group_query(group: list[Clause], schema, parts: bool = True) -> Q.Query | None:
    alternatives = [q for q in (_clause_query(c, schema, parts) for c in group) if q]
    if not alternatives:
        return None
    return Q.Or(alternatives) if len(alternatives) > 1 else alternatives[0]


def _clause_query(clause: Clause, schema, parts: bool = True) -> Q.Query | None:
    if not clause.phrase and clause.text.endswith("*"):
        return _prefix_query(clause.text.rstrip("*"))
    if clause.all_words:
        words = [q for q in (_clause_query(Clause(w), schema, parts) for w in clause.text.split())
                 if q]
        return Q.And(words) if words else None
    per_field = []
    for fieldname in SEARCH_FIELDS:
        words = _analyse(schema, fieldname, clause.text)
        if len(words) == 1:
            per_field.append(Q.Term(fieldname, words[0]))
            if parts and not clause.phrase and fieldname in PART_FIELDS:
                # The word as part of a compound: found, but ranked lower.
                per_field.append(Q.Term(fieldname, PART_MARK + words[0], boost=PART_BOOST))
        elif words and fieldname != "dossier_title":
            per_field.append(Q.Phrase(fieldname, words))
    if not clause.phrase and re.fullmatch(r"\d{5}", clause.text):
        per_field.append(Q.Term("dossier", clause.text))
    if not per_field:
        return None
    return Q.Or(per_field)


def _proximity_query(parsed: ParsedQuery, schema) -> Q.Query | None:
    """Letters where the typed words stand close together rank higher."""
    plain = [g[0] for g in parsed.groups if len(g) == 1 and not g[0].phrase
             and not g[0].text.endswith("*")]
    if len(plain) < 2 or len(plain) != len(parsed.groups):
        return None
    words = _analyse(schema, "body", " ".join(c.text for c in plain))
    if len(words) < 2:
        return None
    return Q.Phrase("body", words, slop=PROXIMITY_SLOP, boost=PROXIMITY_BOOST)


def _prefix_query(prefix: str) -> Q.Query:
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
