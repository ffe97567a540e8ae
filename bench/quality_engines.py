"""The three engines of the quality evaluation, built over the same Letter
records and asked the same query strings; each returns its top-10 ids.

* kamerzoek: `index.builder.build_index` over the corpus folders, queried
  with `search.Searcher.search` (snippets and facets off: they do not change
  the ranking, only the time).
* whoosh-standard: Whoosh with `StandardAnalyzer()` and its defaults (regex
  words, lower-casing, Whoosh's English stop list; no stemming, no diacritic
  folding); schema id (ID, stored, unique), title (TEXT, field_boost 3 like
  kamerzoek's), body (TEXT). Queries go through `MultifieldParser(["title",
  "body"], group=OrGroup)`: with Whoosh's default AND grouping a long query
  (a motion's whole subject, with one inflected or misspelt word) would
  match nothing at all, so the baseline gets OR semantics, ranked by BM25F.
  The query is first reduced to its words, lower-cased, so that quotes,
  colons or an upper-case AND/OR/NOT in a title are not read as syntax.
* sqlite-fts5: an FTS5 table (title, body) with `tokenize='unicode61
  remove_diacritics 2'` (the engine OpenTK uses), ranked by
  `bm25(letters, 3.0, 1.0)` (title weighted 3). A query becomes an OR of
  its words, each double-quoted (`"regionaal" OR "budget"`): quoting keeps
  FTS5 from reading words like AND/NOT/NEAR or a `-` as operators, and OR
  gives the same "long queries still return something" semantics as the
  Whoosh baseline (FTS5's implicit AND would return nothing for most long
  or misspelt queries).
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import time
from pathlib import Path

from corpus.letter import Letter

WORDS_RE = re.compile(r"\w+")
TOP = 10


def plain_words(text: str) -> list[str]:
    return WORDS_RE.findall(text.lower())


# -- kamerzoek ---------------------------------------------------------------

def build_kamerzoek(paths, index_dir: Path, rebuild: bool) -> float | None:
    from index import store
    from index.builder import build_index
    if store.exists(index_dir) and not rebuild:
        try:
            store.check_version(index_dir)
            return None
        except store.IndexOutdated:
            pass  # built with another analysis: build again
    started = time.perf_counter()
    build_index(list(paths), index_dir, rebuild=True)
    return time.perf_counter() - started


class Kamerzoek:
    name = "kamerzoek"

    def __init__(self, index_dir: Path):
        from search import Searcher
        self.searcher = Searcher(index_dir)
        self.last_suggestion: str | None = None
        self.errors: list[tuple[str, str]] = []

    def search(self, query: str) -> list[str]:
        """Top ids; a query kamerzoek refuses (QueryError: too many words,
        too slow, ...) counts as finding nothing, and is counted."""
        from search import QueryError, SearchRequest
        try:
            response = self.searcher.search(SearchRequest(query=query, per_page=TOP,
                                                          snippets=False, facets=False))
        except QueryError as exc:
            self.errors.append((query, str(exc)))
            self.last_suggestion = None
            return []
        self.last_suggestion = response.suggestion
        return [hit.id for hit in response.hits]

    def close(self):
        self.searcher.close()


# -- Whoosh with StandardAnalyzer ----------------------------------------------

def build_whoosh(letters: list[Letter], index_dir: Path, rebuild: bool) -> float | None:
    from whoosh import index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    if index.exists_in(str(index_dir)) and not rebuild:
        return None
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    started = time.perf_counter()
    schema = Schema(id=ID(stored=True, unique=True),
                    title=TEXT(analyzer=StandardAnalyzer(), field_boost=3.0),
                    body=TEXT(analyzer=StandardAnalyzer()))
    ix = index.create_in(str(index_dir), schema)
    # Two processes and a bigger buffer only to save build time; the index
    # (and so the ranking) is the same as with a single default writer.
    writer = ix.writer(procs=2, multisegment=True, limitmb=256)
    for letter in letters:
        writer.add_document(id=letter.id, title=letter.title or "", body=letter.body)
    writer.commit()
    return time.perf_counter() - started


class WhooshStandard:
    name = "whoosh-standard"

    def __init__(self, index_dir: Path):
        from whoosh import index
        from whoosh.qparser import MultifieldParser, OrGroup
        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=OrGroup)

    def search(self, query: str) -> list[str]:
        parsed = self.parser.parse(" ".join(plain_words(query)))
        return [hit["id"] for hit in self.searcher.search(parsed, limit=TOP)]

    def close(self):
        self.searcher.close()


# -- SQLite FTS5 ---------------------------------------------------------------

def build_fts5(letters: list[Letter], db_path: Path, rebuild: bool) -> float | None:
    if db_path.exists() and not rebuild:
        return None
    if db_path.exists():
        db_path.unlink()
    started = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.execute("CREATE VIRTUAL TABLE letters USING fts5(title, body, id UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 2')")
    with con:
        con.executemany("INSERT INTO letters(title, body, id) VALUES (?, ?, ?)",
                        ((letter.title or "", letter.body, letter.id) for letter in letters))
    con.close()
    return time.perf_counter() - started


def fts5_match(query: str) -> str:
    return " OR ".join(f'"{word}"' for word in dict.fromkeys(plain_words(query)))


class Fts5:
    name = "sqlite-fts5"

    def __init__(self, db_path: Path):
        self.con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)

    def search(self, query: str) -> list[str]:
        match = fts5_match(query)
        if not match:
            return []
        rows = self.con.execute(
            "SELECT id FROM letters WHERE letters MATCH ? "
            "ORDER BY bm25(letters, 3.0, 1.0) LIMIT ?", (match, TOP)).fetchall()
        return [row[0] for row in rows]

    def close(self):
        self.con.close()
