import pickle

import pytest

from index.analysis import analysis_version, dutch_analyzer, fold


def stems(text):
    return [t.text for t in dutch_analyzer()(text)]


@pytest.mark.parametrize("a,b", [
    ("technologieën", "technologie"), ("technologieën", "technologieen"),
    ("technologieén", "technologieën"),  # OCR's accent
    ("verdragen", "verdrag"), ("autonome", "autonoom"),
    ("wapensystemen", "wapensysteem"), ("wapens", "wapen"), ("budgetten", "budget"),
    ("Financiën", "financien"), ("drones", "drone"),
])
def test_forms_meet(a, b):
    assert stems(a) == stems(b)


def test_unrelated_words_stay_apart():
    assert stems("wapen") != stems("water")
    assert stems("motie") != stems("minister")


def test_stop_words_go_numbers_and_identifiers_stay():
    assert stems("de van het kst-33694-45 21501-21 2019") == ["kst-33694-45", "21501-21", "2019"]


def test_hyphenated_words_split_into_parts():
    assert stems("Noord-Holland") == stems("noord holland")


def test_fold():
    assert fold("geïntegreerde technologieën") == "geintegreerde technologieen"


def test_analyzer_survives_pickling_without_its_cache():
    analyzer = dutch_analyzer()
    stems_before = [t.text for t in analyzer("autonome wapensystemen")]
    restored = pickle.loads(pickle.dumps(analyzer))
    assert [t.text for t in restored("autonome wapensystemen")] == stems_before


def test_version_names_the_stemmer_and_libraries():
    version = analysis_version()
    assert version["stemmer"] == "snowball dutch"
    assert version["snowballstemmer"].startswith("3.")
    assert version["PyStemmer"]


def test_single_pass_analyzer_equals_the_filter_chain(corpus):
    """DutchAnalyzer is a fast rewrite of dutch_filter_chain(): same tokens,
    positions and offsets, in every mode Whoosh uses."""
    from collections import Counter

    from index.analysis import dutch_filter_chain
    from index.compounds import CompoundSplitter
    from index.vocabulary import count_words

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus / "sgd-ocr").glob("*.txt"))[:150]]
    texts += [p.read_text(encoding="utf-8") for p in (corpus / "letters").iterdir()]
    counts = Counter()
    for text in texts:
        counts.update(count_words(text))
    splitter = CompoundSplitter(counts)
    fast, reference = dutch_analyzer(splitter), dutch_filter_chain(splitter)

    def tokens(analyzer, text, **kwargs):
        return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None),
                 getattr(t, "endchar", None), t.stopped) for t in analyzer(text, **kwargs)]
    modes = [dict(positions=True, chars=True, mode="index"), dict(mode="query"),
             dict(positions=True, chars=True, mode="index", removestops=False)]
    for kwargs in modes:
        for text in texts:
            assert tokens(fast, text, **kwargs) == tokens(reference, text, **kwargs)
    known = CompoundSplitter({"kern": 9, "wapen": 9, "beleid": 9})
    assert [t.text for t in dutch_analyzer(known)("kernwapenbeleid", mode="index")] == [
        "kernwapenbeleid", "~kern", "~waap", "~beleid"]


def test_words_learnt_ahead_analyse_as_words_met_in_the_text(corpus, monkeypatch):
    """A fresh build has its analyzer learn the corpus's recurring words
    first, in two processes (index.builder._Learning); the text is then
    analysed exactly as without."""
    from collections import Counter

    from index import builder
    from index.compounds import CompoundSplitter
    from index.vocabulary import count_words

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus / "sgd-ocr").glob("*.txt"))[:200]]
    counts = Counter()
    for text in texts:
        counts.update(count_words(text))
    splitter = CompoundSplitter(counts)
    learnt, plain = dutch_analyzer(splitter), dutch_analyzer(splitter)
    words = [w for w, n in counts.items() if n > 1]
    monkeypatch.setattr(builder, "LEARN_IN_PROCESSES", 1000)
    assert len(words) > 1000   # learnt in two processes
    learning = builder._Learning(learnt, words, 2)
    assert len(learning.learners) == 2
    learning.finish()
    learning.stop()
    assert len(learnt._known) == len(words)
    compound = next(w for w in words if plain.analysis_of(w)[1])
    assert learnt._known[compound] == plain.analysis_of(compound)
    for text in texts:
        starts_learnt, starts_plain = [], []
        assert (learnt.index_positions(text, starts_learnt)
                == plain.index_positions(text, starts_plain))
        assert starts_learnt == starts_plain
    # What was learnt is what the text is analysed with.
    learnt.learn({"kwantumzeppelin": ("luchtschip", ("~lucht",))})
    assert learnt.index_positions("Kwantumzeppelin") == {"luchtschip": [0], "~lucht": [0]}


def test_index_positions_equal_whoosh_positions_format(corpus):
    """The index writer's fast path gathers exactly what Whoosh's Positions
    format would from the analyzer's tokens."""
    from whoosh.formats import Positions

    from index.compounds import CompoundSplitter

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus / "sgd-ocr").glob("*.txt"))[:60]]
    texts += [p.read_text(encoding="utf-8") for p in (corpus / "letters").iterdir()]
    analyzer = dutch_analyzer(CompoundSplitter({"kern": 9, "wapen": 9, "beleid": 9}))
    fmt = Positions()
    for text in texts:
        expected = {w: fmt.decode_positions(v) for w, _, _, v in
                    fmt.word_values(text, analyzer, mode="index")}
        assert analyzer.index_positions(text) == expected
    assert analyzer.index_positions("de kernwapenbeleid")["~kern"] == [1]


def test_query_terms_equal_the_analyzers_query_tokens(corpus):
    """The searcher's fast path gives the tokens the analyzer gives in
    query mode, stop words, compounds, accents and all."""
    from index.compounds import CompoundSplitter

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus / "sgd-ocr").glob("*.txt"))[:30]]
    texts += [p.read_text(encoding="utf-8") for p in (corpus / "letters").iterdir()]
    texts += ["de kernwapenbeleid", "Technologieën én Israël", "", "  ", "van de het"]
    analyzer = dutch_analyzer(CompoundSplitter({"kern": 9, "wapen": 9, "beleid": 9}))
    for text in texts:
        assert analyzer.query_terms(text) == [t.text for t in analyzer(text, mode="query")]
    assert analyzer.query_terms("de kernwapenbeleid") == ["kernwapenbeleid"]


def test_index_positions_give_each_positions_character_offset(corpus):
    """starts[p] is where the word at position p begins, as Whoosh's own
    tokens with characters place it."""
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus / "sgd-ocr").glob("*.txt"))[:30]]
    texts += ["De minister van Defensie, de heer Ceder: kernwapens.", "de het een", ""]
    analyzer = dutch_analyzer(None)
    checked = 0
    for text in texts:
        starts: list[int] = []
        analyzer.index_positions(text, starts)
        seen = {}
        for token in analyzer(text, mode="index", positions=True, chars=True):
            seen.setdefault(token.pos, token.startchar)
        assert {p: starts[p] for p in seen} == seen
        assert len(starts) == (max(seen) + 1 if seen else 0)
        checked += len(seen)
    assert checked > 5_000


def test_snippets_located_by_the_index_and_found_by_analysis_agree_at_the_scan_limit():
    """A word that the scan limit would cut in two is left out by both ways
    of finding matches (the cut-off start of a word is another word)."""
    from search import snippets

    analyzer = dutch_analyzer(None)
    opening = "kamerleden vooraan. "
    filler = "woord " * ((snippets.SCAN_CHARS - 40) // 6)
    for start in range(snippets.SCAN_CHARS - 11, snippets.SCAN_CHARS + 1):
        # "kamerleden" starts at `start`: before, across and at the limit.
        gap = " " * (start - len(opening) - len(filler))
        body = opening + filler + gap + "kamerleden en kamer"
        assert body.index("kamerleden en") == start
        terms = frozenset({"kamerleed", "kamerled", "kamer"})
        starts: list[int] = []
        positions = analyzer.index_positions(body, starts)
        located: dict[int, list[str]] = {}
        for term in sorted(terms):
            for position in positions.get(term, []):
                located.setdefault(starts[position], []).append(term)
        scanned = snippets._matches(body, terms, analyzer, snippets.SCAN_CHARS)
        assert snippets._located_matches(body, located, analyzer, snippets.SCAN_CHARS) == scanned
        assert scanned[0] == (0, 10, "kamerleed")
        assert all(end <= snippets.SCAN_CHARS for _, end, _ in scanned)


def test_words_are_counted_as_folding_each_occurrence_counts_them(corpus):
    """count_words() folds each distinct word once; the counts are those of
    folding every occurrence."""
    from collections import Counter

    from index.analysis import fold
    from index.vocabulary import _WORD_RE, count_words

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus / "sgd-ocr").glob("*.txt"))[:300]]
    texts.append("Technologieën technologieen TECHNOLOGIEËN straße Straße naïeve naieve "
                 "coöperatie coöperatie ﬁnanciën financien Ǆemal")
    for text in texts:
        expected = Counter(fold(w) for w in _WORD_RE.findall(text.lower()))
        assert count_words(text) == expected
    assert count_words(texts[-1])["technologieen"] == 3


def test_the_compound_splitter_is_pickled_packed_and_splits_the_same(corpus):
    """The splitter travels in the index's schema, unpickled on every open:
    packed, it is unpacked only where words are split."""
    from collections import Counter

    from index.compounds import CompoundSplitter
    from index.vocabulary import count_words

    counts = Counter()
    for path in sorted((corpus / "sgd-ocr").glob("*.txt"))[:300]:
        counts.update(count_words(path.read_text(encoding="utf-8", errors="replace")))
    splitter = CompoundSplitter(counts)
    copy = pickle.loads(pickle.dumps(splitter))
    assert copy._counts is None           # not unpacked by unpickling
    assert copy.counts == splitter.counts and len(splitter.counts) > 1000
    words = [w for w in counts if len(w) >= 10][:3000]
    assert [copy.split(w) for w in words] == [splitter.split(w) for w in words]
    assert any(splitter.split(w) for w in words)
    # An index built before keeps its splitter as a plain dict.
    old = CompoundSplitter.__new__(CompoundSplitter)
    old.__setstate__({"counts": dict(splitter.counts)})
    assert [old.split(w) for w in words] == [splitter.split(w) for w in words]
    empty = pickle.loads(pickle.dumps(CompoundSplitter({})))
    assert empty.counts == {} and empty.split("kernwapenbeleid") == ()
