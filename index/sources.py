"""What the index holds of each source file: its letter's id, content hash
and format.

An update needs this for every file, to tell unchanged, changed and
vanished files apart. Read from the letters stored in the index, it took
0.44 s of the shared corpus's 1.4 s update when nothing had changed. So it
is kept beside the index, stamped with the generation of the index it
describes, and trusted only for that generation: an index written since (a
run killed between the two writes, an older kamerzoek) is read instead.
"""
from __future__ import annotations

import json
import marshal
from pathlib import Path
from typing import Iterable, NamedTuple

from corpus.atomic import write_atomic

from . import store

# marshal, like the file states beside it (index.file_states): the shared
# corpus's table is written and read in 2 and 5 ms, against pickle's 7-27
# and 10-20 ms.
FILENAME = "sources.marshal"
# What indexes built before 2026-12-03 have instead: not read (the table is
# then read from the index once), removed by the next save.
PICKLE_FILENAME = "sources.pickle"


class Indexed(NamedTuple):
    id: str
    digest: str
    format: str | None


def generation(index_dir: Path) -> int:
    return store.open_index(index_dir).latest_generation()


def load(index_dir: Path) -> dict[str, Indexed] | None:
    """The table on record, if it describes the index as it is now."""
    try:
        with open(Path(index_dir) / FILENAME, "rb") as handle:
            saved = marshal.loads(handle.read())   # load(handle): 5 times slower
        if saved["generation"] != generation(index_dir):
            return None
        make = Indexed._make
        return {source: make(entry) for source, entry in saved["sources"].items()}
    except Exception:  # missing or damaged, in whatever way
        return None


def read(index_dir: Path) -> dict[str, Indexed]:
    """The table from the letters stored in the index (every one of them)."""
    with store.open_index(index_dir).searcher() as searcher:
        out = {}
        for stored in searcher.all_stored_fields():
            fmt = json.loads(stored["record"]).get("format")
            out[stored["source"]] = Indexed(stored["id"], stored["digest"], fmt)
        return out


def save(index_dir: Path, rows: Iterable[tuple[str, str, str, str | None]],
         for_generation: int | None = None) -> None:
    """The table of (source, id, digest, format) rows, written after the
    index, for its generation at that moment (or for `for_generation`, the
    one a fresh index's first commit will have)."""
    if for_generation is None:
        for_generation = generation(index_dir)
    table = {source: (letter_id, digest, fmt) for source, letter_id, digest, fmt in rows}
    write_atomic(Path(index_dir) / FILENAME,
                 marshal.dumps({"generation": for_generation, "sources": table}))
    (Path(index_dir) / PICKLE_FILENAME).unlink(missing_ok=True)


def rows(sources: dict[str, Indexed]):
    return ((source, e.id, e.digest, e.format) for source, e in sources.items())
