"""KOOP `officiele-publicatie` XML -> Letter.

Metadata comes, in order of preference, from the embedded `<metadata>` block,
from a repository `metadata.xml` beside the file (FRBR layout:
`.../1/xml/kst-X.xml` next to `.../1/metadata/metadata.xml`), and finally from
the document's own header (`kamerstukkop`, `dossiernr`, `ondernummer`,
`datum isodatum`), which every Kamerstuk carries.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers.expat import errors as expat_errors

from .errors import NotALetter, ReadError
from .kamerstuk import find_references, make_kamerstuk_id, normalise_dossier
from .koop_metadata import (chamber_name, collect_meta, fields_from_meta,
                            normalise_vergaderjaar, settle_date)
from .letter import Letter
from .text_reader import sender_from_heading, signed_members
from .titles import doc_type_from_heading, readable_heading

# Elements that start a new line in the plain text.
_BLOCKS = {
    "al", "titel", "tekstregel", "dossiernr", "stuknr", "datumtekst", "li",
    "regel", "kop", "noot", "ondertekening", "naam", "functie", "tussenkop",
    "entry", "row", "aanhef", "slotformulering", "dagtekening", "table",
    "alineagroep", "intitule", "considerans", "artikel", "lid", "nr",
}
_NOT_DOCUMENTS = {"metadata_gegevens", "owms-metadata", "searchRetrieveResponse", "record", "gzd",
                  "meta", "owmskern"}


def parse_xml_letter(data: bytes, *, source: str, fallback_id: str,
                     path: Path | None = None) -> Letter:
    root = _parse(data, source)
    tag = _local(root.tag)
    if tag in _NOT_DOCUMENTS:
        raise NotALetter(source, f"geen document maar metadata ({tag})")
    if tag != "officiele-publicatie":
        raise ReadError(source, f"onbekend XML-formaat (hoofdelement <{tag}>)")

    header = _fields_from_header(root)
    meta_block = root.find("metadata")
    meta = collect_meta(
        (m.get("name"), m.get("scheme"), m.get("content"))
        for m in (meta_block.iter("meta") if meta_block is not None else ()))
    fields = fields_from_meta(meta)
    if "dossier" not in fields and path is not None:
        fields = fields_from_meta(_sibling_metadata(path)) or fields
    merged = settle_date({**header, **fields})
    body = _body_text(root)
    if not body.strip():
        raise ReadError(source, "het document bevat geen tekst")
    letter_id = merged.pop("id", None) or merged.get("kamerstuk") or fallback_id
    own = merged.get("kamerstuk")
    refs = tuple(r for r in find_references(body) if r != own)
    return Letter(id=letter_id, source=source, body=body, references=refs,
                  format="koop-xml", **merged)


def read_metadata_file(path: Path):
    """The `<metadata_gegevens>` of a repository metadata.xml, or {}."""
    try:
        root = ET.fromstring(path.read_bytes())
    except (OSError, ET.ParseError):
        return {}
    return collect_meta((m.get("name"), m.get("scheme"), m.get("content"))
                        for m in root.iter("metadata"))


def _sibling_metadata(path: Path):
    # FRBR: <expression>/xml/<name>.xml beside <expression>/metadata/metadata.xml
    candidate = path.parent.parent / "metadata" / "metadata.xml"
    return read_metadata_file(candidate) if candidate.is_file() else {}


class _Doctype(Exception):
    pass


class _RootReached(Exception):
    pass


def _has_doctype(data: bytes) -> bool:
    """Whether the prolog declares a DOCTYPE (internal subset, entities or an
    external DTD), asked of expat itself. A DOCTYPE may only come before the
    root element, so the scan stops there and costs next to nothing.

    The former byte check looked at the first 4 KB only and at UTF-8 bytes:
    a DOCTYPE after a long comment, or a UTF-16 file, got past it, and expat
    then expanded internal entities (billion laughs)."""
    import xml.parsers.expat

    def doctype(*_):
        raise _Doctype()

    def root(*_):
        raise _RootReached()

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        parser.Parse(data, True)
    except _Doctype:
        return True
    except (_RootReached, xml.parsers.expat.ExpatError, ValueError, LookupError):
        return False
    return False


def _parse(data: bytes, source: str) -> ET.Element:
    if b"<!ENTITY" in data[:4096] or _has_doctype(data):
        # Entity declarations have no place in KOOP XML; refusing them keeps
        # entity-expansion tricks (billion laughs, external entities) out.
        raise ReadError(source, "XML met entiteitdeclaraties (DOCTYPE) wordt niet gelezen")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ReadError(source, _dutch_parse_error(exc)) from None
    except (LookupError, ValueError):
        # Raised by expat's encoding handler: a codec Python does not know
        # (LookupError) or a multi-byte one expat cannot take (ValueError).
        raise ReadError(source, f"ongeldige XML: tekenset {_declared_encoding(data)} in de "
                                "XML-declaratie is onbekend of wordt niet ondersteund") from None


# expat's own messages, by error code, in Dutch; users read the reason.
_EXPAT_DUTCH = {
    expat_errors.XML_ERROR_NO_ELEMENTS: "onvolledig bestand",
    expat_errors.XML_ERROR_UNCLOSED_TOKEN: "onvolledig bestand of onafgesloten tag",
    expat_errors.XML_ERROR_PARTIAL_CHAR: "onvolledig teken",
    expat_errors.XML_ERROR_INVALID_TOKEN: "ongeldig teken of ongeldige opbouw",
    expat_errors.XML_ERROR_SYNTAX: "syntaxfout",
    expat_errors.XML_ERROR_TAG_MISMATCH: "sluittag past niet bij de open tag",
    expat_errors.XML_ERROR_DUPLICATE_ATTRIBUTE: "attribuut staat er twee keer",
    expat_errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "tekst na het einde van het document",
    expat_errors.XML_ERROR_UNDEFINED_ENTITY: "onbekende entiteit",
    expat_errors.XML_ERROR_BAD_CHAR_REF: "verwijzing naar een ongeldig teken",
    expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION: "onafgesloten CDATA-blok",
    expat_errors.XML_ERROR_INCORRECT_ENCODING: "de tekenset in de XML-declaratie klopt niet",
    expat_errors.XML_ERROR_UNKNOWN_ENCODING: "onbekende tekenset",
    expat_errors.XML_ERROR_XML_DECL: "ongeldige XML-declaratie",
    expat_errors.XML_ERROR_MISPLACED_XML_PI: "XML-declaratie staat niet aan het begin",
    expat_errors.XML_ERROR_UNBOUND_PREFIX: "onbekend namespace-voorvoegsel",
}
_EXPAT_CODES = {expat_errors.codes[message]: text for message, text in _EXPAT_DUTCH.items()}


def _dutch_parse_error(exc: ET.ParseError) -> str:
    what = _EXPAT_CODES.get(exc.code, "fout in de opbouw")
    line, column = exc.position
    return f"ongeldige XML: {what} (regel {line}, kolom {column})"


def _declared_encoding(data: bytes) -> str:
    match = re.search(rb"""encoding\s*=\s*["']([^"']{1,40})["']""", data[:200])
    return repr(match.group(1).decode("ascii", "replace")) if match else "(onbekend)"


def _fields_from_header(root: ET.Element) -> dict:
    out: dict = {}
    for line in root.iter("tekstregel"):
        kind = line.get("inhoud")
        text = _text(line)
        if kind == "vergaderjaar" and normalise_vergaderjaar(text):
            out["vergaderjaar"] = normalise_vergaderjaar(text)
        elif kind == "kameraanduiding" and chamber_name(text):
            out["chamber"] = chamber_name(text)
    dossier_el = root.find(".//dossier")
    if dossier_el is not None:
        dossier = _dossier_number(dossier_el)
        if dossier:
            out["dossier"] = dossier
        title = dossier_el.find("titel")
        if title is not None and _text(title):
            out["dossier_title"] = _squash(_text(title))
    nr = root.find(".//stuk/stuknr/ondernummer")
    if nr is None:
        nr = root.find(".//ondernummer")
    if nr is not None and _text(nr).strip().isdigit():
        out["ondernummer"] = _text(nr).strip().lstrip("0") or "0"
    kamerstuk = make_kamerstuk_id(out.get("dossier"), out.get("ondernummer"))
    if kamerstuk:
        out["kamerstuk"] = kamerstuk
    stuk_title = root.find(".//stuk/titel")
    if stuk_title is not None and _text(stuk_title):
        heading = _squash(_text(stuk_title))
        out["title"] = readable_heading(heading)
        doc_type = doc_type_from_heading(heading)
        if doc_type:
            out["doc_type"] = doc_type
        # Who signed a motie, else what the heading says ("MOTIE VAN HET LID
        # CEDER"): on the 2,095 moties with KOOP's indiener, the signature
        # agrees more often; the heading was typed again ("GRNWIS C.S.").
        # Embedded or sibling metadata, when present, replaces either.
        sender, ministry = sender_from_heading(heading, doc_type)
        if doc_type == "Motie":
            sender = _motie_signers(root) or sender
        if sender:
            out["sender"] = sender
        if ministry:
            out["ministry"] = ministry
    if "title" not in out:
        title = _publication_title(root)
        if title:
            out["title"] = title
    date = root.find(".//datum[@isodatum]")
    if date is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.get("isodatum", "")):
        out["date"] = date.get("isodatum")
        out["year"] = int(out["date"][:4])
    return out


def _publication_title(root: ET.Element) -> str | None:
    """A Staatsblad's <intitule> ("Besluit van 9 maart 2018, houdende ..."),
    else the first <kop><titel> of the publication's content: the <kop>
    straight under the root names the gazette ("STAATSCOURANT")."""
    for element in (root.find(".//intitule"),
                    *(kop.find("titel") for part in root if part is not None
                      and _local(part.tag) not in ("kop", "metadata") for kop in part.iter("kop"))):
        if element is not None and _squash(_text(element)):
            return readable_heading(_squash(_text(element)))
    return None


_MOTIE_END = "en gaat over tot de orde van de dag."


def _motie_signers(root: ET.Element) -> str | None:
    """The names below a motie's closing formula: one <al> per member, in an
    <al-groep> when there are several (the formula itself sometimes ends the
    <al-groep> of the text before them)."""
    for text in root.iter("tekst"):
        paragraphs = [_squash(_text(al)) for al in text.iter("al")]
        ends = [i for i, line in enumerate(paragraphs) if line.lower() == _MOTIE_END]
        if ends:
            return signed_members(paragraphs[ends[-1] + 1:])
    return None


def _dossier_number(dossier_el: ET.Element) -> str | None:
    # "<dossiernr>21 501</dossiernr>-<raadnr>20</raadnr>" is dossier 21501-20;
    # "<begrotingshoofdstuk>XVI</begrotingshoofdstuk>" makes 36725-XVI.
    number = dossier_el.find(".//dossiernr")
    if number is None:
        return None
    main = normalise_dossier(_text(number))
    for suffix_tag in ("raadnr", "begrotingshoofdstuk", "dossiernrtoevoeging"):
        suffix = dossier_el.find(f".//{suffix_tag}")
        if main and suffix is not None and _text(suffix).strip():
            return normalise_dossier(f"{main}-{_text(suffix).strip()}")
    return main


def _body_text(root: ET.Element) -> str:
    parts: list[str] = []
    for child in root:
        if _local(child.tag) != "metadata":
            _walk(child, parts)
    text = "".join(parts)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _walk(element: ET.Element, parts: list[str]) -> None:
    block = _local(element.tag) in _BLOCKS
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        _walk(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n")


def _text(element: ET.Element) -> str:
    return "".join(element.itertext())


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
