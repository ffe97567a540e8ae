"""Search quality behaviours: compounds, synonyms, suggestions, ranking,
explain. Small cases on the real index; the benchmark numbers live in
bench/eval_quality.py, not here."""

from index.compounds import CompoundSplitter
from search import SearchRequest
from search.spelling import Speller
from index.analysis import dutch_analyzer
from search.synonyms import normalise, parse_synonyms


def stems(text):
    return {t.text for t in dutch_analyzer()(text)}


def search(searcher, query="", **kwargs):
    return searcher.search(SearchRequest(query=query, **kwargs))


def ids(response):
    return [hit.id for hit in response.hits]


def test_splitter_finds_the_parts_of_compounds():
    splitter = CompoundSplitter({"massa": 40, "vernietiging": 30, "wapens": 90, "wapen": 80,
                                 "kern": 60, "beleid": 500, "vluchtelingen": 70,
                                 "verdrag": 50, "beheersing": 20, "conferentie": 30})
    assert splitter.split("massavernietigingswapens") == ("massa", "vernietiging", "wapens")
    assert set(splitter.split("kernwapenbeleid")) >= {"kern", "wapen", "beleid"}
    assert splitter.split("vluchtelingenverdrag") == ("vluchtelingen", "verdrag")
    assert "beheersing" in splitter.split("wapenbeheersingsconferentie")
    assert splitter.split("conferentie") == ()


def test_a_part_finds_the_compound_and_is_marked(searcher):
    """kst-24515-808 speaks of the "studietoeslag" and never of a "toeslag"
    on its own: searching "toeslag" finds it and marks the compound."""
    response = search(searcher, "toeslag", per_page=100, explain=True)
    hit = next(h for h in response.hits if h.id == "kst-24515-808")
    assert "<mark>studietoeslag</mark>" in " ".join(hit.snippets)
    assert {e["kind"] for e in hit.explanation} == {"woorddeel"}


def test_words_written_apart_find_the_compound(searcher):
    together = {h.id for h in search(searcher, "wapenbeheersingsconferentie", per_page=50).hits}
    assert "kst-33694-45" in together
    apart = ids(search(searcher, "wapenbeheersing conferentie", per_page=50))
    assert "kst-33694-45" in apart


def test_whole_word_ranks_above_part(searcher):
    response = search(searcher, "wapens", per_page=100, explain=True)
    kinds = [{e["kind"] for e in hit.explanation} for hit in response.hits]
    whole = [i for i, k in enumerate(kinds) if "woord" in k]
    parts_only = [i for i, k in enumerate(kinds) if k == {"woorddeel"}]
    assert whole and parts_only
    assert max(whole) < min(parts_only)


def test_synonyms_expand_and_say_so(searcher):
    ai = search(searcher, "AI", per_page=100)
    assert "kunstmatige intelligentie" in ai.expansions
    # Some letters found never write "AI": only a synonym brought them.
    assert any("ai" not in stems(searcher.get(h.id).body) for h in ai.hits)
    navo = search(searcher, "NATO")
    assert "NAVO" in navo.expansions and navo.total >= search(searcher, "NAVO").total


def test_synonym_file_format():
    synonyms = parse_synonyms("# comment\nLAWS, autonome wapensystemen\nsolo\n")
    assert synonyms.lookup(normalise("laws")) == ("autonome wapensystemen",)
    assert synonyms.lookup(normalise("Autonome wapensystemen")) == ("LAWS",)
    assert synonyms.longest == 2


def test_spelling_suggestion_is_offered_not_applied(searcher):
    response = search(searcher, "autonmoe wapenz")
    assert response.suggestion == "autonome wapens"
    assert response.total == 0  # nothing silently replaced
    assert search(searcher, "autonome wapens").suggestion is None


def test_speller_prefers_frequent_close_words():
    speller = Speller({"minister": 900, "ministers": 300, "monster": 4})
    assert speller.correct("minster") == "minister"
    assert speller.correct("minister") is None
    assert speller.correct("xyz") is None


def test_a_word_two_edits_away_is_found_through_a_shared_deletion(monkeypatch):
    counts = {"kamerbrief": 50, "wapenfeit": 30}
    # "kamerbrief" without its m is "kaerbriefx" without its x.
    assert Speller(counts).correct("kaerbriefx") == "kamerbrief"
    assert Speller(counts)._edits2("kamirbriaf") == set()   # two letters replaced
    # Were every variant's hash the same, a word must still share one.
    monkeypatch.setattr("search.spelling.hash", lambda text: 0, raising=False)
    assert Speller(counts)._edits2("kaerbriefx") == {"kamerbrief"}
    assert Speller(counts)._edits2("kamirbriaf") == set()


def test_all_words_and_proximity_first(searcher):
    response = search(searcher, "betekenisvolle menselijke controle", per_page=10)
    top = searcher.get(response.hits[0].id).body.lower()
    assert "betekenisvolle menselijke controle" in " ".join(top.split())


def test_date_sort_breaks_ties_by_relevance(searcher):
    response = search(searcher, "zorg", sort="date", per_page=100)
    for a, b in zip(response.hits, response.hits[1:]):
        assert a.date >= b.date
        if a.date == b.date:
            assert a.score >= b.score


def test_explain_names_fields_terms_and_contributions(searcher):
    hit = search(searcher, "autonome wapens", explain=True).hits[0]
    assert hit.explanation
    entry = hit.explanation[0]
    assert set(entry) == {"field", "term", "kind", "score"}
    assert entry["field"] in {"tekst", "titel", "dossiertitel"}
    assert any(e["term"] in {"autonome", "wapens"} for e in hit.explanation)
    scores = [e["score"] for e in hit.explanation]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert "explanation" not in search(searcher, "autonome wapens").hits[0].to_dict()


def test_date_sort_puts_letters_with_all_words_first(searcher):
    response = search(searcher, "autonome wapens", sort="date", per_page=100)
    relevance = search(searcher, "autonome wapens", per_page=1)
    assert response.total == relevance.total  # same matches, other order
    complete = [all(w in stems(searcher.get(h.id).body + " " + (h.title or ""))
                    for w in stems("autonome wapens")) for h in response.hits]
    assert complete[0] and complete == sorted(complete, reverse=True)


def test_a_typo_among_good_words_still_gets_a_suggestion(searcher):
    """Several words find plenty through the others, typo and all: the word
    that occurs in no letter is still corrected."""
    response = search(searcher, "kunstmatige inteligentie")
    assert response.total >= 5
    assert response.suggestion == "kunstmatige intelligentie"
    assert search(searcher, "kunstmatige intelligentie").suggestion is None


def test_title_word_order_lifts_the_letter_with_that_title(searcher):
    target = searcher.get("kst-34104-439")  # "... over afspraken over een regionaal budget"
    response = search(searcher, "afspraken regionaal budget", per_page=5)
    assert response.hits[0].id == target.id


def test_a_word_found_nowhere_does_not_sink_the_ranking(searcher):
    """A typo matches no letter; it is left out of the ranking tiers, so the
    other words rank as they would alone (and the suggestion fixes it)."""
    typo = search(searcher, "afspraken regionaal budgett", per_page=3)
    assert typo.hits[0].id == "kst-34104-439"
    assert typo.suggestion == "afspraken regionaal budget"


def test_a_word_found_nowhere_keeps_its_place_in_the_title_phrase(searcher):
    """The typo is left out of the title phrase, not the phrase out of the
    ranking: "steun voor Israël" in this title (kst-23432-596) still beats a
    title with "steun" and "Israël" apart (kst-36715-18), and a typo between
    two words leaves room for one word there (kst-36725-XVII-36, "weer een
    feministisch buitenlandbeleid voeren", against kst-36247-16, "het weer
    voeren van een feministisch buitenlandbeleid")."""
    assert ids(search(searcher, "het uispreken van steun voor Israël"))[0] == "kst-23432-596"
    between = ids(search(searcher, "weer een feministisch buitenlandbeelid voeren"))
    assert between[:2] == ["kst-36725-XVII-36", "kst-36247-16"]


def test_phrase_words_leave_out_words_found_nowhere():
    from index.schema import make_schema
    from search.query import _phrase_words, parse_query

    schema = make_schema()
    typos = stems("buitenlandbeelid uispreken")

    def found(query):
        return not any(repr(typo) in repr(query) for typo in typos)

    def phrase(text, found=found):
        return _phrase_words([g[0] for g in parse_query(text).groups], schema, found)

    def analysed(text):
        return [t.text for t in dutch_analyzer()(text)]

    assert phrase("weer een feministisch buitenlandbeelid voeren") == (
        analysed("weer feministisch voeren"), 1)
    assert phrase("het uispreken van steun voor Israël") == (analysed("steun Israël"), 0)
    assert len(phrase("weer een feministisch buitenlandbeelid voeren", None)[0]) == 4


def test_title_phrase_and_text_proximity_count_once(searcher):
    """Both motions have "uitvoering aangenomen moties" (as stems) in their
    title; kst-28828-144 ("het uitvoeren van de aangenomen motie over ...")
    has the words close in its text too. Counted once, the shorter title
    that says exactly this (kst-33529-1329) comes first."""
    found = ids(search(searcher, "de uitvoering van aangenomen moties"))
    assert found[:2] == ["kst-33529-1329", "kst-28828-144"]


def test_explain_shows_the_phrase_bonus_a_typo_query_was_ranked_by(searcher):
    response = searcher.search(SearchRequest(query="het uispreken van steun voor Israël",
                                             explain=True, per_page=1))
    kinds = {(part["kind"], part["term"]) for part in response.hits[0].explanation}
    assert ("zinsdeel", "steun Israël") in kinds


def test_a_later_speller_files_the_same_words_once():
    """The spellers of later versions of an index use the deletions an
    earlier one filed while the words to suggest are the same."""
    from search.spelling import KnownDeletions

    earlier = KnownDeletions()
    counts = {"kamerbrief": 50, "wapenfeit": 30, "motie": 9}
    first = Speller(counts, earlier)
    assert first.correct("kaerbriefx") == "kamerbrief"
    again = Speller({**counts, "kamerbrief": 51}, earlier)   # counts changed, words did not
    assert again.correct("kaerbriefx") == "kamerbrief"
    assert again._deletes is first._deletes
    grown = Speller({**counts, "wapenfeiten": 12}, earlier)   # a word more to suggest
    assert grown.correct("waenfeitenq") == "wapenfeiten"   # without its p, with a q
    assert grown._deletes is not first._deletes
