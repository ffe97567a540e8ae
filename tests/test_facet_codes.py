"""The facet codes kept beside each segment (index.facet_codes): written
by the process that writes the segment, read by searches instead of coding
the columns again, and equal to what coding the columns gives."""
from __future__ import annotations

import numpy as np

from index import facet_codes, store
from index.builder import build_index
from search import SearchRequest, Searcher
from search import facets


def _tables_equal(a: facets.FacetTable, b: facets.FacetTable) -> None:
    assert a.dates == b.dates and a.size == b.size
    for name, coded in a._facets.items():
        other = b._facets[name]
        assert coded.labels == other.labels, name
        assert np.array_equal(coded.codes, other.codes), name
        assert (coded.docs is None) == (other.docs is None), name
        if coded.docs is not None:
            assert np.array_equal(coded.docs, other.docs), name
            assert np.array_equal(coded.first, other.first), name


def _segments(index_dir):
    return store.open_index(index_dir)._read_toc().segments


def test_a_build_keeps_each_segments_codes_and_they_equal_the_columns(index_dir):
    """Every segment of the corpus index (written by two processes) has its
    codes on file, and the table made from them equals the one coded from
    the columns: values, their numbers, every document's values, dates."""
    segments = _segments(index_dir)
    assert len(segments) >= 2
    for segment in segments:
        assert facet_codes.load(index_dir, segment.segment_id(), segment.doc_count_all())
    ix = store.open_index(index_dir)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        _tables_equal(facets.FacetTable(reader, folder=index_dir), facets.FacetTable(reader))
        assert facets.FacetTable(reader).size == reader.doc_count_all()


def test_searches_read_the_codes_and_do_not_code_the_columns(index_dir, monkeypatch):
    calls = []
    monkeypatch.setattr(facet_codes, "code", lambda reader: calls.append(reader))
    with Searcher(index_dir) as searcher:
        response = searcher.search(SearchRequest("stikstof"))
    assert response.total and response.facets["year"] and response.facets["topic"]
    assert calls == []


def test_codes_that_do_not_fit_are_not_used(small_index, monkeypatch):
    """A file of another format, for another size of segment, or damaged,
    counts as absent: the segment is coded from its columns, with the same
    counts."""
    _, index_dir = small_index(20)
    (segment,) = _segments(index_dir)
    segment_id, size = segment.segment_id(), segment.doc_count_all()
    path = index_dir / (segment_id + facet_codes.EXT)
    good = path.read_bytes()
    with Searcher(index_dir) as searcher:
        expected = searcher.search(SearchRequest("")).facets

    assert facet_codes.load(index_dir, segment_id, size + 1) is None
    monkeypatch.setattr(facet_codes, "FORMAT_VERSION", facet_codes.FORMAT_VERSION + 1)
    assert facet_codes.load(index_dir, segment_id, size) is None
    monkeypatch.undo()
    path.write_bytes(good[: len(good) // 2])
    assert facet_codes.load(index_dir, segment_id, size) is None
    coded = []
    real_code = facet_codes.code
    monkeypatch.setattr(facet_codes, "code", lambda reader: coded.append(1) or real_code(reader))
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest("")).facets == expected
    assert coded == [1]


def test_an_update_codes_its_segment_and_completes_those_without(small_index):
    """An update's new segment gets its codes when written; a segment
    without them (an index from before they were kept) gets them at the
    next update, which need not change anything."""
    folder, index_dir = small_index(20)
    for path in index_dir.glob("*" + facet_codes.EXT):
        path.unlink()
    changed = sorted(folder.glob("*.xml"))[0]
    changed.write_bytes(changed.read_bytes() + b"<!-- gewijzigd -->\n")
    assert build_index([folder], index_dir, procs=1).updated == 1
    segments = _segments(index_dir)
    assert len(segments) == 2
    for segment in segments:
        assert facet_codes.load(index_dir, segment.segment_id(), segment.doc_count_all())
    # No file left of a segment the index no longer holds.
    held = {segment.segment_id() for segment in segments}
    assert {p.name.split(".")[0] for p in index_dir.glob("*" + facet_codes.EXT)} == held


def test_a_segment_whose_codes_cannot_be_written_is_still_indexed(small_index, monkeypatch):
    """A full disk when the codes are written costs the build nothing but
    the codes: the letters are indexed, and searches code the columns."""
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(facet_codes, "save", full)
    _, index_dir = small_index(20)
    assert not list(index_dir.glob("*" + facet_codes.EXT))
    monkeypatch.undo()
    with Searcher(index_dir) as searcher:
        response = searcher.search(SearchRequest(""))
    assert response.total == 20 and sum(response.facets["year"].values()) == 20
