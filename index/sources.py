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
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from corpus.atomic import write_atomic

from . import store

# A pickle, like the vocabulary beside it: see index.vocabulary.
FILENAME = "sources.pickle"


@dataclass(frozen=True)
class Indexed:
    id: str
    digest: str
    format: str | None


def generation(index_dir: Path) -> int:
    return store.open_index(index_dir).latest_generation()


def load(index_dir: Path) -> dict[str, Indexed] | None:
    """The table on record, if it describes the index as it is now."""
    try:
        with open(Path(index_dir) / FILENAME, "rb") as handle:
            saved = pickle.load(handle)
        if saved["generation"] != generation(index_dir):
            return None
        return {source: Indexed(*entry) for source, entry in saved["sources"].items()}
    except Exception:  # missing or damaged: any of pickle's many errors
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
    write_atomic(Path(index_dir) / FILENAME, pickle.dumps(
        {"generation": for_generation, "sources": table}, protocol=pickle.HIGHEST_PROTOCOL))


def rows(sources: dict[str, Indexed]):
    return ((source, e.id, e.digest, e.format) for source, e in sources.items())
