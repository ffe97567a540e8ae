"""Files on disk -> Letter records: discovery, decoding, format dispatch and
sidecar metadata."""
from __future__ import annotations

import errno
import hashlib
import json
import operator
import os
import re
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from .errors import NotALetter, ReadError
from .html_reader import parse_html_letter
from .kamerstuk import make_kamerstuk_id, normalise_dossier, parse_identifier
from .letter import LIST_FIELDS, Letter
from .text_reader import parse_text_letter
from .themes import THEMES, official_theme
from .xml_reader import parse_xml_letter

LETTER_SUFFIXES = {".xml": "xml", ".html": "html", ".htm": "html",
                   ".txt": "text", ".md": "markdown", ".markdown": "markdown"}
# Larger files are not letters; reading them would only stall the build.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Names that are metadata beside a document, never a document themselves.
_METADATA_NAMES = {"metadata.xml", "metadata_owms.xml"}
# A README or LICENSE beside the letters describes them; it is not one.
_HOUSEKEEPING_RE = re.compile(r"^(readme|license|licence|changelog|copying|notice)([._-]|$)")


# Raise by one whenever a change to the readers (this package) changes the
# letter some file gives: its date, title, text or any other field. Every
# file's digest includes it, and the index's file states are recorded with
# it, so the next update reads and indexes every file again, without a
# rebuild (and without losing letters from folders it was not given).
# Revision 2: OCR dates without a space ("16januari 1975"), 2026-12-03;
# 3: senders counted without initials (Letter.sender_names), 2026-12-03.
READER_REVISION = 3
# Indexes of revision 1 (before it was recorded) hashed the bytes alone.
_REVISION_TAG = b"kamerzoek reader %d\0" % READER_REVISION


@dataclass(frozen=True)
class SourceFile:
    """A file that may hold a letter, read once: its bytes, its sidecar's,
    and the hash of both (content_digest) that says whether it changed.
    Parsing these same bytes means a file that changes while being read is
    indexed as one consistent version, under the hash of that version."""
    path: Path
    digest: str
    data: bytes
    sidecar: Path | None = None
    sidecar_data: bytes | None = None


def discover(paths: list[str | Path]) -> Iterator[Path]:
    """Every candidate letter file below ``paths``, sorted, each once.

    Raises ReadError for a path that does not exist. Symlinked directories are
    not followed, so a symlink loop cannot trap the walk.
    """
    return map(Path, discover_sources(paths))


def discover_sources(paths: list[str | Path],
                     listings: "FolderListings | None" = None) -> Iterator[str]:
    """discover() as path strings, which the builder keys everything by: a
    Path per file took a third of an unchanged update's walk and check.
    `listings`, when given, gets the JSON names of every folder walked, so
    finding sidecars lists no folder a second time."""
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise ReadError(str(given), "bestaat niet")
        if path.is_file():
            candidates = [(str(path), True)]
        else:
            # Walked from its real path, a folder yields real paths, except
            # for files that are symlinks: only those need resolve(), which
            # cost more than the rest of an unchanged update's walk.
            candidates = _walk(str(path.resolve()), listings)
        for candidate, resolve in candidates:
            if not resolve:
                resolved = candidate
            else:
                try:
                    resolved = str(Path(candidate).resolve())
                except (RuntimeError, OSError):
                    # A file symlink loop (a -> b -> a): resolve() raises on
                    # it (RuntimeError up to Python 3.12, OSError after),
                    # which stopped the whole build. Yield it unresolved;
                    # reading it then fails with a ReadError that names it,
                    # and the rest of the folder is indexed.
                    resolved = os.path.abspath(candidate)
            if resolved not in seen:
                seen.add(resolved)
                yield resolved


def is_candidate(name: str) -> bool:
    """Worth reading while walking a folder: a letter format, and not one of
    the files every folder of documents has beside its letters."""
    name = name.lower()
    if name.startswith("."):
        return False
    # The suffix as os.path.splitext() finds it for a name that does not
    # start with a dot: splitext() was a fifth of walking 200,000 files.
    return (name[name.rfind("."):] in LETTER_SUFFIXES
            and name not in _METADATA_NAMES
            and not _HOUSEKEEPING_RE.match(name))


_NAME = operator.attrgetter("name")


def _walk(folder: str, listings: "FolderListings | None") -> Iterator[tuple[str, bool]]:
    """(path, whether it is a symlink) of each candidate below `folder`, as
    os.walk() finds them without following symlinked folders, in the order
    paths sort (each folder's entries by name, files and folders alike);
    from the folder listings alone (os.scandir), with no stat() per file.
    Hidden folders are left out, and folders that cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_NAME)
    except OSError:
        return
    if listings is not None:
        listings.record(folder, (entry.name for entry in entries))
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not entry.is_symlink() and not entry.name.startswith("."):
                yield from _walk(entry.path, listings)
        elif is_candidate(entry.name):
            yield entry.path, entry.is_symlink()


def sidecar_path(path: str | Path, listing: frozenset[str] | None = None) -> Path | None:
    """The file's JSON sidecar (``brief.json`` or ``brief.txt.json``), if
    any. `listing`: the names in its folder (or just those of its JSON
    files: FolderListings), when known, which spares a
    stat() for each sidecar that is not there."""
    found = find_sidecar(*os.path.split(path), listing)
    return Path(found[0]) if found else None


def find_sidecar(folder: str, name: str, listing: frozenset[str] | None
                 ) -> tuple[str, os.stat_result] | None:
    """sidecar_path() of the file `name` in `folder`, as a string, with
    the stat() that found it (the file states keep it: index.file_states)."""
    if listing is not None and not listing:   # most folders: no JSON at all
        return None
    dot = name.rfind(".")
    # os.path.splitext()'s stem, without its cost, but for names starting
    # with a dot (which it treats apart).
    stem = name[:dot] if dot > 0 and name[0] != "." else os.path.splitext(name)[0]
    for candidate in (stem + ".json", name + ".json"):
        if listing is not None and candidate not in listing:
            continue
        sidecar = os.path.join(folder, candidate)
        try:
            found = os.stat(sidecar)
        except OSError:
            continue
        if stat.S_ISREG(found.st_mode):
            return sidecar, found
    return None


class FolderListings:
    """The names of the JSON files in each file's folder, listed once, for
    sidecar_path() (None when the folder cannot be listed: then sidecars
    are looked for one by one)."""

    def __init__(self):
        self._names: dict[str, frozenset[str] | None] = {}

    def of(self, path: str | Path) -> frozenset[str] | None:
        folder = os.path.dirname(path)
        if folder not in self._names:
            try:
                self.record(folder, os.listdir(folder))
            except OSError:
                self._names[folder] = None
        return self._names[folder]

    def record(self, folder: str, names) -> None:
        """The names in `folder`, as a walk listed them."""
        self._names[folder] = frozenset(name for name in names if name.endswith(".json"))


def read_source(path: Path, listing: frozenset[str] | None = None) -> SourceFile:
    """Read a file and its sidecar once; a change to either re-indexes it.
    `listing`: see sidecar_path."""
    data = _read_bytes(path)
    sidecar = sidecar_path(path, listing)
    sidecar_data = _read_bytes(sidecar) if sidecar else None
    return SourceFile(path, content_digest(data, sidecar_data), data, sidecar, sidecar_data)


def content_digest(data: bytes, sidecar_data: bytes | None = None) -> str:
    """The hash that says whether a file gives the letter it gave when it
    was indexed: of its bytes, its sidecar's and the readers' revision."""
    digest = hashlib.sha1(_REVISION_TAG)
    digest.update(data)
    if sidecar_data is not None:
        digest.update(b"\0sidecar\0")
        digest.update(sidecar_data)
    return digest.hexdigest()


fingerprint = read_source


def read_letter(path: Path) -> Letter:
    """Read one file into a Letter; ReadError (or NotALetter) says why not."""
    return parse_source(read_source(path))


def parse_source(source_file: SourceFile) -> Letter:
    path, data = source_file.path, source_file.data
    source = str(path)
    kind = LETTER_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise NotALetter(source, f"bestandstype {path.suffix or '(geen)'} wordt niet gelezen")
    if not data.strip():
        raise ReadError(source, "het bestand is leeg")
    fallback = fallback_id(path)
    if kind == "xml":
        letter = parse_xml_letter(data, source=source, fallback_id=fallback, path=path)
    elif kind == "html":
        letter = parse_html_letter(decode(data, source), source=source, fallback_id=fallback)
    else:
        letter = parse_text_letter(decode(data, source), source=source,
                                   fallback_id=fallback, markdown=kind == "markdown")
    if source_file.sidecar is None:
        return letter
    return apply_sidecar(letter, source_file.sidecar, source_file.sidecar_data)


def decode(data: bytes, source: str) -> str:
    """Text of a file: UTF-8 when it is, else Windows-1252 / Latin-1 (older
    Dutch government files), never silently garbled."""
    if b"\0" in data[:8192]:
        raise ReadError(source, "binair bestand, geen tekst")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if _looks_binary(text[:8192]):
        raise ReadError(source, "binair bestand, geen tekst")
    return text


# Binary data without a NUL byte in its first 8 KB (a header-less blob, a
# compressed stream) decoded "successfully" as cp1252/latin-1 and was indexed
# as a letter full of control characters. Real letters, OCR text included,
# have next to none: more than 1 % in the first 8 KB means not text.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _looks_binary(sample: str) -> bool:
    controls = len(_CONTROL_RE.findall(sample))
    return controls > max(8, len(sample) // 100)


def fallback_id(path: Path, *, full_path: bool = False) -> str:
    """A stable id for a letter without a Kamerstuk number: readable name plus
    a short hash of its folder and file name.

    The hash leaves out where the corpus lives, so a letter keeps its URL when
    the folder moves or another machine indexes a copy. Two files whose folder
    and name are both equal get the full-path variant from the builder.
    """
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:60] or "document"
    key = str(path) if full_path else f"{path.parent.name}/{path.name}"
    tag = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    return f"{stem}-{tag}"


_SIDECAR_FIELDS = {
    "title": str, "kamerstuk": str, "dossier": str, "ondernummer": str,
    "vergaderjaar": str, "date": str, "year": int, "doc_type": str,
    "dossier_title": str, "sender": str, "ministry": str, "chamber": str,
    "topics": list, "subtopics": list, "references": list, "id": str,
}


def apply_sidecar(letter: Letter, sidecar: Path, raw: bytes | None = None) -> Letter:
    """Metadata from ``NAME.json`` beside the file overrides what was read."""
    source = str(sidecar)
    try:
        data = json.loads(decode(raw if raw is not None else _read_bytes(sidecar), source))
    except json.JSONDecodeError as exc:
        raise ReadError(source, _dutch_json_error(exc)) from None
    if not isinstance(data, dict):
        raise ReadError(source, "verwacht een JSON-object met metadatavelden")
    changes = {}
    for key, value in data.items():
        expected = _SIDECAR_FIELDS.get(key)
        if expected is None:
            raise ReadError(source, f"onbekend veld '{key}' (toegestaan: {', '.join(sorted(_SIDECAR_FIELDS))})")
        if value is not None and not isinstance(value, expected):
            raise ReadError(source, f"veld '{key}' moet een {_TYPE_NAMES[expected]} zijn")
        if key in LIST_FIELDS:
            if not all(isinstance(v, str) for v in value or ()):
                raise ReadError(source, f"veld '{key}' moet een lijst van teksten zijn")
            value = tuple(value or ())
        changes[key] = value
    _check_values(changes, source)
    if changes.get("date") and changes.get("year") is None:
        changes["year"] = int(changes["date"][:4])
    final = letter.with_changes(**changes)
    if ("year" in changes or "date" in changes) and final.date and final.year != int(final.date[:4]):
        raise ReadError(source, f"veld 'year' ({final.year}) past niet bij de datum {final.date}")
    if "topics" in changes:
        changes["topic_source"] = "sidecar" if changes["topics"] else None
    if "kamerstuk" not in changes and ("dossier" in changes or "ondernummer" in changes):
        # A new dossier or number makes another Kamerstuk: the old one (or
        # an id from the path) would name a letter this is not.
        changes["kamerstuk"] = make_kamerstuk_id(final.dossier, final.ondernummer)
    if "id" not in changes and changes.get("kamerstuk"):
        changes["id"] = changes["kamerstuk"]
    return letter.with_changes(**changes)


def _check_values(changes: dict, source: str) -> None:
    """Values a reader could not have produced are refused, naming the key;
    the normal forms replace what was typed."""
    if changes.get("date"):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", changes["date"]):
            raise ReadError(source, "veld 'date' moet de vorm JJJJ-MM-DD hebben")
        try:
            date.fromisoformat(changes["date"])
        except ValueError:
            raise ReadError(source, f"veld 'date' ('{changes['date']}') is geen bestaande "
                                    "datum") from None
    for key in ("topics", "subtopics"):
        checked = []
        for value in changes.get(key, ()):
            theme, _, rest = value.partition("|")
            official = official_theme(theme)
            if official is None or (key == "topics" and rest):
                raise ReadError(source, f"veld '{key}': '{value}' is geen thema van de "
                                        f"TaxonomieBeleidsagenda (toegestaan: {', '.join(THEMES)})")
            checked.append(f"{official} | {rest.strip()}" if rest.strip() else official)
        if key in changes:
            changes[key] = tuple(checked)
    if changes.get("dossier"):
        dossier = normalise_dossier(changes["dossier"])
        if dossier is None:
            raise ReadError(source, f"veld 'dossier' ('{changes['dossier']}') is geen "
                                    "dossiernummer, zoals 33694 of 21501-20")
        changes["dossier"] = dossier
    if changes.get("ondernummer"):
        if not changes["ondernummer"].strip().isdigit():
            raise ReadError(source, f"veld 'ondernummer' ('{changes['ondernummer']}') moet "
                                    "een getal zijn")
        changes["ondernummer"] = changes["ondernummer"].strip().lstrip("0") or "0"
    if changes.get("kamerstuk"):
        kamerstuk = parse_identifier(changes["kamerstuk"])
        if kamerstuk is None:
            raise ReadError(source, f"veld 'kamerstuk' ('{changes['kamerstuk']}') is geen "
                                    "Kamerstuknummer, zoals kst-33694-45")
        changes["kamerstuk"] = kamerstuk


_TYPE_NAMES = {str: "tekst", int: "geheel getal", list: "lijst"}

# The json module's messages (exc.msg), in Dutch; users read the reason.
_JSON_DUTCH = {
    "Expecting value": "waarde verwacht",
    "Expecting ',' delimiter": "komma verwacht",
    "Expecting ':' delimiter": "dubbele punt verwacht",
    "Expecting property name enclosed in double quotes":
        "veldnaam tussen dubbele aanhalingstekens verwacht",
    "Unterminated string starting at": "tekst zonder afsluitend aanhalingsteken",
    "Extra data": "tekst na het einde van het JSON-object",
    "Invalid control character at": "ongeldig stuurteken in een tekst",
    "Invalid \\escape": "ongeldige escape met \\",
    "Invalid \\uXXXX escape": "ongeldige \\u-escape",
    # Python 3.13 and later:
    "Illegal trailing comma before end of object": "komma vóór het einde van het object",
    "Illegal trailing comma before end of array": "komma vóór het einde van de lijst",
}


def _dutch_json_error(exc: json.JSONDecodeError) -> str:
    what = _JSON_DUTCH.get(exc.msg, "fout in de opbouw")
    return f"ongeldige JSON: {what} (regel {exc.lineno}, kolom {exc.colno})"


def _read_bytes(path: Path) -> bytes:
    # Opened without blocking and checked on the open descriptor: a FIFO or a
    # device with a letter's name (or a symlink to /dev/zero) used to hang the
    # build in read_bytes(), or read without end, because stat() said 0 bytes.
    # Reading at most MAX_FILE_BYTES + 1 also catches a file that grows past
    # the limit after the size check.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(errno.EISDIR, "is a directory")
            if not stat.S_ISREG(info.st_mode):
                raise ReadError(str(path), "geen gewoon bestand (apparaat, pipe of socket)")
            if info.st_size > MAX_FILE_BYTES:
                raise _too_big(path, info.st_size)
            data = _read_at_most(fd, MAX_FILE_BYTES + 1, info.st_size)
        finally:
            os.close(fd)
        if len(data) > MAX_FILE_BYTES:
            raise _too_big(path, len(data))
        return data
    except PermissionError:
        raise ReadError(str(path), "geen leesrechten") from None
    except IsADirectoryError:
        raise ReadError(str(path), "is een map, geen bestand") from None
    except OSError as exc:
        raise ReadError(str(path), f"kan niet gelezen worden ({os_reason(exc)})") from None


def _read_at_most(fd: int, limit: int, size_on_disk: int) -> bytes:
    """Up to `limit` bytes of a file stat() said was `size_on_disk` bytes.
    Asked for that size (and one byte more, to see growth): a buffered
    read(limit) allocated all 20 MB of the limit for every file, which made
    reading the shared corpus's 85 MB take 1.2 s instead of 0.14 s. A read
    may return less than asked (network and FUSE file systems, signals), so
    only an empty read, or a short one that completes what stat() said,
    ends the file."""
    chunks = []
    size = 0
    while size < limit:
        # Past what stat() said the file grows: on in steps.
        want = min(limit - size, size_on_disk + 1 - size if size <= size_on_disk else 1 << 20)
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size == size_on_disk and len(chunk) < want:
            break
    return b"".join(chunks)


# The system's own text (exc.strerror) is English; these are the errors a
# folder of letters can give.
_ERRNO_DUTCH = {
    errno.ELOOP: "te veel niveaus van symbolische koppelingen, mogelijk een lus",
    errno.ENOENT: "bestand of map bestaat niet",
    errno.EACCES: "geen leesrechten",
    errno.EPERM: "geen toestemming",
    errno.EISDIR: "is een map, geen bestand",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.ENAMETOOLONG: "bestandsnaam te lang",
    errno.EIO: "invoer-/uitvoerfout van de schijf",
    errno.ENXIO: "apparaat of adres bestaat niet",
    errno.ENODEV: "apparaat bestaat niet",
    errno.EMFILE: "te veel open bestanden",
    errno.ENFILE: "te veel open bestanden in het systeem",
    errno.ENOMEM: "onvoldoende geheugen",
    errno.ETIMEDOUT: "de verbinding met de schijf duurde te lang",
    errno.ESTALE: "verouderde verwijzing naar een netwerkbestand",
    errno.EAGAIN: "tijdelijk niet beschikbaar",
    errno.EBUSY: "bestand is in gebruik",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused a file, in Dutch."""
    reason = _ERRNO_DUTCH.get(exc.errno)
    if reason:
        return reason
    name = errno.errorcode.get(exc.errno) if exc.errno else None
    return f"systeemfout {name}" if name else "onbekende systeemfout"


def _too_big(path: Path, size: int) -> ReadError:
    return ReadError(str(path), f"te groot ({size // (1024 * 1024)} MB; maximaal "
                                f"{MAX_FILE_BYTES // (1024 * 1024)} MB)")
