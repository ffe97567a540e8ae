"""The two baselines kamerzoek is measured against, on the same letters.

1. Naive Whoosh: Whoosh's StandardAnalyzer on a schema with the same stored
   fields as kamerzoek (id, source, digest, record, body), one writer with
   default settings (no procs, no limitmb); queries through Whoosh's default
   QueryParser on `body`, 10 hits, plain `hit.highlights("body")`, no facets.
2. SQLite FTS5 with `tokenize='unicode61 remove_diacritics 2'`, ranked by
   bm25 (title weighted 3x like kamerzoek's field boost), its own snippet();
   year and dossier filters are WHERE clauses on UNINDEXED columns.

Both get their text from the product's own readers (`corpus.files`), so only
indexing and querying are compared, not parsing.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import time
from pathlib import Path

from corpus.errors import NotALetter, ReadError
from corpus.files import discover, fingerprint, read_letter
from corpus.letter import Letter

FORMAT_RANK = {"koop-xml": 4, "koop-html": 3, "markdown": 2, "text": 1}


# -- reading (shared by both baselines) -------------------------------------

def _read(path: Path):
    try:
        return fingerprint(path).digest, read_letter(path)
    except (NotALetter, ReadError):
        return None
    except Exception:  # same tolerance as the product's builder
        return None


def read_letters(paths, procs: int = 1) -> list[tuple[str, Letter]]:
    """(digest, Letter) for every readable letter, one per id (richest format
    first, then the first path), like the product's builder."""
    files = list(discover(paths))
    if procs > 1:
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            results = pool.map(_read, files, chunksize=32)
    else:
        results = [_read(f) for f in files]
    parsed = [r for r in results if r]
    parsed.sort(key=lambda r: (-FORMAT_RANK.get(r[1].format, 0), r[1].source))
    seen, out = set(), []
    for digest, letter in parsed:
        if letter.id not in seen:
            seen.add(letter.id)
            out.append((digest, letter))
    return out


def text_megabytes(letters) -> float:
    return sum(len(letter.body.encode("utf-8")) for _, letter in letters) / 1e6


def _record(letter: Letter) -> str:
    record = letter.to_dict()
    del record["body"]
    return json.dumps(record, ensure_ascii=False)


# -- naive Whoosh ------------------------------------------------------------

def naive_schema():
    from whoosh.fields import ID, STORED, TEXT, Schema
    return Schema(id=ID(stored=True, unique=True), source=ID(stored=True), digest=STORED(),
                  record=STORED(), body=TEXT(stored=True), title=TEXT(),
                  year=ID(), dossier=ID())


def build_naive_whoosh(letters, index_dir: Path) -> float:
    from whoosh import index
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    started = time.perf_counter()
    ix = index.create_in(str(index_dir), naive_schema())
    writer = ix.writer()
    for digest, letter in letters:
        writer.add_document(id=letter.id, source=letter.source, digest=digest,
                            record=_record(letter), body=letter.body, title=letter.title or "",
                            year=str(letter.year) if letter.year else "onbekend",
                            dossier=letter.dossier or "onbekend")
    writer.commit()
    return time.perf_counter() - started


class NaiveWhoosh:
    def __init__(self, index_dir: Path):
        from whoosh import index
        from whoosh.qparser import QueryParser
        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("body", self.ix.schema)

    def search(self, bq) -> dict:
        query = self.parser.parse(bq.whoosh())
        results = self.searcher.search(query, limit=10)
        hits = [{"id": hit["id"], "record": json.loads(hit["record"]),
                 "snippet": hit.highlights("body")} for hit in results]
        return {"total": len(results), "hits": hits}

    def close(self):
        self.searcher.close()


# -- SQLite FTS5 -------------------------------------------------------------

def build_fts5(letters, db_path: Path) -> float:
    if db_path.exists():
        db_path.unlink()
    started = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.execute("CREATE VIRTUAL TABLE letters USING fts5(body, title, id UNINDEXED, "
                "source UNINDEXED, digest UNINDEXED, record UNINDEXED, year UNINDEXED, "
                "dossier UNINDEXED, date UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 2')")
    with con:
        con.executemany(
            "INSERT INTO letters(body, title, id, source, digest, record, year, dossier, date) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            ((letter.body, letter.title or "", letter.id, letter.source, digest,
              _record(letter), letter.year, letter.dossier, letter.date)
             for digest, letter in letters))
    con.close()
    return time.perf_counter() - started


class Fts5:
    def __init__(self, db_path: Path, facets: bool = False):
        self.con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
        self.facets = facets

    def search(self, bq) -> dict:
        match, where, params = bq.fts5()
        cond = "letters MATCH ?" + (f" AND {where}" if where else "")
        rows = self.con.execute(
            "SELECT id, record, snippet(letters, 0, '<mark>', '</mark>', '…', 24) "
            f"FROM letters WHERE {cond} ORDER BY bm25(letters, 1.0, 3.0) LIMIT 10",
            [match, *params]).fetchall()
        out = {"hits": [{"id": r[0], "record": json.loads(r[1]), "snippet": r[2]} for r in rows]}
        if self.facets:
            years = self.con.execute(f"SELECT year, count(*) FROM letters WHERE {cond} "
                                     "GROUP BY year", [match, *params]).fetchall()
            dossiers = self.con.execute(
                f"SELECT dossier, count(*) AS n FROM letters WHERE {cond} GROUP BY dossier "
                "ORDER BY n DESC LIMIT 30", [match, *params]).fetchall()
            out["total"] = sum(n for _, n in years)
            out["facets"] = {"year": dict(years), "dossier": dict(dossiers)}
        return out

    def close(self):
        self.con.close()


def dir_size_mb(path: Path) -> float:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def build_baselines(paths, whoosh_dir: Path, fts5_path: Path) -> dict:
    """Read once, then build both; timings separate (run in a subprocess so its
    memory is measured on its own)."""
    c0, started = time.process_time(), time.perf_counter()
    letters = read_letters(paths, procs=1)
    read_s, c1 = time.perf_counter() - started, time.process_time()
    whoosh_s = build_naive_whoosh(letters, whoosh_dir)
    c2 = time.process_time()
    fts5_s = build_fts5(letters, fts5_path)
    c3 = time.process_time()
    return {"letters": len(letters), "text_mb": round(text_megabytes(letters), 2),
            "read_s": round(read_s, 2), "whoosh_index_s": round(whoosh_s, 2),
            "fts5_index_s": round(fts5_s, 2), "read_cpu_s": round(c1 - c0, 2),
            "whoosh_index_cpu_s": round(c2 - c1, 2), "fts5_index_cpu_s": round(c3 - c2, 2),
            "whoosh_size_mb": round(dir_size_mb(whoosh_dir), 1),
            "fts5_size_mb": round(dir_size_mb(fts5_path), 1), "pid": os.getpid()}
