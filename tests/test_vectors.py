"""Matching and scoring over posting arrays must give Whoosh's answers.

Whoosh's own search with `limit=None` scores every match without its
block-skipping shortcuts, so it is the reference: the same documents, the
same scores (to rounding), for every ranking tier of real queries.
"""
import shutil
import time

import numpy as np
import pytest

from index import posting_arrays, store
from index.builder import build_index
from search import SearchRequest, Searcher
from search.postings import with_known_phrases
from search.ranking import ranking_tiers
from search.searcher import _narrowed, _vector_search
from search.vectors import Unsupported, VectorIndex

QUERIES = ["wapens", "kunstmatige intelligentie", "asiel OF migratie", "zorg -jeugd",
           '"verzoekt de regering"', "stikstof boeren natuur", "motie wapens nergens",
           "klimaat jaar:2025", "energie dossier:36410", "regering", "kinderopvang kosten",
           "defensie type:motie"]


def _whoosh_ranked(searcher, query, limit):
    hits = [(h.docnum, h.score) for h in searcher.search(query, limit=None)]
    return sorted(hits, key=lambda item: (-round(item[1], 9), item[0]))[:limit]


def test_every_segment_has_arrays_equal_to_its_postings(index_dir):
    ix = store.open_index(index_dir)
    segments = ix._read_toc().segments
    assert len(segments) > 1
    with ix.searcher() as searcher:
        index = VectorIndex(searcher)
        assert all(s.arrays is not None for s in index.segments)
        for word in ("kamer", "regeer", "motie", "verzoek", "waap"):  # stems
            ids, weights = index.postings("body", word)
            matcher = searcher.postings("body", word)
            expected_ids, expected_weights = [], []
            while matcher.is_active():
                expected_ids.append(matcher.id())
                expected_weights.append(matcher.weight())
                matcher.next()
            # Long and short lists alike are in the arrays.
            assert all(s.arrays.find("body", word.encode()) for s in index.segments)
            assert ids.tolist() == expected_ids
            assert np.allclose(weights, expected_weights)


@pytest.mark.parametrize("text", QUERIES)
def test_tiers_rank_and_score_as_whoosh_does(searcher, text):
    with searcher.reading() as version:
        ws, schema = version.searcher, version.schema
        parsed, scoring, restrict, excluded = searcher._parts(SearchRequest(query=text), schema)
        vectors = _vector_search(version, time.monotonic() + 60)
        tiers = ranking_tiers(parsed, schema, lambda q: vectors.mask(q).any())
        assert tiers
        for tier in tiers:
            query = with_known_phrases(_narrowed(tier, tier, restrict, excluded), vectors.index,
                                       vectors.phrase_cache)
            try:
                ours = vectors.top(query, vectors.docs(query), 10)
            except Unsupported:
                continue
            expected = _whoosh_ranked(ws, query, 10)
            if excluded is None:  # Whoosh's AndNot lets some excluded letters through
                assert [d for d, _ in ours] == [d for d, _ in expected], (text, tier)
            for (_, score), (_, reference) in zip(ours, expected):
                assert score == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("text", QUERIES)
def test_totals_are_the_letters_that_match(searcher, text):
    with searcher.reading() as version:
        ws = version.searcher
        _, scoring, restrict, excluded = searcher._parts(SearchRequest(query=text),
                                                         version.schema)
        selecting = _narrowed(scoring or restrict, scoring, restrict, None)
        expected = set(ws.docs_for_query(selecting))
        if excluded is not None:
            expected -= set(ws.docs_for_query(excluded))
    assert expected
    assert searcher.search(SearchRequest(query=text)).total == len(expected)


def test_a_prefix_and_a_year_range_are_answered(searcher):
    """Query types without a vector rule are matched through Whoosh."""
    ranged = searcher.search(SearchRequest(query="wapen* jaar:2024..2025"))
    assert ranged.total > 10
    assert set(ranged.facets["year"]) <= {"2024", "2025"}


def test_an_update_completes_the_arrays_and_answers_alike(corpus, small_index):
    letters, index_dir = small_index(400)
    removed = sorted(letters.glob("*.xml"))[5]
    removed.unlink()
    extra = sorted((corpus / "kst-xml").glob("*.xml"))[400:420]
    for source in extra:
        shutil.copy2(source, letters / source.name)
    report = build_index([letters], index_dir, procs=1)
    assert report.added == len(extra) and report.removed == 1

    folder = index_dir
    segment_ids = [s.segment_id() for s in store.open_index(index_dir)._read_toc().segments]
    assert len(segment_ids) > 1
    assert all(posting_arrays.read_table(folder, s) is not None for s in segment_ids)

    def answers():
        with Searcher(index_dir, cache_size=0) as s:
            return [(r.total, [(h.id, h.score, h.snippets) for h in r.hits], r.facets)
                    for r in (s.search(SearchRequest(query=q))
                              for q in ("regering", "kamer motie", "wapens OF defensie"))]

    # Segments Whoosh's writer made during the update have word offsets too
    # (from their stored text); the snippets from them equal those found by
    # analysing the text, which is what a search without arrays does.
    with store.open_index(index_dir).searcher() as whoosh_searcher:
        vectors = VectorIndex(whoosh_searcher)
        assert all(segment.arrays.offset_ends is not None for segment in vectors.segments)
        vectors.close()
    with_arrays = answers()
    for s in segment_ids:
        (folder / (s + posting_arrays.TERMS_EXT)).unlink()
    assert answers() == with_arrays
    assert all(total > 0 for total, _, _ in with_arrays)
    # An index without arrays (built by an older kamerzoek), or with a table
    # of another format, gets them on the next run, even when no letter
    # changed; a server that has the index open sees a new identity.
    stale = folder / (segment_ids[0] + posting_arrays.TERMS_EXT)
    stale.write_bytes(b"not a table")
    before = store.identity(index_dir)
    report = build_index([letters], index_dir, procs=1)
    assert report.unchanged == report.letters
    assert all(posting_arrays.read_table(folder, s) is not None for s in segment_ids)
    assert store.identity(index_dir) != before
    assert answers() == with_arrays
    assert not list(folder.glob("*.tmp"))


def test_a_closed_searcher_lets_go_of_its_posting_arrays(index_dir):
    import os

    def open_arrays():
        fds = "/proc/self/fd"
        targets = []
        for fd in os.listdir(fds):
            try:
                targets.append(os.readlink(os.path.join(fds, fd)))
            except OSError:
                pass
        return sum(t.endswith(posting_arrays.POSTINGS_EXT) for t in targets)

    already = open_arrays()
    searcher = Searcher(index_dir, cache_size=0)
    searcher.search(SearchRequest(query="regering"))
    assert open_arrays() > already
    searcher.close()
    assert open_arrays() == already


@pytest.mark.parametrize("text", ["asiel opvang gemeenten", "stikstof boeren natuur",
                                  "verzoekt de regering", "kinderopvang kosten",
                                  "motie wapens nergens", "regering kamer brief"])
def test_the_lazy_closeness_bonus_ranks_as_the_full_one(searcher, text):
    """Checking the words-close-together phrases only in the letters that
    could reach the page gives the page that checking every letter gives."""
    from search.postings import LazyPhrase
    from search.vectors import _walk

    with searcher.reading() as version:
        schema = version.schema
        parsed, _, restrict, excluded = searcher._parts(SearchRequest(query=text), schema)
        vectors = _vector_search(version, time.monotonic() + 60)
        lazy_seen = False
        for tier in ranking_tiers(parsed, schema, lambda q: vectors.mask(q).any()):
            narrowed = _narrowed(tier, tier, restrict, excluded)
            lazy = with_known_phrases(narrowed, vectors.index, {}, lazy_bonus=True)
            lazy_seen |= any(isinstance(q, LazyPhrase) for q in _walk(lazy))
            eager = with_known_phrases(narrowed, vectors.index, {})
            members = vectors.docs(narrowed)
            for limit in (1, 10, 50):
                fresh = _vector_search(version, time.monotonic() + 60)
                assert fresh.top(lazy, members, limit) == vectors.top(eager, members, limit)
        assert lazy_seen


def test_completing_arrays_leaves_no_temporary_files_when_it_fails(monkeypatch, small_index):
    _, index_dir = small_index(40)
    for table in index_dir.glob("*" + posting_arrays.TERMS_EXT):
        table.unlink()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(posting_arrays, "_add_offsets", interrupted)
    with pytest.raises(KeyboardInterrupt):
        posting_arrays.complete(store.open_index(index_dir))
    assert not list(index_dir.glob("*.tmp"))
    monkeypatch.undo()
    assert posting_arrays.complete(store.open_index(index_dir)) >= 1
    assert not list(index_dir.glob("*.tmp"))


def _assert_arrays_equal_whoosh(index_dir, min_terms: int) -> int:
    """Every term of every segment: the postings (and positions) the search
    reads equal Whoosh's own. Returns how many terms were read from the
    arrays (not through Whoosh)."""
    from index.posting_arrays import has_positions
    from search.vectors import _WHOOSH

    from_arrays = 0
    with store.open_index(index_dir).searcher() as searcher:
        index = VectorIndex(searcher)
        schema = searcher.schema
        terms = 0
        for segment in index.segments:
            assert segment.arrays is not None
            reader = segment.reader
            for fieldname, tbytes in reader.all_terms():
                terms += 1
                from_arrays += segment.find(fieldname, tbytes) is not _WHOOSH
                matcher = reader.postings(fieldname, tbytes)
                ids, weights = segment.postings(fieldname, tbytes)
                positional = has_positions(schema[fieldname])
                if positional:
                    _, ends, positions = segment.positions(fieldname, tbytes)
                for i, docnum in enumerate(ids.tolist()):
                    assert matcher.id() == docnum, (fieldname, tbytes)
                    assert weights[i] == np.float32(matcher.weight())
                    if positional:
                        start = int(ends[i - 1]) if i else 0
                        assert (positions[start:int(ends[i])].tolist()
                                == matcher.value_as("positions"))
                    matcher.next()
                assert not matcher.is_active()
            assert segment.postings("body", b"woordbestaatniet") is None
        index.close()
    assert terms >= min_terms
    return from_arrays


def test_every_term_is_in_the_arrays_as_whoosh_has_it(corpus, small_index):
    letters, index_dir = small_index(60)
    assert _assert_arrays_equal_whoosh(index_dir, 2000) >= 2000  # all from the arrays
    # Segments completed after an update (Whoosh's writer made them) too.
    for source in sorted((corpus / "kst-xml").glob("*.xml"))[60:70]:
        shutil.copy2(source, letters / source.name)
    build_index([letters], index_dir, procs=1)
    assert len(store.open_index(index_dir)._read_toc().segments) > 1
    _assert_arrays_equal_whoosh(index_dir, 2000)


def test_terms_whose_keys_collide_are_read_through_whoosh(monkeypatch, small_index):
    real_key = posting_arrays.term_key
    # 64 keys for thousands of terms: nearly every key is shared.
    monkeypatch.setattr(posting_arrays, "term_key", lambda f, t: real_key(f, t) % 64)
    _, index_dir = small_index(30)
    from_arrays = _assert_arrays_equal_whoosh(index_dir, 1000)
    assert from_arrays < 64
    with Searcher(index_dir, cache_size=0) as searcher:
        collided = searcher.search(SearchRequest(query='regering "tweede kamer"'))
    monkeypatch.undo()
    for table in index_dir.glob("*" + posting_arrays.TERMS_EXT):
        table.unlink()
    assert posting_arrays.complete(store.open_index(index_dir)) >= 1
    with Searcher(index_dir, cache_size=0) as searcher:
        plain = searcher.search(SearchRequest(query='regering "tweede kamer"'))
    assert collided.total == plain.total > 0
    assert ([(h.id, h.score, h.snippets) for h in collided.hits]
            == [(h.id, h.score, h.snippets) for h in plain.hits])
