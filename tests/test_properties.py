"""Property-based tests (hypothesis) of the query parser, the analyzer,
highlighting and whole searches on a small real index: any input either
works or is refused with the product's own QueryError (SearchError for a
search); tokens have sane offsets; snippets never carry live markup."""
from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from index.analysis import dutch_analyzer
from index.schema import make_schema
from search import SearchRequest, Searcher
from search.errors import QueryError, SearchError
from search.query import (build_query, exclusion_query, expand_synonyms, filter_query,
                          parse_query)
from search.snippets import opening, snippets
from search.synonyms import load_synonyms

SCHEMA = make_schema()
ANALYZER = dutch_analyzer()
SYNONYMS = load_synonyms(None)
PROFILE = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])

# Query-language pieces, so random strings hit the interesting paths often.
PIECES = st.sampled_from([
    '"', "(", ")", "[", "]", "{", "}", "*", "-", ":", "|", " OR ", " OF ", "jaar:", "jaar:2019",
    "jaar:2015..2020", "jaar:abc", "dossier:", "dossier:33694", "onderwerp:", "afzender:",
    "soort:", "kamer:eerste", "vergaderjaar:2019-2020", "titel:", "onbekend:", "kst-33694-45",
    "33 694, nr. 45", "ver*", "wapen*", "a*", "\x00", "\u202e", "é", "ë", "€", " ", "  ",
    "de", "het", "autonome", "wapens", "kunstmatige intelligentie", "<script>", "&amp;",
])
QUERIES = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map("".join),
)


@PROFILE
@given(QUERIES)
def test_any_query_parses_or_raises_query_error(text):
    try:
        parsed = expand_synonyms(parse_query(text), SYNONYMS)
        build_query(parsed, SCHEMA)
        exclusion_query(parsed, SCHEMA)
        for facet, value, _ in parsed.field_filters:
            filter_query(facet, value, SCHEMA)
    except QueryError as exc:
        assert str(exc)  # a message for the user


TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(PIECES, st.text(max_size=10), st.sampled_from(
        ["Noord-Holland", "kst-33694-45", "21501-21", "2019Z01633", "kernwapens", "\n", "\t",
         "ﬁnanciën", "İstanbul", "ß", "\u0301", "Å"])), max_size=40).map(" ".join),
)


@PROFILE
@given(TEXTS)
def test_the_analyzer_never_raises_and_offsets_point_into_the_text(text):
    for mode in ("index", "query"):
        for token in ANALYZER(text, mode=mode, positions=True, chars=True):
            assert token.text
            assert 0 <= token.startchar <= token.endchar <= len(text)
    previous = -1
    for token in ANALYZER(text, mode="index", positions=True, chars=True):
        assert token.pos >= previous
        previous = token.pos


MARKUP = st.lists(st.one_of(
    st.sampled_from(["<", ">", "&", '"', "'", "<script>", "</mark>", "<mark>", "&lt;",
                     "<b onclick=\"x\">", "zorg", "wapens", "autonome", "Zorg<", "&zorg;"]),
    st.text(max_size=12)), min_size=1, max_size=60).map(" ".join)
_TAG = re.compile(r"</?mark>")


def assert_safe(fragment: str):
    """Only <mark> and </mark> are markup; every other <, >, " and ' is
    escaped, and every & starts an entity."""
    rest = _TAG.sub("", fragment)
    assert "<" not in rest and ">" not in rest and '"' not in rest and "'" not in rest
    assert not re.search(r"&(?!(?:[a-z]+|#\d+|#x[0-9a-f]+);)", rest, re.I), rest
    # And unescaping what is left gives back text, not more markup.
    assert html.unescape(rest).count("<") == rest.count("&lt;") + rest.count("&#60;")


BODY_ANALYZER = SCHEMA["body"].analyzer


@PROFILE
@given(MARKUP, st.lists(st.sampled_from(["zorg", "wapen", "autonom", "script", "mark", "b",
                                         "lt", "amp"]), min_size=1, max_size=3))
def test_snippets_never_emit_markup_from_the_letter_text(text, terms):
    for fragment in snippets(text, frozenset(terms), BODY_ANALYZER, top=3):
        assert_safe(fragment)
    assert_safe(opening(text))


@PROFILE
@given(MARKUP)
def test_query_words_in_snippets_are_escaped_too(query):
    """The query's own words (markup included) as the terms to mark, in a
    letter made of the query: still only <mark> comes out."""
    terms = frozenset(t.text for t in ANALYZER(query, mode="query"))
    for fragment in snippets(query + " " + query, terms, BODY_ANALYZER, top=3):
        assert_safe(fragment)


@pytest.fixture(scope="module")
def small_searcher(tmp_path_factory, corpus):
    """A real index of 30 real letters: the two modern ones and 28 moties."""
    from index.builder import build_index

    target = tmp_path_factory.mktemp("properties") / "ix"
    letters = [corpus / "letters", *sorted((corpus / "kst-xml").glob("*.xml"))[:28]]
    report = build_index(letters, target, procs=1)
    assert report.letters == 30 and not report.failed
    with Searcher(target) as searcher:
        yield searcher


FILTER_VALUES = st.one_of(st.sampled_from(
    ["2019", "2015..2020", "2020..2015", "..2019", "onbekend", "abc", "33694", "21501-20",
     "Internationaal", "Motie", "", " ", "*", "\x00"]), st.text(max_size=12))
REQUESTS = st.builds(
    SearchRequest, query=QUERIES,
    filters=st.one_of(st.just({}), st.dictionaries(
        st.sampled_from(["year", "dossier", "topic", "doc_type", "sender"]),
        st.lists(FILTER_VALUES, max_size=3).map(tuple), max_size=2)),
    # Mostly valid, so that most examples go all the way through a search.
    sort=st.sampled_from(["relevance", "relevance", "date", "date_asc", "upside"]),
    page=st.sampled_from([1, 1, 1, 2, 3, 0, -1]), per_page=st.sampled_from([10, 3, 20, 0]),
    explain=st.booleans())


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(REQUESTS)
def test_any_search_answers_or_raises_search_error(small_searcher, search):
    """Through the whole search (ranking, facets, snippets, suggestions,
    explanations), not only the parser: an answer or the product's own
    SearchError, never anything else."""
    try:
        response = small_searcher.search(search)
    except SearchError as exc:
        event("refused")
        assert str(exc)
        return
    event("answered" if response.total else "answered, nothing found")
    assert len(response.hits) <= min(search.per_page, response.total)
    for hit in response.hits:
        for fragment in hit.snippets:
            assert_safe(fragment)
