"""The search API on a real index (the modern letters and all KOOP XML)."""
import html
import re
from collections import Counter

import pytest

from corpus.files import read_letter
from index.analysis import dutch_analyzer
from search import QueryError, SearchRequest


def stems(text):
    return {t.text for t in dutch_analyzer()(text)}


def search(searcher, query="", **kwargs):
    return searcher.search(SearchRequest(query=query, **kwargs))


def test_stemmed_words_find_and_highlight_other_forms(searcher):
    response = search(searcher, "wapensysteem")
    hit = next(h for h in response.hits if h.id == "kst-33694-45")
    marked = " ".join(hit.snippets)
    assert "<mark>wapensystemen</mark>" in marked.lower()


def test_diacritics_do_not_matter(searcher):
    with_them = search(searcher, "technologieën", per_page=100)
    without = search(searcher, "technologieen", per_page=100)
    assert with_them.total == without.total
    assert [h.id for h in with_them.hits] == [h.id for h in without.hits]
    assert "kst-33694-45" in {h.id for h in with_them.hits}


def test_all_words_rank_above_some_words(searcher):
    response = search(searcher, "autonome wapens kwantumfysica", per_page=20)
    assert response.total > 1
    first = searcher.get(response.hits[0].id)
    body = first.body.lower()
    assert "autonom" in body and "wapen" in body


def test_identifier_in_any_form_puts_that_letter_first(searcher):
    for typed in ("kst-33694-45", "33 694, nr. 45", "33694-45", "Kamerstuk 33 694, nr. 45"):
        assert search(searcher, typed).hits[0].id == "kst-33694-45", typed


def test_phrase_and_exclusion(searcher):
    phrase = search(searcher, '"betekenisvolle menselijke controle"')
    assert "kst-33694-45" in {h.id for h in phrase.hits}
    for hit in phrase.hits:
        body = " ".join(searcher.get(hit.id).body.lower().split())
        assert "betekenisvolle menselijke controle" in body
    excluded = search(searcher, "drones -defensie", per_page=100)
    assert excluded.total
    for hit in excluded.hits:
        assert "defensie" not in stems(searcher.get(hit.id).body)


def test_or_widens(searcher):
    a = search(searcher, "stikstof").total
    b = search(searcher, "woningbouw").total
    both = search(searcher, "stikstof OF woningbouw").total
    assert max(a, b) < both <= a + b


def test_field_filters(searcher):
    response = search(searcher, "jaar:2024..2024 dossier:36600", per_page=100)
    assert response.total > 0
    for hit in response.hits:
        assert hit.year == 2024 and hit.dossier.startswith("36600")
    motions = search(searcher, "soort:motie zorg")
    assert motions.total and all(h.doc_type == "Motie" for h in motions.hits)


def test_kamerstuk_filter_keeps_that_letter_only(searcher):
    # The identifier typed alone also finds the letters citing it.
    assert search(searcher, "33694-45").total > 1
    for typed in ("kamerstuk:33694-45", 'kamerstuk:"33 694, nr. 45"', "Kamerstuk:kst-33694-45"):
        assert [h.id for h in search(searcher, typed).hits] == ["kst-33694-45"], typed
    without = search(searcher, "autonome wapens -kamerstuk:33694-45", per_page=100)
    assert without.total and "kst-33694-45" not in {h.id for h in without.hits}
    with searcher.reading() as version:
        assert version.searcher.reader().has_column("kamerstuk")


@pytest.mark.parametrize("query,parameter", [("jaar:abc", "jaar"), ("kleur:rood", "q"),
                                             ("kamerstuk:abc", "q"),
                                             ("*", "q"), ("a*", "q")])
def test_bad_queries_raise_the_products_error(searcher, query, parameter):
    with pytest.raises(QueryError) as caught:
        search(searcher, query)
    assert caught.value.parameter == parameter
    assert str(caught.value)


def test_year_facet_matches_an_independent_count(searcher, corpus):
    """Facet counts over all matches equal a count made straight from the
    files' `datum isodatum` (or DCTERMS.issued when the text has no date)."""
    expected = Counter()
    for path in (corpus / "kst-xml").glob("*.xml"):
        text = path.read_text(encoding="utf-8")
        found = (re.search(r'isodatum="(\d{4})', text)
                 or re.search(r'DCTERMS.issued"[^>]*content="(\d{4})', text))
        expected[found.group(1) if found else "onbekend"] += 1
    expected["2019"] += 1        # kst-33694-45.md
    expected["onbekend"] += 1    # the undated letter
    facets = search(searcher, "", per_page=1).facets["year"]
    assert {k: v for k, v in facets.items()} == {k: v for k, v in expected.items() if v}


def test_topic_facet_counts_each_value_of_multi_topic_letters(searcher, corpus):
    response = search(searcher, "grensspaarsaldo OR spaarrente", per_page=100)
    expected = Counter()
    for hit in response.hits:
        expected.update(hit.topics or ["onbekend"])
    assert response.facets["topic"] == dict(expected)


def test_sender_facet_counts_each_co_signer_once_with_or_without_initials(searcher, corpus):
    """A co-signed motie counts for every signer, and a member counts as one
    value whether the file names them with initials (KOOP's indieners, "D.G.M.
    Ceder") or without (a motie's heading or signature, "Ceder"): every
    letter of KOOP's indieners, counted straight from the files' embedded
    metadata, is in the member's count, and filtering with the initials
    finds what filtering without does."""
    indieners = Counter()
    for path in (corpus / "kst-xml").glob("*.xml"):
        text = path.read_text(encoding="utf-8")
        indieners.update(set(re.findall(r'name="OVERHEIDop.indiener"[^>]*content="([^"]+)"', text)))
    facet = searcher.facets(SearchRequest(query=""), names=("sender",))["sender"]
    for name, member in (("D.G.M. Ceder", "Ceder"), ("M.H. Bikker", "Bikker"),
                         ("C. Teunissen", "Teunissen")):
        assert indieners[name] > 20 and name not in facet
        with_initials = search(searcher, "", filters={"sender": (name,)}, per_page=100)
        without = search(searcher, "", filters={"sender": (member,)}, per_page=100)
        assert facet[member] == with_initials.total == without.total >= indieners[name]
        # The response names the filter as the facet lists it.
        assert with_initials.filters == {"sender": [member]}
        assert all(name in hit.sender or member in hit.sender for hit in without.hits)
    # Named both ways in the files: 31 and 71 letters in the shared corpus.
    assert facet["Ceder"] > indieners["D.G.M. Ceder"] + 30
    # Shown as the file gives it, counted per person.
    together = search(searcher, "", filters={"sender": ("Bikker",)}, per_page=100)
    assert "M.H. Bikker; D.G.M. Ceder" in {hit.sender for hit in together.hits}
    assert not any(";" in value for value in facet)
    assert not [value for value in facet if re.match(r"[A-Z][a-z]{0,2}\.", value)]


def test_sender_facet_splits_motie_headings_into_members(searcher):
    """Without KOOP's metadata a motie's sender comes from its heading or
    signature ("Ceder en Stoffer", "Ceder c.s."): each member is a value."""
    pages = [search(searcher, "", filters={"sender": ("Ceder",)}, per_page=100, page=page)
             for page in range(1, 6)]
    assert pages[0].total <= 500
    shown = {searcher.get(hit.id).sender for found in pages for hit in found.hits}
    assert {"Ceder", "Ceder c.s."} <= shown and any(" en " in s for s in shown)
    facet = searcher.facets(SearchRequest(query=""), names=("sender",))["sender"]
    assert "Ceder en Stoffer" not in facet and "Ceder c.s." not in facet
    assert facet["Stoffer"] >= 8


def test_facets_cover_all_matches_not_the_page(searcher):
    response = search(searcher, "zorg", per_page=5)
    assert response.total > 100
    assert sum(response.facets["doc_type"].values()) == response.total


def test_filtering_by_a_facet_value(searcher):
    response = search(searcher, "zorg", filters={"topic": ("Zorg en gezondheid",)})
    assert response.total and all("Zorg en gezondheid" in h.topics for h in response.hits)
    assert set(response.facets["topic"]) >= {"Zorg en gezondheid"}


def test_unknown_values_are_a_facet_of_their_own(searcher):
    response = search(searcher, "massavernietigingswapens")
    assert response.facets["year"].get("onbekend") == 1
    undated = search(searcher, "massavernietigingswapens", filters={"year": ("onbekend",)})
    assert [h.id for h in undated.hits][0].startswith("brief-opvolging-motie-koopmans")


def test_sort_by_date_and_pagination(searcher):
    newest = search(searcher, "zorg", sort="date", per_page=20)
    dates = [h.date for h in newest.hits]
    assert dates == sorted(dates, reverse=True)
    page2 = search(searcher, "zorg", sort="date", per_page=10, page=2)
    assert [h.id for h in page2.hits] == [h.id for h in newest.hits[10:]]
    oldest = search(searcher, "zorg", sort="date_asc", per_page=5)
    assert oldest.hits[0].date <= newest.hits[-1].date


def test_snippets_are_escaped_except_for_mark(searcher):
    for hit in search(searcher, "kunstmatige intelligentie", per_page=20).hits:
        for snippet in hit.snippets:
            without_marks = snippet.replace("<mark>", "").replace("</mark>", "")
            assert "<" not in without_marks and ">" not in without_marks
            assert html.unescape(without_marks)


def test_json_shape(searcher):
    data = search(searcher, "drones").to_dict()
    assert set(data) == {"query", "total", "page", "per_page", "took_ms", "hits", "facets",
                         "facets_truncated", "filters", "sort", "suggestion", "expansions",
                         "facet_labels"}
    assert set(data["hits"][0]) == {"id", "kamerstuk", "title", "date", "year", "dossier",
                                    "doc_type", "sender", "topics", "topic_source", "source", "score",
                                    "snippets"}
    assert set(data["facets"]) == {"year", "dossier", "topic", "doc_type", "sender"}
    assert set(data["facet_labels"]) <= {"dossier"}


def test_json_says_which_facets_were_cut_and_how_long_they_are(searcher):
    data = search(searcher, "").to_dict()
    everything = searcher.facets(SearchRequest(query=""), names=("dossier", "sender", "doc_type"))
    # Thousands of dossiers and senders; one doc_type (every motie): shown whole.
    assert data["facets_truncated"] == {"dossier": len(everything["dossier"]),
                                        "sender": len(everything["sender"])}
    assert len(data["facets"]["dossier"]) == 30 < data["facets_truncated"]["dossier"]
    assert data["facets"]["doc_type"] == everything["doc_type"]
    assert search(searcher, "grensspaarsaldo").to_dict()["facets_truncated"] == {}


def test_show_returns_what_the_reader_read(searcher, corpus):
    path = corpus / "letters" / "kst-33694-45.md"
    assert searcher.get("kst-33694-45") == read_letter(path.resolve()).with_changes(
        topics=searcher.get("kst-33694-45").topics,
        topic_source=searcher.get("kst-33694-45").topic_source)


def test_cited_by(searcher):
    citing = searcher.cited_by("kst-33694-45")
    assert any(letter.id.startswith("brief-opvolging-motie-koopmans") for letter in citing)


def test_related_letters_share_the_subject(searcher):
    related = searcher.related("kst-33694-45", limit=5)
    assert len(related) == 5 and "kst-33694-45" not in {r.id for r in related}
    assert any("wapen" in (r.body + (r.title or "")).lower() for r in related)


def test_search_works_from_worker_threads(searcher):
    """Web servers answer in threads: no part of a search may need the main
    thread (Whoosh's time limit with SIGALRM does)."""
    import threading

    results, errors = [], []

    def run():
        try:
            results.append(search(searcher, "autonome wapens").total)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(results)) == 1 and results[0] > 0


def test_sub_dossier_filter_is_not_read_as_an_identifier(searcher):
    response = search(searcher, "regering dossier:21501-20", per_page=50)
    assert response.total and {h.dossier for h in response.hits} == {"21501-20"}


def test_pages_do_not_repeat_or_skip_letters(searcher):
    """Relevance pages are assembled tier by tier: together they must be the
    ranking of all matches, each letter once."""
    whole = [h.id for h in search(searcher, "autonome wapens", per_page=100).hits]
    paged = [h.id for page in range(1, 11)
             for h in search(searcher, "autonome wapens", per_page=10, page=page).hits]
    assert paged == whole and len(set(paged)) == len(paged)


def test_prefix_matches_are_marked(searcher):
    hits = search(searcher, "wapen*", per_page=5).hits
    assert hits and all("<mark>wapen" in " ".join(h.snippets).lower() for h in hits)


def test_hyphenated_word_after_en_is_not_an_exclusion():
    from search.query import parse_query

    pasted = parse_query("IT- en cyberspecialisten en -reservisten")
    assert pasted.excluded == [] and ["reservisten"] in [[c.text for c in g] for g in pasted.groups]
    assert [c.text for c in parse_query("drones -politie").excluded] == ["politie"]
    assert [c.text for c in parse_query("NAVO -defensie").excluded] == ["defensie"]


SNIPPET_QUERIES = ["wapens", "kernwapens", "autonome wapensystemen", '"tweede kamer" stikstof',
                   "kunstmatige intelligentie", "motie regering -jeugd", "stikstof OF klimaat",
                   "defensie jaar:2024..2026", "wapen*", "technologieën", "begroting",
                   "verzoekt de regering", "menselijke controle"]


def test_snippets_from_the_index_offsets_equal_those_from_analysing_the_text(
        index_dir, monkeypatch):
    """Snippets find the query's words from their positions in the index
    and the offsets kept of each word; analysing the stored text word by
    word (the way without offsets) must give the same snippets."""
    from search import Searcher
    from search.vectors import VectorIndex

    searcher = Searcher(index_dir, cache_size=0)

    def answers():
        out = []
        for query in SNIPPET_QUERIES:
            for page in (1, 2):
                response = searcher.search(SearchRequest(query=query, page=page))
                out.append([(h.id, h.snippets) for h in response.hits])
        return out

    located = []
    real = VectorIndex.locator

    def counting(self, terms):
        locate = real(self, terms)
        return lambda docnum: located.append(locate(docnum)) or located[-1]

    monkeypatch.setattr(VectorIndex, "locator", counting)
    from_offsets = answers()
    assert sum(found is not None for found in located) > 150
    assert sum(bool(found) for found in located) > 150
    monkeypatch.setattr(VectorIndex, "locator", lambda self, terms: (lambda docnum: None))
    assert answers() == from_offsets
    assert sum(len(hits) for hits in from_offsets) > 200
    searcher.close()


@pytest.mark.parametrize("mapped", [True, False])
def test_stored_fields_of_hits_are_whoosh_s_own(index_dir, monkeypatch, mapped):
    """Read from the mapped column files, or through Whoosh for a segment
    that cannot be mapped: every letter's fields as Whoosh gives them."""
    from search import Searcher
    from search import stored

    if not mapped:
        monkeypatch.setattr(stored, "_mapped", lambda leaf: None)
    with Searcher(index_dir) as fresh, fresh.reading() as version:
        whoosh = version.searcher
        assert whoosh.doc_count_all() > 7000
        for docnum in range(whoosh.doc_count_all()):
            assert version.stored_fields(docnum) == whoosh.stored_fields(docnum), docnum
        assert all(column is not None for column in version.stored_fields._columns.values()) \
            == mapped
