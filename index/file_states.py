"""How each indexed file looked on disk when it was read: size, times and
inode, its sidecar's too.

An update compares these before reading anything; a file that still looks
the same is not read and hashed again, so re-indexing a folder where little
changed costs time in proportion to the change (plus a stat per file), as
make and git do it. A file that only looks different (touched) is read, and
its content hash decides. Saved only after the index itself, so a state on
record never runs ahead of the letter in the index. Saved with the readers'
revision (corpus.files.READER_REVISION): when the readers change, every
file is read again.
"""
from __future__ import annotations

import json
import marshal
import os
from pathlib import Path

from corpus.atomic import write_atomic
from corpus.files import READER_REVISION, FolderListings, find_sidecar

# marshal: the states are plain lists of ints keyed by path, which it
# writes and reads in 2 and 6 ms for the shared corpus, against JSON's 30
# and 19 ms (pickle: 10 and 17). A file it cannot read (another Python's
# format) only means every file is read and its hash compared once.
FILENAME = "files.marshal"
# Where indexes made before 2026-12-03 (readers' revision 1) kept them.
JSON_FILENAME = "files.json"
# Files that were not indexed for a reason that holds while they and the
# letter they copy look the same: not a letter at all (a metadata record),
# or a copy of a letter indexed from another file. Reading the shared
# corpus's 42 such files again was 0.09-0.1 s of every update's read phase.
SKIPPED_FILENAME = "skipped.json"


def stat_key(path: str | Path, listing: frozenset[str] | None = None) -> list | None:
    """The file's and its sidecar's (size, mtime, ctime, inode); None when
    the file cannot be stat()ed. `listing`: see corpus.files.sidecar_path."""
    folder, name = os.path.split(str(path))
    return _state(str(path), folder, name, listing)


def stat_keys(paths: list[str] | list[Path],
              listings: FolderListings | None = None) -> list[list | None]:
    """stat_key() of each path, each folder listed once to find the
    sidecars (or not again: `listings` of the walk that found the paths):
    two stat() calls per file for sidecars that are mostly not there cost
    more than the rest of an unchanged update's check."""
    listings = listings or FolderListings()
    keys = []
    folder = listing = None
    for path in map(str, paths):
        # The listing is looked up when the folder changes (the paths come
        # folder by folder, as the walk found them), not with a dirname()
        # per file.
        cut = path.rfind(os.sep)
        here = path[:cut]
        if here != folder:
            folder, listing = here, listings.of(path)
        keys.append(_state(path, here, path[cut + 1:], listing))
    return keys


def _state(path: str, folder: str, name: str, listing: frozenset[str] | None) -> list | None:
    """stat_key(), with no Path and the sidecar's stat() taken from finding
    it: at 200,000 letters (60,000 with a sidecar) that took the check of
    every file from 2.1 s to 1.4 s. No sidecar looked for in a folder
    without JSON files: from 1.16-1.26 s to 1.04-1.09 s (the file's key
    made by _key() or written out: 1.22-1.42 s both ways, alternated in a
    slower phase)."""
    try:
        key = _key(os.stat(path))
    except OSError:
        return None
    if listing is None or listing:
        sidecar = find_sidecar(folder, name, listing)
        if sidecar is not None:
            key += _key(sidecar[1])
    return key


def _key(st: os.stat_result) -> list:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def load(index_dir: Path) -> tuple[dict[str, list], bool]:
    """(the states on record, whether they were recorded by other readers).
    States of other readers (corpus.files.READER_REVISION) are of no use:
    every file is to be read again. None (everything is read) when the file
    is missing or damaged."""
    try:
        with open(Path(index_dir) / FILENAME, "rb") as handle:
            recorded = marshal.loads(handle.read())   # load(handle): 7 times slower
    except FileNotFoundError:
        return {}, (Path(index_dir) / JSON_FILENAME).is_file()
    except (OSError, ValueError, EOFError, TypeError):
        return {}, False
    return _of_this_reader(recorded)


def save(index_dir: Path, states: dict[str, list]) -> None:
    write_atomic(Path(index_dir) / FILENAME, marshal.dumps([READER_REVISION, states]))
    (Path(index_dir) / JSON_FILENAME).unlink(missing_ok=True)


def load_skipped(index_dir: Path) -> dict[str, list]:
    """path -> [state, reason, the path of the letter it copies or None];
    none when recorded by other readers (whose reasons may not hold)."""
    try:
        with open(Path(index_dir) / SKIPPED_FILENAME, encoding="utf-8") as handle:
            recorded = json.load(handle)
    except (OSError, ValueError):
        return {}
    return _of_this_reader(recorded)[0]


def save_skipped(index_dir: Path, skipped: dict[str, list]) -> None:
    write_atomic(Path(index_dir) / SKIPPED_FILENAME,
                 json.dumps([READER_REVISION, skipped], separators=(",", ":")).encode("utf-8"))


def _of_this_reader(recorded) -> tuple[dict, bool]:
    """[revision, table] as saved -> (table, False) for this revision,
    ({}, True) for another (revision 1 saved the table alone)."""
    if (isinstance(recorded, list) and len(recorded) == 2 and isinstance(recorded[1], dict)
            and recorded[0] == READER_REVISION):
        return recorded[1], False
    return {}, isinstance(recorded, (list, dict))
