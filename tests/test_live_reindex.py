"""Under load and while re-indexing: a real server on 127.0.0.1 keeps
answering, with zero errors, while `kamerzoek index` rewrites the index
underneath it (an incremental update, then a --rebuild), and its results
switch to the new index without a restart."""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

from werkzeug.serving import make_server

import pytest

from index.builder import build_index
from search import LetterNotFound, Searcher, SearchRequest
from web import create_app

from test_crash_safety import kamerzoek

CLIENTS = 4
MAX_SECONDS = 90
URLS = ["/api/search?q=motie", "/?q=zorg", "/api/search?q=ver*&sort=date", "/api/facets?q=kamer",
        "/feed.atom?q=motie", "/api/search?q=regering&year=2024", "/api/search"]


def test_server_keeps_answering_while_the_index_is_rewritten(tmp_path, corpus):
    folder = tmp_path / "letters"
    folder.mkdir()
    files = sorted((corpus / "kst-xml").glob("*.xml"))[:300]
    for path in files[:150]:
        shutil.copy(path, folder / path.name)
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)

    app = create_app({"KAMERZOEK_INDEX": str(index_dir), "CORS_ORIGINS": []})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, response.read()

    def total():
        return json.loads(get("/api/search")[1])["total"]

    statuses: Counter = Counter()
    errors: list[str] = []
    stop = threading.Event()
    started = time.monotonic()

    def client(number):
        i = number
        while not stop.is_set() and time.monotonic() - started < MAX_SECONDS:
            path = URLS[i % len(URLS)]
            i += 1
            try:
                status, body = get(path)
                statuses[status] += 1
            except urllib.error.HTTPError as exc:
                statuses[exc.code] += 1
                errors.append(f"{path}: {exc.code} {exc.read()[:200]!r}")
            except Exception as exc:  # connection errors count too
                errors.append(f"{path}: {exc!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        assert total() == 150
        for thread in threads:
            thread.start()
        time.sleep(1)
        for path in files[150:]:
            shutil.copy(path, folder / path.name)
        update = subprocess.run([kamerzoek(), "--index", str(index_dir), "index", "--procs", "1",
                                 str(folder)], capture_output=True, text=True, timeout=120)
        assert update.returncode == 0, update.stderr
        time.sleep(0.5)
        after_update = total()
        for path in files[:100]:
            (folder / path.name).unlink()
        rebuild = subprocess.run([kamerzoek(), "--index", str(index_dir), "index", "--procs",
                                  "1", "--rebuild", str(folder)], capture_output=True, text=True,
                                 timeout=120)
        assert rebuild.returncode == 0, rebuild.stderr
        time.sleep(0.5)
        after_rebuild = total()
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=60)
        server.shutdown()
    assert errors == [], errors[:5]
    assert set(statuses) == {200} and sum(statuses.values()) > 50, statuses
    # Same server, no restart: the new index is what it answers from.
    assert (after_update, after_rebuild) == (300, 200)


def test_an_open_searcher_sees_deletions_and_updates(tmp_path, corpus):
    """One Searcher kept open across an incremental `kamerzoek index` that
    deletes one letter and changes another: the deleted letter is gone and
    no longer counted, the changed one is found once, with its new text."""
    folder = tmp_path / "letters"
    folder.mkdir()
    shutil.copy(corpus / "letters" / "kst-33694-45.md", folder)
    xml = sorted((corpus / "kst-xml").glob("*.xml"))[:20]
    for path in xml:
        shutil.copy(path, folder / path.name)
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)

    with Searcher(index_dir) as searcher:
        removed = next(letter for letter in searcher.letters()
                       if letter.source.endswith(xml[0].name))
        gone = removed.id
        assert removed.kamerstuk
        assert searcher.search(SearchRequest(sort="date")).total == 21
        assert gone in [h.id for h in searcher.search(SearchRequest(query=removed.kamerstuk)).hits]
        before = searcher.search(SearchRequest(query="autonome wapens"))
        assert [h.id for h in before.hits].count("kst-33694-45") == 1
        with searcher.reading() as old:
            (folder / xml[0].name).unlink()
            changed = folder / "kst-33694-45.md"
            changed.write_text(changed.read_text(encoding="utf-8")
                               + "\nDe kwartelkoning broedt in de uiterwaarden.\n",
                               encoding="utf-8")
            report = build_index([folder], index_dir, procs=1)
            assert (report.removed, report.updated) == (1, 1), report

            browse = searcher.search(SearchRequest(sort="date", per_page=100))
            assert browse.total == 20 and len(browse.hits) == 20
            assert sum(browse.facets["year"].values()) == 20
            assert gone not in {h.id for h in browse.hits}
            assert [h.id for h in browse.hits].count("kst-33694-45") == 1
            with pytest.raises(LetterNotFound):
                searcher.get(gone)
            assert gone not in [h.id for h in
                                searcher.search(SearchRequest(query=removed.kamerstuk)).hits]
            after = searcher.search(SearchRequest(query="autonome wapens"))
            assert [h.id for h in after.hits].count("kst-33694-45") == 1
            assert after.total == before.total
            new = searcher.search(SearchRequest(query="kwartelkoning"))
            assert [h.id for h in new.hits] == ["kst-33694-45"]
            assert "kwartelkoning" in searcher.get("kst-33694-45").body
            # A request still holding the previous version finishes on it...
            assert not old.searcher.is_closed
            assert old.searcher.document(id=gone)["id"] == gone
        # ...and that version is closed once it is done.
        assert old.searcher.is_closed


def test_the_identity_watch_sees_every_new_generation(tmp_path, monkeypatch):
    """The watch lists the folder only when it may have changed; a change
    in the same clock tick as a listing must still be seen."""
    import os

    from index import store

    folder = tmp_path / "ix"
    folder.mkdir()
    watch = store.IdentityWatch(folder)
    assert watch.identity()[1] == -1
    (folder / f"_{store.INDEX_NAME}_1.toc").write_bytes(b"")
    assert watch.identity()[1] == 1  # at once, without waiting for the clock
    # A folder that settled long ago: its listing is trusted until it changes.
    long_ago = time.time_ns() - 10 * store.IdentityWatch.SETTLED_NS
    os.utime(folder, ns=(long_ago, long_ago))
    assert watch.identity()[1] == 1
    listings = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: listings.append(path) or real_listdir(path))
    assert watch.identity()[1] == 1
    assert not listings  # trusted: no listing
    (folder / f"_{store.INDEX_NAME}_2.toc").write_bytes(b"")
    assert watch.identity()[1] == 2
    assert listings
    assert watch.identity() == store.identity(folder)


def test_facets_of_unchanged_segments_are_used_again_after_an_update(monkeypatch,
                                                                       small_index):
    """An open Searcher codes only the segments an update wrote; its facet
    table equals one made from scratch, and it keeps no segment that left
    the index."""
    from search import facets

    folder, index_dir = small_index(30)
    coded = []
    monkeypatch.setattr(facets, "_SegmentFacets",
                        lambda leaf, folder, made=facets._SegmentFacets:
                        coded.append(1) or made(leaf, folder))

    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(sort="date")).total == 30
        assert len(coded) == 1
        _change(sorted(folder.glob("*.xml"))[3])
        assert build_index([folder], index_dir, procs=1).updated == 1
        with searcher.reading() as version:
            counted = searcher.search(SearchRequest(sort="date", per_page=100))
            assert len(coded) == 2   # the update's segment only
            fresh = facets.FacetTable(version.searcher.reader())
            assert version.table.dates == fresh.dates
            for name, facet in fresh._facets.items():
                again = version.table._facets[name]
                assert again.labels == facet.labels and (again.codes == facet.codes).all()
            segments = {leaf.segment().segment_id()
                        for leaf, _ in version.searcher.reader().leaf_readers()}
            assert set(version.kept.facets) == segments
        assert sum(counted.facets["year"].values()) == counted.total == 30


def _change(path):
    """The file, changed as an edit would (a comment added): it holds the
    same letter under another hash."""
    path.write_bytes(path.read_bytes().rstrip() + b"\n<!-- gewijzigd -->\n")
    return path
