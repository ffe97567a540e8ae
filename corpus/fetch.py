"""Download Kamerstukken from KOOP's SRU service into a folder `kamerzoek
index` reads.

Layout, per document: ``OUT/<id>/xml/<id>.xml`` beside
``OUT/<id>/metadata/metadata.xml`` - the repository's FRBR layout cut down to
what `corpus.xml_reader` looks for (`metadata.xml` two levels up from the XML,
in `metadata/`). The metadata is fetched first, so an XML on disk always had
its metadata tried first. Every file is written to a hidden temporary file and
renamed, so a file is complete or absent: a run that is stopped or loses the
network keeps what it has, and the next run skips it. A body is saved only when
it is an XML document: a proxy or the service may answer HTTP 200 with an HTML
error page, which would otherwise be kept as the letter forever.

The client is polite: at most `rate` requests a second, a User-Agent with a
contact address, and on a 5xx/429 answer, a timeout or a connection error a
new try after 1, 2, 4, ... times `backoff` seconds (or the server's
Retry-After, when longer).
"""
from __future__ import annotations

import codecs
import http.client
import re
import socket
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path
from typing import Callable
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen
from xml.parsers import expat

from .atomic import write_atomic
from .sru import (Record, Selection, SruError, build_query, diagnostic_message,
                  parse_response, search_url)

MAX_WAIT = 600.0   # seconds; a longer Retry-After is cut to this
# Records that fail one after another before the run stops. Each one has had
# all its retries (with the defaults up to about 165 s when requests time
# out), so a run that lost the network after the search page would otherwise
# grind through every record; five in a row is no longer bad luck.
GIVE_UP_AFTER = 5
CONTACT_HINT = ("Tip: vul fetch.contact in (een e-mailadres of URL, in kamerzoek.toml of met "
                "KAMERZOEK_FETCH_CONTACT). Het komt in de User-Agent, zodat de beheerder van de "
                "zoekdienst weet wie ophaalt en u kan bereiken.")
Progress = Callable[[int, int], None]   # (done, total)
BodyCheck = Callable[[bytes], "str | None"]   # why a body is unusable, or None

# The first element name, past an XML declaration, comments and a DOCTYPE.
_FIRST_ELEMENT = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->)*<(?:!DOCTYPE\s+)?([A-Za-z_][\w:.-]*)",
                            re.S | re.I)


class FetchError(Exception):
    """A request that failed for good; the message is Dutch."""

    def __init__(self, message: str, body: bytes = b""):
        super().__init__(message)
        self.body = body


@dataclass(frozen=True)
class FetchSettings:
    base_url: str = "https://repository.overheid.nl/sru"
    rate: float = 2.0
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    contact: str = ""
    page_size: int = 100

    @classmethod
    def from_config(cls, settings) -> "FetchSettings":
        return cls(**{name: settings[f"fetch.{name}"] for name in cls.__dataclass_fields__})

    @property
    def user_agent(self) -> str:
        try:
            version = metadata.version("kamerzoek")
        except metadata.PackageNotFoundError:
            version = "dev"
        return f"kamerzoek/{version}" + (f" (+{self.contact})" if self.contact else "")


@dataclass
class FetchReport:
    found: int | None = None                               # as the service counts
    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)       # already complete on disk
    without_xml: list[str] = field(default_factory=list)   # only pdf etc.
    other_type: list[str] = field(default_factory=list)    # found, but not a selected type
    failed: list[tuple[str, str]] = field(default_factory=list)   # (id or url, reason)
    error: str | None = None                               # why the search stopped early
    resumable: bool = False                                # a network error: run again
    notes: list[str] = field(default_factory=list)         # shown once, after the summary
    seconds: float = 0.0

    def summary(self, out_dir) -> str:
        found = "" if self.found is None else f" (de zoekdienst vond er {self.found})"
        other = (f", {len(self.other_type)} van een andere soort overgeslagen"
                 if self.other_type else "")
        return (f"Klaar in {self.seconds:.1f} s: {len(self.fetched)} opgehaald, "
                f"{len(self.skipped)} al aanwezig, {len(self.without_xml)} zonder XML, "
                f"{len(self.failed)} mislukt{other}{found}. Map: {out_dir}"
                + "".join("\n" + note for note in self.notes))


class HttpClient:
    """GET with a request rate, retries and back-off; sleep/clock injectable."""

    def __init__(self, settings: FetchSettings, *, sleep=time.sleep, clock=time.monotonic):
        self.settings = settings
        self._sleep, self._clock = sleep, clock
        self._next_turn = 0.0

    def get(self, url: str, check: BodyCheck | None = None) -> bytes:
        """The body of a 200 answer; ``check`` names a problem with a body,
        which is then retried like a server error."""
        if urlparse(url).scheme not in ("http", "https"):
            raise FetchError(f"ongeldig adres {url!r}")
        request = Request(url, headers={"User-Agent": self.settings.user_agent})
        attempt = 0
        while True:
            self._wait_turn()
            try:
                with urlopen(request, timeout=self.settings.timeout) as response:
                    body = response.read()
                problem, retry_after = (check(body) if check else None), None
                if problem is None:
                    return body
                if attempt >= self.settings.retries:
                    raise FetchError(f"{problem} bij {url} (na {attempt + 1} pogingen)", body)
            except HTTPError as exc:
                body, retry_after = _drain(exc), _retry_after(exc.headers.get("Retry-After"))
                problem = f"HTTP-fout {exc.code} ({exc.reason})"
                if not (exc.code >= 500 or exc.code == 429) or attempt >= self.settings.retries:
                    raise FetchError(f"{problem} bij {url}", body) from None
            except (URLError, OSError, http.client.HTTPException) as exc:
                problem, retry_after = self._describe(exc), None
                if attempt >= self.settings.retries:
                    raise FetchError(f"{problem} bij {url} (na {attempt + 1} pogingen)") from None
            wait = max(self.settings.backoff * 2 ** attempt, retry_after or 0.0)
            self._sleep(min(wait, MAX_WAIT))
            attempt += 1

    def _wait_turn(self) -> None:
        now = self._clock()
        if self._next_turn > now:
            self._sleep(self._next_turn - now)
        self._next_turn = max(now, self._next_turn) + 1.0 / self.settings.rate

    def _describe(self, exc: Exception) -> str:
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return f"geen antwoord binnen {self.settings.timeout:g} s"
        if isinstance(reason, ConnectionRefusedError):
            return "verbinding geweigerd"
        if isinstance(reason, socket.gaierror):
            return "server niet gevonden"
        return f"netwerkfout ({reason})"


def fetch(selection: Selection, out_dir: str | Path, settings: FetchSettings, *,
          limit: int | None = None, progress: Progress | None = None,
          client: HttpClient | None = None) -> FetchReport:
    """Download every record the selection finds; never raises for a network
    problem, which ends up in the report instead."""
    started = time.monotonic()
    out_dir = Path(out_dir)
    client = client or HttpClient(settings)
    progress = progress or (lambda done, total: None)
    report, seen, taken, failed_in_a_row = FetchReport(), set(), 0, 0
    if not settings.contact:
        report.notes.append(CONTACT_HINT)
    query, start = build_query(selection), 1
    while limit is None or taken < limit:
        try:
            page = _search(client, settings, query, start)
        except SruError as exc:
            report.error = str(exc)
            break
        except FetchError as exc:
            report.error, report.resumable = f"Zoekdienst niet bereikbaar: {exc}.", True
            break
        report.found = page.total
        expected = page.total or 0
        if limit is not None:
            expected = min(expected, limit) if expected else limit
        report.failed.extend(("(record)", reason) for reason in page.rejected)
        for record in page.records:
            if record.identifier in seen or (limit is not None and taken >= limit):
                continue
            seen.add(record.identifier)
            if not selection.accepts(record):
                report.other_type.append(record.identifier)
                progress(len(seen), max(expected, len(seen)))
                continue
            taken += 1
            saved = _save_record(client, record, out_dir, report)
            progress(len(seen), max(expected, len(seen)))
            if saved is not None:
                failed_in_a_row = 0 if saved else failed_in_a_row + 1
            if failed_in_a_row >= GIVE_UP_AFTER:
                report.error = (
                    f"{failed_in_a_row} stukken na elkaar konden niet worden opgehaald "
                    f"(laatste reden: {report.failed[-1][1]}). Wat al was opgehaald "
                    f"({len(report.fetched) + len(report.skipped)} stukken) staat in {out_dir} "
                    "en gaat niet verloren.")
                report.resumable = True
                break
        if (report.error or not page.records or not page.next_position
                or page.next_position <= start):
            break
        start = page.next_position
    report.seconds = time.monotonic() - started
    return report


def _search(client: HttpClient, settings: FetchSettings, query: str, start: int):
    url = search_url(settings.base_url, query, start, settings.page_size)
    try:
        data = client.get(url, check=_not_markup)
    except FetchError as exc:
        # An error page may still carry an SRU diagnostic, which says more.
        diagnostic = diagnostic_message(exc.body)
        if diagnostic:
            raise SruError(diagnostic) from None
        raise
    return parse_response(data)


def _save_record(client: HttpClient, record: Record, out_dir: Path,
                 report: FetchReport) -> bool | None:
    """True when the record is on disk, False when it failed, None when it has
    nothing to download."""
    if not record.xml_url:
        report.without_xml.append(record.identifier)
        return None
    folder = out_dir / record.identifier
    targets = [(record.metadata_url, folder / "metadata" / "metadata.xml"),
               (record.xml_url, folder / "xml" / f"{record.identifier}.xml")]
    downloaded = False
    try:
        for url, path in targets:
            if url and not is_complete(path):
                write_atomic(path, client.get(url, check=xml_problem))
                downloaded = True
    except FetchError as exc:
        report.failed.append((record.identifier, str(exc)))
        return False
    except OSError as exc:
        report.failed.append((record.identifier, f"kan niet schrijven ({exc.strerror or exc})"))
        return False
    (report.fetched if downloaded else report.skipped).append(record.identifier)
    return True


def is_complete(path: Path) -> bool:
    """A saved file that looks like a whole XML document. Only its ends are
    read, so a resumed run stays cheap; a file saved before bodies were
    checked (an HTML error page) is fetched again."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            handle.seek(max(0, path.stat().st_size - 64))
            tail = handle.read()
    except OSError:
        return False
    return _first_element(head) not in (None, "html") and tail.rstrip().endswith(b">")


def xml_problem(data: bytes) -> str | None:
    """Why a downloaded body is not an XML document (Dutch), or None."""
    problem = _not_markup(data)
    if problem:
        return problem
    parser = expat.ParserCreate()
    root: list[str] = []
    parser.StartElementHandler = lambda name, attrs: root or root.append(name)

    def refuse_entities(*args):
        raise _EntityDeclaration

    # Entity declarations are what XML bombs are made of; KOOP's XML has none.
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse(data, True)
    except _EntityDeclaration:
        return "XML met entiteitdeclaraties (DOCTYPE), niet opgeslagen"
    except expat.ExpatError as exc:
        return f"geen geldige of geen volledige XML (regel {exc.lineno}, kolom {exc.offset})"
    if root and root[0].rsplit(":", 1)[-1].lower() == "html":
        return "een HTML-pagina in plaats van XML"
    return None


class _EntityDeclaration(Exception):
    pass


def _not_markup(data: bytes) -> str | None:
    """A quick look at the start: empty, HTML, or not markup at all."""
    if not data.strip():
        return "leeg antwoord"
    name = _first_element(data[:4096])
    if name is None:
        return "geen XML"
    if name == "html":
        return "een HTML-pagina in plaats van XML"
    return None


def _first_element(head: bytes) -> str | None:
    match = _FIRST_ELEMENT.match(head.removeprefix(codecs.BOM_UTF8))
    if match is None:
        return None
    return match.group(1).decode("ascii", "replace").rsplit(":", 1)[-1].lower()


def _drain(exc: HTTPError) -> bytes:
    try:
        return exc.read()
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        exc.close()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - time.time())
