"""KOOP's SRU 2.0 search service (https://repository.overheid.nl/sru): the CQL
query for a selection of Kamerstukken, and the records of a response.

The CQL indexes are those KOOP's own responses echo and name
(`koop-samples/repository/sru.xml`, `owms/sru.xml`): `c.product-area`,
`dt.type` (`Kamerstuk`, scheme OVERHEIDop.Parlementair), `dt.date` (the
document date, compared with `>=`/`<=`), and one `w.` index per `tpmeta`
field of a record: `w.dossiernummer`, `w.vergaderjaar` and `w.subrubriek`
(the KamerstukTypen value: `Motie`, `Brief`, ...). `==` is an exact match.

KamerstukTypen is coarser than the label KOOP puts in a Kamerstuk's title
("<dossier>; <label>; <document title>"): the samples show letter
kst-22112-3185 with subrubriek `Brief` and `Brief regering` only in its title,
and `Brief` also covers letters of committees and others. A label type such
as `Brief regering` is therefore asked of the service by its subrubriek and
checked in each record's title (`Selection.accepts`).

A record is a `gzd:gzd` with the OWMS metadata in `originalData` and, in
`enrichedData`, one `itemUrl` per manifestation (`xml`, `metadata`, `html`,
`pdf`, ...). Elements are matched by local name, so the same code reads
namespaced responses and the bare records of other tools.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from .koop_metadata import normalise_vergaderjaar

PRODUCT_AREA = "officielepublicaties"
DOCUMENT_KIND = "Kamerstuk"
_DOSSIER_RE = re.compile(r"\d{1,6}(?:-[A-Za-z0-9]{1,12})?")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Title label -> the KamerstukTypen value (w.subrubriek) it falls under.
TITLE_LABELS = {"brief regering": "Brief"}

# SRU 2.0 diagnostics (info:srw/diagnostic/1/N) users are likely to meet.
_DIAGNOSTICS = {
    1: "algemene fout van de zoekdienst",
    4: "deze bewerking wordt niet ondersteund",
    6: "een parameter heeft een waarde die niet wordt ondersteund",
    7: "een verplichte parameter ontbreekt",
    10: "de zoekvraag (CQL) is ongeldig",
    16: "een zoekveld in de zoekvraag is onbekend",
    60: "te veel resultaten; maak de selectie kleiner",
    61: "de startpositie ligt voorbij het laatste resultaat",
}


class SruError(Exception):
    """The service answered with a diagnostic or with something unreadable."""


class SelectionError(ValueError):
    """A bad selection; names the command-line option at fault (Dutch)."""

    def __init__(self, option: str, message: str):
        super().__init__(f"Ongeldige waarde voor {option}: {message}.")
        self.option = option


@dataclass(frozen=True)
class Selection:
    dossiers: tuple[str, ...] = ()
    vergaderjaar: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    types: tuple[str, ...] = ()     # empty: every type

    def is_empty(self) -> bool:
        return not (self.dossiers or self.vergaderjaar or self.date_from or self.date_to)

    def accepts(self, record: "Record") -> bool:
        """Whether a record the service found is of a selected type. Only
        title labels need a look: plain types were selected by the service."""
        labels = [t for t in self.types if t.casefold() in TITLE_LABELS]
        if not labels:
            return True
        kind = (record.doc_type or "").casefold()
        if any(kind == t.casefold() for t in self.types if t not in labels):
            return True
        in_title = {part.strip().casefold() for part in (record.title or "").split(";")}
        return any(t.casefold() in in_title
                   and kind in ("", TITLE_LABELS[t.casefold()].casefold()) for t in labels)

    @classmethod
    def from_options(cls, *, dossiers=(), vergaderjaar=None, date_from=None, date_to=None,
                     types=()) -> "Selection":
        """From command-line text; SelectionError names the bad option. A type
        'alle' means every type."""
        selection = cls(
            dossiers=tuple(_option("--dossier", check_dossier, d) for d in dossiers),
            vergaderjaar=vergaderjaar and _option("--vergaderjaar", check_vergaderjaar,
                                                  vergaderjaar),
            date_from=date_from and _option("--from", check_date, date_from),
            date_to=date_to and _option("--to", check_date, date_to),
            types=() if any(t.strip().lower() == "alle" for t in types) else tuple(types))
        if selection.date_from and selection.date_to and selection.date_from > selection.date_to:
            raise SelectionError("--from", f"{date_from} ligt na --to {date_to}")
        return selection


@dataclass(frozen=True)
class Record:
    identifier: str
    title: str | None
    doc_type: str | None
    xml_url: str | None
    metadata_url: str | None


@dataclass(frozen=True)
class Page:
    total: int | None
    records: list[Record]
    next_position: int | None
    rejected: tuple[str, ...] = ()   # records that could not be read, and why


def check_dossier(value: str) -> str:
    """'33694', '33 694' or '21501-20' -> the form KOOP indexes; ValueError."""
    compact = re.sub(r"\s+", "", value)
    if not _DOSSIER_RE.fullmatch(compact):
        raise ValueError(f"'{value}' is geen dossiernummer (bijv. 33694 of 21501-20)")
    return compact


def check_vergaderjaar(value: str) -> str:
    normal = normalise_vergaderjaar(value)
    if not normal or not re.fullmatch(r"\s*\d{4}\s*-\s*\d{2,4}\s*", value):
        raise ValueError(f"'{value}' is geen vergaderjaar (bijv. 2018-2019)")
    return normal


def check_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is geen datum in de vorm JJJJ-MM-DD") from None


def _option(option: str, check, value):
    try:
        return check(value)
    except ValueError as exc:
        raise SelectionError(option, str(exc)) from None


def build_query(selection: Selection) -> str:
    """The CQL query for a selection; every value quoted."""
    parts = [f"c.product-area=={_quote(PRODUCT_AREA)}", f"dt.type=={_quote(DOCUMENT_KIND)}"]
    if selection.dossiers:
        parts.append(_any("w.dossiernummer", selection.dossiers))
    if selection.vergaderjaar:
        parts.append(f"w.vergaderjaar=={_quote(selection.vergaderjaar)}")
    if selection.date_from:
        parts.append(f"dt.date>={_quote(selection.date_from.isoformat())}")
    if selection.date_to:
        parts.append(f"dt.date<={_quote(selection.date_to.isoformat())}")
    if selection.types:
        kinds = (TITLE_LABELS.get(t.casefold(), t) for t in selection.types)
        parts.append(_any("w.subrubriek", list(dict.fromkeys(kinds))))
    return " AND ".join(parts)


def search_url(base_url: str, query: str, start: int, maximum: int) -> str:
    params = {"operation": "searchRetrieve", "version": "2.0", "query": query,
              "startRecord": start, "maximumRecords": maximum}
    return base_url + ("&" if "?" in base_url else "?") + urlencode(params)


def parse_response(data: bytes) -> Page:
    """A searchRetrieveResponse -> Page; SruError for a diagnostic."""
    root = _parse(data)
    if _local(root.tag) != "searchRetrieveResponse":
        raise SruError(f"onverwacht antwoord van de zoekdienst (<{_local(root.tag)}>)")
    diagnostics = [d for d in root.iter() if _local(d.tag) == "diagnostic"]
    if diagnostics:
        raise SruError(describe_diagnostic(diagnostics[0]))
    records, rejected = [], []
    for element in _children(root, "records", "record"):
        try:
            records.append(parse_record(element))
        except SruError as exc:
            rejected.append(str(exc))
    return Page(total=_int(_child_text(root, "numberOfRecords")), records=records,
                next_position=_int(_child_text(root, "nextRecordPosition")),
                rejected=tuple(rejected))


def diagnostic_message(data: bytes) -> str | None:
    """The Dutch message of a diagnostic in an error page, if it holds one."""
    try:
        root = _parse(data)
    except SruError:
        return None
    found = next((d for d in root.iter() if _local(d.tag) == "diagnostic"), None)
    return describe_diagnostic(found) if found is not None else None


def describe_diagnostic(element: ET.Element) -> str:
    texts = {_local(c.tag): (c.text or "").strip() for c in element}
    uri = texts.get("uri", "")
    number = _int(uri.rsplit("/", 1)[-1]) if uri.startswith("info:srw/diagnostic/1/") else None
    meaning = _DIAGNOSTICS.get(number, "de zoekdienst kan de vraag niet beantwoorden")
    said = "; ".join(t for t in (texts.get("message"), texts.get("details")) if t)
    return (f"De zoekdienst (SRU) meldt: {meaning}" + (f" ({said})" if said else "")
            + (f" [{uri}]" if uri else "") + ".")


def parse_record(record: ET.Element) -> Record:
    identifier = _first_text(record, "identifier")
    if not identifier or not _ID_RE.fullmatch(identifier) or ".." in identifier:
        raise SruError(f"record zonder bruikbaar kenmerk ({identifier!r})")
    urls = {el.get("manifestation"): (el.text or "").strip()
            for el in record.iter() if _local(el.tag) == "itemUrl"}
    return Record(identifier=identifier, title=_first_text(record, "title"),
                  doc_type=_first_text(record, "subrubriek"),
                  xml_url=urls.get("xml") or None, metadata_url=urls.get("metadata") or None)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any(index: str, values) -> str:
    terms = [f"{index}=={_quote(v)}" for v in values]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _parse(data: bytes) -> ET.Element:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise SruError("antwoord van de zoekdienst bevat een DOCTYPE en wordt niet gelezen")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise SruError(f"antwoord van de zoekdienst is geen geldige XML ({exc})") from None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(root: ET.Element, outer: str, inner: str):
    for child in root:
        if _local(child.tag) == outer:
            yield from (r for r in child if _local(r.tag) == inner)


def _child_text(root: ET.Element, name: str) -> str | None:
    for child in root:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _first_text(root: ET.Element, name: str) -> str | None:
    for el in root.iter():
        if _local(el.tag) == name and (el.text or "").strip():
            return el.text.strip()
    return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
