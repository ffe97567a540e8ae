"""Where an index lives on disk: create, open, and refuse a stale one."""
from __future__ import annotations

import fcntl
import json
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index

from corpus.atomic import write_atomic

from .analysis import analysis_version
from .schema import SCHEMA_REVISION, make_schema

MANIFEST = "kamerzoek.json"
# Touched when posting arrays are added to an index in use (index.posting_arrays).
ARRAYS_STAMP = "posting_arrays.stamp"
INDEX_NAME = "letters"
_TOC_RE = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")


class IndexStoreError(Exception):
    """Base for index problems; the message is Dutch and meant for users."""


class IndexMissing(IndexStoreError):
    pass


class IndexOutdated(IndexStoreError):
    pass


class IndexBusy(IndexStoreError):
    pass


class WriteFailed(IndexStoreError):
    pass


class BuildFailed(IndexStoreError):
    """A process reading or analysing for a build failed before anything
    was written."""


class NotAnIndex(IndexStoreError):
    """The index folder holds something else: a build would replace it."""


def expected_manifest() -> dict:
    return {"schema_revision": SCHEMA_REVISION, "analysis": analysis_version()}


def identity(index_dir: Path) -> tuple[int, int, int]:
    """(folder inode, latest generation, posting arrays stamp): changes when
    the index is updated, when posting arrays are added to it after an
    update, and, through the inode, when a rebuild swaps in a new folder."""
    return IdentityWatch(index_dir).identity()


class IdentityWatch:
    """identity() of one index, asked for on every search: the folder is
    listed again only when it may have changed since it was last listed."""

    # A folder's mtime comes from the kernel's coarse clock: a change in the
    # same tick as the listing would leave it as it was. A listing is only
    # trusted when taken this long after the folder last changed.
    SETTLED_NS = 1_000_000_000

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._listed: tuple[int, int, int, int] | None = None  # inode, mtime, when, generation

    def identity(self) -> tuple[int, int, int]:
        now = time.time_ns()
        try:
            folder = os.stat(self.index_dir)
            listed = self._listed
            if (listed is not None and listed[:2] == (folder.st_ino, folder.st_mtime_ns)
                    and listed[2] - folder.st_mtime_ns > self.SETTLED_NS):
                generation = listed[3]
            else:
                names = os.listdir(self.index_dir)
                generation = max((int(m.group(1)) for m in map(_TOC_RE.match, names) if m),
                                 default=-1)
                self._listed = (folder.st_ino, folder.st_mtime_ns, now, generation)
        except OSError:
            return (0, -1, 0)
        try:
            stamp = os.stat(self.index_dir / ARRAYS_STAMP).st_mtime_ns
        except OSError:
            stamp = 0
        return folder.st_ino, generation, stamp


def recover(index_dir: Path) -> None:
    """Finish a rebuild's folder swap that a crash interrupted: if the index
    folder is gone but the previous one is still beside it, put it back."""
    old = index_dir.with_name(index_dir.name + ".old")
    if index_dir.exists() or not old.is_dir():
        return
    # A running rebuild may be between its two os.replace() calls right now.
    # Putting .old back then made the build's second replace fail, and a
    # server saw no index at all: wait for the build to finish its swap
    # (microseconds) instead; only a dead build's swap is completed here.
    deadline = time.monotonic() + SWAP_WAIT_SECONDS
    while build_running(index_dir) and not index_dir.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    if not index_dir.exists() and old.is_dir():
        try:
            os.replace(old, index_dir)
        except OSError:
            pass  # another process got there first


SWAP_WAIT_SECONDS = 5.0


def lock_path(index_dir: Path) -> Path:
    """The build lock beside the index (see index.builder)."""
    return index_dir.with_name(index_dir.name + ".lock")


def build_running(index_dir: Path) -> bool:
    """Whether a build holds the index's lock. flock() locks die with their
    process, so a killed build never counts as running."""
    try:
        fd = os.open(lock_path(index_dir), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def exists(index_dir: Path) -> bool:
    return (index_dir / MANIFEST).is_file() and whoosh_index.exists_in(
        str(index_dir), indexname=INDEX_NAME)


def refuse_foreign_folder(index_dir: Path) -> None:
    """A build swaps a new index in for the old folder. Pointed by mistake
    at the working directory or a folder of letters, it would delete them."""
    if not index_dir.exists():
        return
    if index_dir.is_dir() and ((index_dir / MANIFEST).is_file() or not any(index_dir.iterdir())):
        return
    raise NotAnIndex(f"{index_dir} bestaat al en is geen kamerzoek-index; kies een andere "
                     "map voor de index (er is niets gewijzigd).")


def create(index_dir: Path, splitter=None):
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), make_schema(splitter), indexname=INDEX_NAME)
    write_manifest(index_dir, {**expected_manifest(), "created": _now()})
    return ix


def open_index(index_dir: Path):
    """Open an index built by this version of kamerzoek, or explain why not."""
    index_dir = Path(index_dir)
    recover(index_dir)
    if not exists(index_dir):
        raise IndexMissing(
            f"Geen index gevonden in {index_dir}. Bouw er een met: kamerzoek index MAP")
    check_version(index_dir)
    return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)


def check_version(index_dir: Path) -> None:
    manifest = read_manifest(index_dir)
    expected = expected_manifest()
    found = {k: manifest.get(k) for k in expected}
    if found != expected:
        differences = _differences(found, expected)
        raise IndexOutdated(
            f"De index in {index_dir} is gebouwd met een andere versie van de analyse "
            f"({differences}). Bouw hem opnieuw: kamerzoek index --rebuild MAP")


def read_manifest(index_dir: Path) -> dict:
    try:
        return json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(index_dir: Path, manifest: dict) -> None:
    """Atomic: a reader never sees half a manifest."""
    write_atomic(Path(index_dir) / MANIFEST,
                 json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))


def update_manifest(index_dir: Path, **changes) -> None:
    write_manifest(index_dir, {**read_manifest(index_dir), **changes, "updated": _now()})


def _differences(found: dict, expected: dict, prefix: str = "") -> str:
    parts = []
    for key, want in expected.items():
        have = found.get(key) if isinstance(found, dict) else None
        if isinstance(want, dict):
            sub = _differences(have or {}, want, f"{prefix}{key}.")
            if sub:
                parts.append(sub)
        elif have != want:
            parts.append(f"{prefix}{key}: {have} in plaats van {want}")
    return "; ".join(parts)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
