"""Crash safety: `kamerzoek index` killed with SIGKILL half-way, as a real
subprocess, leaves the previous index searchable; the next run recovers by
itself and ends with exactly the letters that were readable."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index import store
from index.builder import build_index
from search import SearchRequest, Searcher

FILES = 300


def kamerzoek() -> str:
    script = Path(sys.executable).with_name("kamerzoek")
    found = str(script) if script.exists() else shutil.which("kamerzoek")
    if not found:
        pytest.fail("the kamerzoek console script is not installed (pip install -e .)")
    return found


@pytest.fixture
def folder(tmp_path, corpus):
    letters = tmp_path / "letters"
    letters.mkdir()
    for path in sorted((corpus / "kst-xml").glob("*.xml"))[:FILES]:
        shutil.copy(path, letters / path.name)
    return letters


def ids(index_dir) -> set[str]:
    with Searcher(index_dir) as searcher:
        return {letter.id for letter in searcher.letters()}


def searchable(index_dir) -> int:
    """Open the index as the web does and run real searches on it."""
    with Searcher(index_dir) as searcher:
        total = searcher.search(SearchRequest("")).total
        assert searcher.search(SearchRequest("motie")).total > 0
        return total


def run_and_kill(args, index_dir: Path, stage: str, until=lambda: True) -> str:
    """Start `kamerzoek index`, SIGKILL it once `stage` shows on stderr and
    `until()` holds."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([kamerzoek(), "--index", str(index_dir), "index", "--procs", "1",
                             *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    seen = []

    def watch():
        for line in iter(proc.stderr.readline, b""):
            seen.append(line.decode(errors="replace"))

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not (any(stage in line for line in seen) and until()):
        assert proc.poll() is None, f"finished before {stage!r}: {''.join(seen)}"
        assert time.monotonic() < deadline, "stage never reached"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    reader.join(timeout=5)
    assert proc.returncode == -signal.SIGKILL, "the build ended before it was killed"
    assert b"Klaar" not in out
    return "".join(seen)


def sizes(folder: Path) -> dict[str, int]:
    """Every file under `folder` with its size."""
    found = {}
    for path in folder.rglob("*"):
        # A writer's temporary file may go between listing and looking.
        with contextlib.suppress(FileNotFoundError):
            if path.is_file():
                found[str(path.relative_to(folder))] = path.stat().st_size
    return found


def run(args, index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([kamerzoek(), "--index", str(index_dir), "index", "--procs", "1",
                           *map(str, args)], capture_output=True, text=True, timeout=300)


def test_killed_rebuild_leaves_the_old_index_and_the_next_run_recovers(folder, tmp_path):
    index_dir = tmp_path / "ix"
    first = sorted(folder.glob("*.xml"))[:100]
    build_index(first, index_dir, procs=1)
    before = ids(index_dir)

    # The whole folder, rebuilt, killed while the staging index is written.
    run_and_kill(["--rebuild", folder], index_dir, "Index schrijven")
    assert (tmp_path / "ix.new").exists(), "killed before staging: nothing tested"
    assert ids(index_dir) == before and searchable(index_dir) == 100

    done = run([folder], index_dir)
    assert done.returncode == 0, done.stderr
    assert len(ids(index_dir)) == FILES and before < ids(index_dir)
    assert searchable(index_dir) == FILES
    assert not (tmp_path / "ix.new").exists() and not (tmp_path / "ix.old").exists()


def test_killed_incremental_update_leaves_the_old_index_and_the_next_run_recovers(
        folder, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    before = ids(index_dir)
    # Change every file, so the writer has a lot to write when it is killed.
    for path in folder.glob("*.xml"):
        data = path.read_bytes()
        path.write_bytes(data.replace(b"</officiele-publicatie>",
                                      b"<al>nagekomen aanvulling</al></officiele-publicatie>"))
    existing = sizes(index_dir)

    def writing() -> bool:
        # The writer's own new files in the index folder (its segment, the
        # documents it has put on disk), as a rebuild's staging folder.
        return sum(size for name, size in sizes(index_dir).items() if name not in existing) > 0

    run_and_kill([folder], index_dir, "Index schrijven", until=writing)
    left = set(sizes(index_dir)) - set(existing)
    assert left, "killed before writing: nothing tested"
    assert ids(index_dir) == before and searchable(index_dir) == FILES
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest('"nagekomen aanvulling"')).total == 0

    done = run([folder], index_dir)
    assert done.returncode == 0, done.stderr
    assert "300 bijgewerkt" in done.stdout
    assert not left & set(sizes(index_dir)), "the killed writer's files were left behind"
    assert ids(index_dir) == before and searchable(index_dir) == FILES
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest('"nagekomen aanvulling"')).total == FILES
    again = run([folder], index_dir)
    assert again.returncode == 0 and "300 ongewijzigd" in again.stdout


def test_a_swap_interrupted_between_its_two_renames_is_completed(folder, tmp_path):
    index_dir = tmp_path / "ix"
    build_index(sorted(folder.glob("*.xml"))[:50], index_dir, procs=1)
    # The state after the first os.replace (index -> .old) of a swap, with a
    # half-written staging folder left beside it.
    os.replace(index_dir, tmp_path / "ix.old")
    (tmp_path / "ix.new").mkdir()
    (tmp_path / "ix.new" / "_letters_1.toc").write_bytes(b"half")
    # A reader alone finds the index again.
    assert searchable(index_dir) == 50
    os.replace(index_dir, tmp_path / "ix.old")
    done = run([folder], index_dir)
    assert done.returncode == 0, done.stderr
    assert searchable(index_dir) == FILES
    assert not (tmp_path / "ix.new").exists() and not (tmp_path / "ix.old").exists()


def test_a_stale_whoosh_write_lock_does_not_block_the_next_run(folder, tmp_path):
    index_dir = tmp_path / "ix"
    build_index(sorted(folder.glob("*.xml"))[:50], index_dir, procs=1)
    # What a killed writer leaves: whoosh's lock file, held by nobody, and
    # our own build lock file.
    (index_dir / "_letters_LOCK").write_text("")
    store.lock_path(index_dir).write_text("")
    done = run([folder], index_dir)
    assert done.returncode == 0, done.stderr
    assert searchable(index_dir) == FILES


def test_a_second_build_while_one_runs_is_refused_clearly(folder, tmp_path):
    import fcntl

    index_dir = tmp_path / "ix"
    build_index(sorted(folder.glob("*.xml"))[:20], index_dir, procs=1)
    with open(store.lock_path(index_dir), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = run([folder], index_dir)
    assert busy.returncode != 0 and "al aan de index" in busy.stderr
    assert "Traceback" not in busy.stderr
    assert searchable(index_dir) == 20
