"""The facet codes kept beside each segment (index.facet_codes): written
by the process that writes the segment, read by searches instead of coding
the columns again, and equal to what coding the columns gives."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

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
    counts, and the titles of the dossiers shown are read from their
    letters."""
    _, index_dir = small_index(20)
    (segment,) = _segments(index_dir)
    segment_id, size = segment.segment_id(), segment.doc_count_all()
    path = index_dir / (segment_id + facet_codes.EXT)
    good = path.read_bytes()
    with Searcher(index_dir) as searcher:
        response = searcher.search(SearchRequest(""))
        expected = response.facets, response.facet_labels
    assert len(expected[1]["dossier"]) > 5

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
        response = searcher.search(SearchRequest(""))
        assert (response.facets, response.facet_labels) == expected
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


def _titles_read_from_records(reader) -> dict[str, str]:
    """Dossier -> the title most of its live letters give (ties: the first
    alphabetically), from their stored records."""
    counts: dict[str, Counter] = {}
    for stored in reader.all_stored_fields():   # live letters only
        record = json.loads(stored["record"])
        title = " ".join((record.get("dossier_title") or "").split())
        if record.get("dossier") and title:
            counts.setdefault(record["dossier"], Counter())[title] += 1
    return {dossier: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for dossier, c in counts.items()}


def test_each_dossier_title_is_the_one_most_of_its_letters_give(searcher):
    """Over the whole corpus index: every dossier's title, counted from the
    codes, is the one its letters' stored records give most often."""
    with searcher.reading() as version:
        expected = _titles_read_from_records(version.searcher.reader())
        dossiers = list(version.table.documents("dossier", version.vectors.live))
        titles = version.dossier_titles.titles(dossiers)
    assert len(expected) > 300
    assert titles == expected


def test_an_update_renames_a_dossier_when_most_of_its_letters_do(small_index):
    """Only live letters count: once all but one letter of a dossier give
    another title, the dossier takes it, although the old versions of the
    changed letters are still in their segment (marked deleted)."""
    folder, index_dir = small_index(40)
    with Searcher(index_dir) as searcher:
        with searcher.reading() as version:
            reader = version.searcher.reader()
            by_dossier: dict[str, list[str]] = {}
            for stored in reader.all_stored_fields():
                dossier = json.loads(stored["record"]).get("dossier")
                by_dossier.setdefault(dossier, []).append(stored["source"])
            dossier, sources = max(by_dossier.items(), key=lambda kv: len(kv[1]))
            assert len(sources) >= 3
            old = version.dossier_titles.titles([dossier])[dossier]
        for source in sorted(sources)[1:]:
            sidecar = Path(source).with_suffix(".json")
            sidecar.write_text(json.dumps({"dossier_title": "Een  nieuwe\ntitel"}))
        assert build_index([folder], index_dir, procs=1).updated == len(sources) - 1
        response = searcher.search(SearchRequest(filters={"dossier": [dossier]}))
        assert response.facet_labels["dossier"][dossier] == "Een nieuwe titel" != old
