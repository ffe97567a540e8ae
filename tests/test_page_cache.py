"""The cache of answered searches: same answers, never stale."""
import os
import shutil

import pytest

from index.builder import build_index
from search import SearchRequest, Searcher


@pytest.fixture
def small_index(tmp_path, corpus):
    letters = tmp_path / "letters"
    letters.mkdir()
    for path in sorted((corpus / "kst-xml").glob("*.xml"))[:30]:
        shutil.copy(path, letters)
    build_index([letters], tmp_path / "ix", procs=1)
    return letters, tmp_path / "ix"


def test_a_repeated_search_is_answered_from_the_cache(small_index, monkeypatch):
    _, index_dir = small_index
    request = SearchRequest(query="regering", filters={"year": ("2024",)})
    with Searcher(index_dir) as searcher:
        first = searcher.search(request)
        calls = []
        original = Searcher._search
        monkeypatch.setattr(Searcher, "_search", lambda self, *a: calls.append(a) or original(self, *a))
        first.hits.clear()  # what a caller does with its answer stays its own
        again = searcher.search(SearchRequest(query="regering", filters={"year": ("2024",)}))
        assert calls == [] and again.hits and again.total == first.total
        searcher.search(SearchRequest(query="regering", page=2))
        assert len(calls) == 1


def test_a_changed_index_is_never_answered_from_the_cache(small_index):
    letters, index_dir = small_index
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(query="zeppelinhaven")).total == 0
        (letters / "nieuw.txt").write_text(
            "Den Haag, 3 maart 2025\n\nBetreft: de zeppelinhaven\n\nGeachte voorzitter,\n"
            "De zeppelinhaven komt er.\n", encoding="utf-8")
        build_index([letters], index_dir, procs=1)
        assert searcher.search(SearchRequest(query="zeppelinhaven")).total == 1


def test_an_edited_synonyms_file_is_never_answered_from_the_cache(small_index, tmp_path):
    _, index_dir = small_index
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("regering, kabinet\n", encoding="utf-8")
    with Searcher(index_dir, synonyms_file=synonyms) as searcher:
        assert searcher.search(SearchRequest(query="regering")).expansions == ["kabinet"]
        synonyms.write_text("regering, overheid\n", encoding="utf-8")
        stat = synonyms.stat()
        os.utime(synonyms, (stat.st_atime, stat.st_mtime + 5))
        assert searcher.search(SearchRequest(query="regering")).expansions == ["overheid"]
