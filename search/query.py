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

import copy

import heapq
import itertools
import re
import weakref
from dataclasses import dataclass, field

from whoosh import query as Q
from whoosh.matching import ListMatcher, NullMatcher

from corpus.kamerstuk import normalise_dossier, parse_identifier
from corpus.letter import person_name
from corpus.koop_metadata import normalise_vergaderjaar
from index.analysis import PART_MARK, DutchAnalyzer, fold

from .synonyms import normalise

from .errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 60
MAX_PREFIXES = 4
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
TITLE_SLOP = 1
TITLE_PHRASE_BOOST = 6.0
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
    "kamerstuk": "kamerstuk",
}

_IDENTIFIER_RE = re.compile(
    r"\bkst-\d+(?:-[A-Za-z0-9]+)*-\d+\b"
    r"|(?:\bkamerstuk(?:ken)?\s+)?\b\d{2}\s?\d{3}(?:[- ](?:[IVXL]{1,5}|[A-Z]|\d{1,3}))?,?\s*nr\.?\s*\d{1,4}\b"
    # Not after "dossier:": there "21501-20" is a sub-dossier, not a letter.
    r"|(?<![\w:-])\d{5}-\d{1,4}(?![\w-])",
    re.IGNORECASE)
# Read before identifiers are taken out of the query: the value of
# "kamerstuk:" is one, in any notation ("kamerstuk:\"33 694, nr. 45\"").
_KAMERSTUK_FILTER_RE = re.compile(r'(?<![\w-])(?P<neg>-)?kamerstuk:(?:"(?P<phrase>[^"]*)"?|(?P<word>\S+))',
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
    for match in _KAMERSTUK_FILTER_RE.finditer(text):
        value = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        parsed.field_filters.append(("kamerstuk", value, bool(match.group("neg"))))
    text = _KAMERSTUK_FILTER_RE.sub(" ", text)
    for match in _IDENTIFIER_RE.finditer(text):
        kst = parse_identifier(match.group(0))
        if kst and kst not in parsed.identifiers:
            parsed.identifiers.append(kst)
    text = _IDENTIFIER_RE.sub(" ", text)

    join_next, previous = False, ""
    for match in _TOKEN_RE.finditer(text):
        negated, fieldname = bool(match.group("neg")), match.group("field")
        phrase, word = match.group("phrase"), match.group("word")
        if negated and _continues_hyphenation(previous):
            # "IT- en cyberspecialisten en -reservisten": Dutch writes a
            # shared part with a hyphen; after "en"/"of" or a word ending in
            # one, "-reservisten" is a word, not an exclusion.
            negated = False
        previous = match.group(0)
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
    # The same word typed many times ("zorg zorg zorg ...") asks nothing more
    # than once, yet made a query of dozens of identical clauses that ran
    # into the time limit: each distinct group is kept once.
    seen: set = set()
    parsed.groups = [g for g in parsed.groups
                     if not (_group_key(g) in seen or seen.add(_group_key(g)))]
    clauses = [c for g in parsed.groups for c in g] + parsed.excluded
    prefixes = {_clause_key(c) for c in clauses if not c.phrase and c.text.endswith("*")}
    if len(prefixes) > MAX_PREFIXES:
        # Each prefix reads the postings of up to MAX_PREFIX_TERMS terms before
        # the search's time limit can stop anything: a few per query at most.
        raise QueryError(f"De zoekvraag heeft te veel woorden met * (maximaal {MAX_PREFIXES}).")
    return parsed


def _continues_hyphenation(previous: str) -> bool:
    return previous.endswith("-") or previous.lower() in ("en", "of", "en/of")


def _clause_key(clause: Clause):
    return (fold(clause.text.lower()), clause.phrase, clause.all_words)


def _group_key(group: list[Clause]):
    return tuple(_clause_key(c) for c in group)


def build_query(parsed: ParsedQuery, schema, found=None,
                proximity: bool = True) -> Q.Query | None:
    """The scoring query, or None when the user gave no words (browse).
    `found` as for ranking_tiers: words that occur nowhere leave the
    words-close-together bonus; `proximity=False` leaves the bonus out.

    Tiers, each far above the next: letters with every word as a word of its
    own; letters with every word, some only inside compounds; letters
    missing one word; letters with some of the words.
    """
    whole = [g for g in (_group_query(group, schema, parts=False) for group in parsed.groups) if g]
    groups = [g for g in (_group_query(group, schema) for group in parsed.groups) if g]
    tiers: list[Q.Query] = []
    near = _proximity_query(parsed, schema, found) if proximity else None
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
    # A query of stopwords only ("de het een van") has groups but no
    # searchable words: the searcher then ran a None query (HTTP 500). No
    # words to require means no letter has "all of them".
    return _all(groups, boost=1.0) if groups else Q.NullQuery


def _all(queries: list[Q.Query], boost: float) -> Q.Query:
    if len(queries) == 1:
        # Whoosh drops the boost of a one-member Or: boost the member itself
        # (a shallow copy: Whoosh's with_boost copies the whole tree).
        if boost == 1.0:
            return queries[0]
        boosted = copy.copy(queries[0])
        boosted.boost = queries[0].boost * boost
        return boosted
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
    if facet == "kamerstuk":
        kst = parse_identifier(value)
        if kst is None:
            raise QueryError(f"'{value}' is geen Kamerstuknummer: gebruik bijvoorbeeld "
                             f"kamerstuk:33694-45 of kamerstuk:\"33 694, nr. 45\".")
        return Q.Term("kamerstuk", kst)
    if facet == "chamber":
        lowered = value.lower()
        for name in ("Tweede Kamer", "Eerste Kamer"):
            if lowered in (name.lower(), name.split()[0].lower()):
                return Q.Term("chamber", name)
        return Q.Term("chamber", value)
    text_field = _TEXT_FIELDS[facet]
    words = _analyse(schema, text_field, value)
    if not words:
        raise QueryError(f"Filter '{facet}:{value}' bevat geen zoekbare woorden.")
    return Q.Phrase(text_field, words) if len(words) > 1 else Q.Term(text_field, words[0])


_TEXT_FIELDS = {"topic": "topic_text", "sender": "sender_text", "doc_type": "doc_type_text",
                "title": "title"}


def facet_values_meant(facet: str, typed: str, searcher) -> list[str]:
    """The values of a facet that a filter typed by hand means (the CLI's
    --topic, --type, --sender): a value equal to it in any case, else every
    value holding its words as `onderwerp:`, `soort:` and `afzender:` match
    them (case and diacritics ignored). "motie" -> ["Motie"]; "zorg" ->
    ["Zorg en gezondheid"]. [] when nothing fits."""
    schema = searcher.schema
    values = facet_values(facet, searcher)
    typed = canonical_filter_value(facet, typed.strip())
    wanted = fold(typed.lower())
    exact = [v for v in values if fold(v.lower()) == wanted]
    if exact:
        return exact
    words = _analyse(schema, _TEXT_FIELDS[facet], typed)
    if not words:
        raise QueryError(f"Filter '{typed}' bevat geen zoekbare woorden.", facet)
    return [v for v in values if _holds(_analyse(schema, _TEXT_FIELDS[facet], v), words)]


def facet_values(facet: str, searcher) -> list[str]:
    """Every value of a facet in the index, sorted."""
    return [v for v in searcher.reader().field_terms(facet) if v]


def _holds(words: list[str], phrase: list[str]) -> bool:
    return any(words[i:i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def facet_value_filter(facet: str, value: str) -> Q.Query:
    """Exact facet value, as shown in the facet lists ("onbekend" included)."""
    if facet == "year" and ".." in value:
        return _year_filter(value)
    if facet == "dossier" and value != "onbekend":
        return filter_query("dossier", value, None)
    return Q.Term(facet, value)


def canonical_filter_value(facet: str, value: str) -> str:
    """A filter value as the facet lists it: a sender without initials
    ("D.G.M. Ceder" -> "Ceder"), as links made before the facet dropped
    them, and people typing a name, give it."""
    return person_name(value) if facet == "sender" else value


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


def _proximity_query(parsed: ParsedQuery, schema, found=None) -> Q.Query | None:
    """Letters where the typed words stand close together rank higher.

    `found(query)`, when given, says whether a word occurs in any letter: a
    word that occurs nowhere (a typo, most often) is left out of the phrase,
    its place kept open by one more word of slop, so "het uispreken van
    steun voor Israël" still finds "steun voor Israël" in a title.
    """
    plain = [g[0] for g in parsed.groups if len(g) == 1 and not g[0].phrase
             and not g[0].text.endswith("*")]
    if len(plain) < 2 or len(plain) != len(parsed.groups):
        return None
    words, gaps = _phrase_words(plain, schema, found)
    if len(words) < 2:
        return None
    # The words in this order in the title: a subject typed from memory
    # finds its letter before the near-identical motions around it. A motion
    # repeats its title in its text, so words close together count once, as
    # the better of the two, not as title and text added up.
    return Q.DisjunctionMax([
        Q.Phrase("body", words, slop=PROXIMITY_SLOP + gaps, boost=PROXIMITY_BOOST),
        Q.Phrase("title", words, slop=TITLE_SLOP + gaps, boost=TITLE_PHRASE_BOOST)])


def _phrase_words(plain: list[Clause], schema, found=None) -> tuple[list[str], int]:
    """(the analysed words of the clauses that occur, how many words that do
    not occur stand between them)."""
    words: list[str] = []
    gaps = pending = 0
    for clause in plain:
        analysed = _analyse(schema, "body", clause.text)
        if not analysed:
            continue  # a stop word: it has no position in the index either
        if found is not None and not found(_clause_query(clause, schema)):
            pending += 1
            continue
        if words:
            gaps += pending
        pending = 0
        words.extend(analysed)
    return words, gaps


def _prefix_query(prefix: str) -> Q.Query:
    prefix = fold(prefix.lower())
    if len(prefix) < 3 or not prefix.isalnum():
        raise QueryError("Een zoekwoord met * heeft minstens drie letters ervoor nodig, "
                         "zoals 'wapen*'.")
    return Q.Or([BoundedPrefix("body", prefix), BoundedPrefix("title", prefix)])


# A short prefix such as "ver*" expands to hundreds of index terms. Whoosh
# ORs one matcher per term together, in pure Python: "ver*" over the corpus
# ran into the 5 s limit (holding the searcher's lock all that time). A
# prefix is matched instead from the union of its terms' postings, read once
# per index segment, with a constant score (Whoosh's own default for
# prefixes); the terms that match each letter are kept for the snippets.
# At most MAX_PREFIX_TERMS terms are used, the most frequent ones.
MAX_PREFIX_TERMS = 2000
_MARKED_TERMS = 8  # terms per letter remembered for highlighting


class BoundedPrefix(Q.Prefix):
    def _btexts(self, ixreader):
        return self._cached(ixreader, "terms", lambda: self._expand(ixreader))

    def _expand(self, ixreader):
        terms = list(itertools.islice(
            ixreader.expand_prefix(self.fieldname, self.text), MAX_PREFIX_TERMS + 1))
        if len(terms) > MAX_PREFIX_TERMS:
            terms = heapq.nlargest(
                MAX_PREFIX_TERMS, ixreader.expand_prefix(self.fieldname, self.text),
                key=lambda t: ixreader.doc_frequency(self.fieldname, t))
        return sorted(terms)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        ids, terms = self._cached(reader, "union", lambda: self._union(searcher))
        if not ids:
            return NullMatcher()
        return _PrefixMatcher(ids, terms, self.boost)

    def _union(self, searcher):
        by_doc: dict[int, list] = {}
        for btext in self._btexts(searcher.reader()):
            postings = searcher.postings(self.fieldname, btext)
            term = (self.fieldname, btext)
            for docnum in postings.all_ids():
                marked = by_doc.setdefault(docnum, [])
                if len(marked) < _MARKED_TERMS:
                    marked.append(term)
        return sorted(by_doc), by_doc

    def _cached(self, reader, kind, compute):
        # Asked several times per search (matching, scoring, highlighting)
        # and per segment: remembered per reader, and dropped with it.
        try:
            known = _EXPANSIONS.setdefault(reader, {})
        except TypeError:  # a reader that cannot be weakly referenced
            known = {}
        key = (kind, self.fieldname, self.text)
        if key not in known:
            known[key] = compute()
        return known[key]


_EXPANSIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _PrefixMatcher(ListMatcher):
    """The letters of a prefix, in order, each with the terms it matched."""

    def __init__(self, ids, terms, boost=1.0, position=0):
        super().__init__(ids, all_weights=boost, position=position)
        self._terms = terms
        self._boost = boost

    def copy(self):
        return _PrefixMatcher(self._ids, self._terms, self._boost, self._i)

    def supports_block_quality(self):
        return False

    def term_matchers(self):
        # Whoosh's TermsCollector asks each term matcher whether it matches
        # the current letter; a few slots stand in for the prefix's terms.
        for slot in range(_MARKED_TERMS):
            yield _TermSlot(self, slot)

    def matching_terms(self, id=None):
        if self.is_active() and (id is None or id == self.id()):
            yield from self._terms.get(self.id(), ())

    def _terms_here(self):
        return self._terms.get(self.id(), ()) if self.is_active() else ()


class _TermSlot:
    """One of the terms a prefix matched in the current letter, shown to the
    TermsCollector as if it were a term matcher."""

    def __init__(self, owner: _PrefixMatcher, slot: int):
        self.owner, self.slot = owner, slot

    def is_active(self):
        return self.slot < len(self.owner._terms_here())

    def id(self):
        return self.owner.id()

    def term(self):
        return self.owner._terms_here()[self.slot]


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
            "jaar", "dossier", "onderwerp", "afzender", "soort", "vergaderjaar", "kamer", "titel",
            "kamerstuk")}))
        raise QueryError(f"Onbekend veld '{fieldname}:'. Bekende velden: {known}.")
    return facet


def _analyse(schema, fieldname: str, text: str) -> list[str]:
    analyzer = schema[fieldname].analyzer
    if isinstance(analyzer, DutchAnalyzer):
        return analyzer.query_terms(text)
    return [t.text for t in analyzer(text, mode="query")]


def _clean(text: str) -> str:
    text = "".join(c if c.isprintable() else " " for c in text or "")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"De zoekvraag is te lang ({len(text)} tekens; maximaal "
                         f"{MAX_QUERY_CHARS}).")
    return text.strip()
