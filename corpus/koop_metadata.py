"""Official KOOP metadata (`<meta name=... content=...>`) -> letter fields.

The same vocabulary appears in three places: the `<metadata>` block embedded
in an `officiele-publicatie` XML, a repository `metadata.xml`
(`<metadata_gegevens>`), and the `<head>` of the HTML rendering.
"""
from __future__ import annotations

import re
from collections import defaultdict

from .kamerstuk import make_kamerstuk_id, normalise_dossier

Meta = dict[str, list[tuple[str, str]]]  # name -> [(scheme, content), ...]


def collect_meta(pairs) -> Meta:
    """Group (name, scheme, content) triples by name, dropping empty values."""
    meta: Meta = defaultdict(list)
    for name, scheme, content in pairs:
        content = (content or "").strip()
        if name and content:
            meta[name].append((scheme or "", content))
    return dict(meta)


def first(meta: Meta, name: str, scheme: str | None = None) -> str | None:
    for value_scheme, content in meta.get(name, ()):
        if scheme is None or value_scheme == scheme:
            return content
    return None


def all_values(meta: Meta, name: str, scheme: str | None = None) -> list[str]:
    return [c for s, c in meta.get(name, ()) if scheme is None or s == scheme]


def fields_from_meta(meta: Meta) -> dict:
    """Letter fields the metadata states outright; absent ones are left out."""
    out: dict = {}
    identifier = first(meta, "DC.identifier")
    dossier = normalise_dossier(first(meta, "OVERHEIDop.dossiernummer"))
    ondernummer = first(meta, "OVERHEIDop.ondernummer")
    if identifier:
        out["id"] = identifier
    if dossier:
        out["dossier"] = dossier
    if ondernummer:
        out["ondernummer"] = ondernummer.lstrip("0") or "0"
    kamerstuk = make_kamerstuk_id(dossier, out.get("ondernummer"))
    if identifier and identifier.startswith("kst-"):
        kamerstuk = identifier
    if kamerstuk:
        out["kamerstuk"] = kamerstuk
    _put(out, "title", first(meta, "OVERHEIDop.documenttitel") or _title_from_dc(meta))
    _put(out, "dossier_title", first(meta, "OVERHEIDop.dossiertitel"))
    _put(out, "vergaderjaar", normalise_vergaderjaar(first(meta, "OVERHEIDop.vergaderjaar")))
    _put(out, "doc_type", _doc_type(meta))
    # The letter's own date beats the publication date (DCTERMS.issued),
    # which readers use only when the document itself carries no date.
    date = first(meta, "OVERHEIDop.datumBrief") or first(meta, "OVERHEIDop.datumIndiening")
    if _is_iso_date(date):
        out["date"] = date
        out["year"] = int(date[:4])
    issued = first(meta, "DCTERMS.issued")
    if _is_iso_date(issued):
        out["issued"] = issued
    _put(out, "chamber", chamber_name(first(meta, "DC.creator", "OVERHEID.StatenGeneraal")))
    senders = all_values(meta, "OVERHEIDop.indiener")
    if senders:
        out["sender"] = "; ".join(senders)
    ministry = first(meta, "DCTERMS.publisher", "OVERHEID.Ministerie") or first(
        meta, "DC.creator", "OVERHEID.Ministerie")
    if ministry:
        out["ministry"] = re.sub(r"^Ministerie van\s+", "", ministry)
    categories = all_values(meta, "OVERHEID.category", "OVERHEID.TaxonomieBeleidsagenda")
    if categories:
        out["subtopics"] = tuple(dict.fromkeys(categories))
        out["topics"] = tuple(dict.fromkeys(c.split("|")[0].strip() for c in categories))
        out["topic_source"] = "metadata"
    return out


def external_record(meta: Meta) -> str | None:
    """The URL of the external metadata.xml a bare XML points to."""
    return first(meta, "OVERHEIDop.externMetadataRecord")


def normalise_vergaderjaar(text: str | None) -> str | None:
    if not text:
        return None
    match = re.search(r"(1[89]\d\d|20\d\d)\s*[-–—/]\s*(1[89]\d\d|20\d\d|\d\d)", text)
    if not match:
        return None
    start, end = match.group(1), match.group(2)
    if len(end) == 2:
        end = start[:2] + end
    return f"{start}-{end}" if int(end) == int(start) + 1 else None


def chamber_name(text: str | None) -> str | None:
    if not text:
        return None
    lowered = text.lower()
    if "tweede kamer" in lowered:
        return "Tweede Kamer"
    if "eerste kamer" in lowered:
        return "Eerste Kamer"
    if "verenigde vergadering" in lowered:
        return "Verenigde Vergadering"
    return None


def _doc_type(meta: Meta) -> str | None:
    """The Kamerstuk type ("Motie"), else the kind of parliamentary paper
    ("Aanhangsel van de Handelingen"). The HTML of an Aanhangsel gives only
    its subtype (AanhangselTypen "Antwoord"), which names the kind as well."""
    found = first(meta, "DC.type", "OVERHEIDop.KamerstukTypen") or first(
        meta, "DC.type", "OVERHEIDop.Parlementair")
    if not found and first(meta, "DC.type", "OVERHEIDop.AanhangselTypen"):
        found = "Aanhangsel van de Handelingen"
    return found


def _title_from_dc(meta: Meta) -> str | None:
    # DC.title is "dossiertitel; type; documenttitel": its last part is the
    # document's own title.
    title = first(meta, "DC.title")
    return title.split("; ")[-1] if title else None


def _is_iso_date(text: str | None) -> bool:
    return bool(text) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None


def settle_date(fields: dict) -> dict:
    """Fall back on the publication date when the letter's own is unknown."""
    issued = fields.pop("issued", None)
    if "date" not in fields and issued:
        fields["date"] = issued
        fields["year"] = int(issued[:4])
    return fields


def _put(out: dict, key: str, value) -> None:
    if value:
        out[key] = value
