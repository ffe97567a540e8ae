"""Phrases found from position arrays must be exactly Whoosh's phrases."""
import pytest
from whoosh import query as Q

from index import store
from search.postings import KnownPhrase, phrase_docs_among, with_known_phrases
from search.vectors import VectorIndex

PHRASES = ["tweede kamer", "verzoekt de regering", "gaat over tot de orde van de dag",
           "betekenisvolle menselijke controle", "staten generaal", "kamer tweede",
           "regering", "motie wapens nergens"]


@pytest.fixture(scope="module")
def whoosh_searcher(index_dir):
    ix = store.open_index(index_dir)
    with ix.searcher() as searcher:
        yield searcher


def phrase_docs(searcher, phrase):
    from search.postings import phrase_docs as docs
    found = docs(VectorIndex(searcher), phrase)
    return None if found is None else set(found.tolist())


def _phrase(searcher, field, text):
    words = [t.text for t in searcher.schema[field].analyzer(text, mode="query")]
    return Q.Phrase(field, words)


@pytest.mark.parametrize("field", ["body", "title"])
def test_phrase_docs_equal_whooshs_phrase_matches(whoosh_searcher, field):
    assert not whoosh_searcher.is_atomic()  # offsets of several segments are exercised
    for text in PHRASES:
        phrase = _phrase(whoosh_searcher, field, text)
        expected = set(whoosh_searcher.docs_for_query(phrase))
        assert phrase_docs(whoosh_searcher, phrase) == expected, text
    tweede_kamer = _phrase(whoosh_searcher, "body", "tweede kamer")
    assert len(phrase_docs(whoosh_searcher, tweede_kamer)) > 1000


@pytest.mark.parametrize("slop", [2, 4, 8])
def test_phrases_with_slop_equal_whooshs(whoosh_searcher, slop):
    for text in PHRASES + ["regering motie kamer", "steun israël", "kamer regering"]:
        for field in ("body", "title"):
            phrase = _phrase(whoosh_searcher, field, text)
            phrase.slop = slop
            expected = set(whoosh_searcher.docs_for_query(phrase))
            assert phrase_docs(whoosh_searcher, phrase) == expected, (text, field)


def test_known_phrases_score_as_whooshs_phrases(whoosh_searcher):
    phrase = _phrase(whoosh_searcher, "body", "verzoekt de regering")
    query = Q.Or([Q.And([Q.Term("body", "motie"), phrase.with_boost(2.0)]),
                  Q.Term("title", "wapen")])
    rewritten = with_known_phrases(query, VectorIndex(whoosh_searcher), {})
    assert isinstance(rewritten.subqueries[0].subqueries[1], KnownPhrase)
    expected = {h.docnum: h.score for h in whoosh_searcher.search(query, limit=None)}
    found = {h.docnum: h.score for h in whoosh_searcher.search(rewritten, limit=None)}
    assert found.keys() == expected.keys() and len(found) > 100
    assert all(found[d] == pytest.approx(expected[d], rel=1e-9) for d in expected)


def test_term_postings_leave_out_deleted_letters(corpus, tmp_path, whoosh_searcher):
    import shutil

    from index.builder import build_index
    from search.vectors import VectorIndex

    def docs(searcher, term):
        return set(VectorIndex(searcher).postings(term.fieldname, term.text)[0].tolist())

    for term in [Q.Term("body", "regering"), Q.Term("title", "motie"), Q.Term("year", "2025")]:
        assert docs(whoosh_searcher, term) == set(whoosh_searcher.docs_for_query(term))
    letters = tmp_path / "letters"
    letters.mkdir()
    files = sorted((corpus / "kst-xml").glob("*.xml"))[:400]
    for path in files:
        shutil.copy(path, letters)
    build_index([letters], tmp_path / "ix", procs=1)
    for path in files[:100]:
        (letters / path.name).unlink()
    build_index([letters], tmp_path / "ix", procs=1)
    with store.open_index(tmp_path / "ix").searcher() as searcher:
        assert searcher.reader().has_deletions()
        (_, common), = searcher.reader().most_frequent_terms("body", 1)
        term = Q.Term("body", common.decode("utf-8"))
        # Long enough to be read from the posting arrays, deletions and all.
        assert all(segment.arrays.find("body", common)
                   for segment in VectorIndex(searcher).segments)
        found = docs(searcher, term)
        assert found == set(searcher.docs_for_query(term)) and len(found) > 100
        # BM25's document frequency counts deleted letters' postings, as
        # Whoosh's does, also where a list starts with one (Whoosh's filter
        # for deletions skips those as it is made).
        index = VectorIndex(searcher)
        titles = [t.decode("utf-8") for t in searcher.reader().lexicon("title")]
        assert len(titles) > 500
        assert ([index.doc_frequency("title", t) for t in titles]
                == [searcher.doc_frequency("title", t) for t in titles])
        # Phrases too leave out deleted letters (read past Whoosh's filter).
        for text in ("tweede kamer", "verzoekt de regering"):
            phrase = _phrase(searcher, "body", text)
            expected = set(searcher.docs_for_query(phrase))
            assert phrase_docs(searcher, phrase) == expected and len(expected) > 10


def test_position_arrays_equal_whooshs_positions(whoosh_searcher):
    index = VectorIndex(whoosh_searcher)
    checked = 0
    for segment in index.segments:
        assert segment.arrays is not None  # written beside every segment
        for word in ("kamer", "regeer", "verzoek"):
            tbytes = word.encode()
            assert segment.arrays.find("body", tbytes)
            docnums, ends, positions = segment.positions("body", tbytes)
            matcher = segment.reader.postings("body", tbytes)
            start = 0
            for i, docnum in enumerate(docnums.tolist()):
                assert matcher.id() == docnum
                expected = matcher.value_as("positions")
                assert positions[start:ends[i]].tolist() == expected
                start = int(ends[i])
                matcher.next()
                checked += 1
            assert not matcher.is_active()
    assert checked > 1000


@pytest.mark.parametrize("slop", [1, 4])
def test_phrases_among_some_letters_are_the_phrase_letters_among_them(whoosh_searcher, slop):
    import numpy as np

    index = VectorIndex(whoosh_searcher)
    rng = np.random.default_rng(7)
    for text in ("tweede kamer", "verzoekt de regering", "kamer regering", "motie wapens"):
        phrase = _phrase(whoosh_searcher, "body", text)
        phrase.slop = slop
        everywhere = phrase_docs(whoosh_searcher, phrase)
        for size in (5, 200, index.size):
            some = np.sort(rng.choice(index.size, size=size, replace=False))
            found = phrase_docs_among(index, phrase, some).tolist()
            assert found == sorted(everywhere & set(some.tolist())), (text, size)
