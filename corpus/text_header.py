"""Header and footer fields of a plain-text Kamerstuk: vergaderjaar, dossier,
ondernummer, dossier title, chamber, date, and the document heading.

Printed Kamerstukken (and their OCR in Staten-Generaal Digitaal) open with

    Tweede Kamer der Staten-Generaal
    Vergaderjaar 1994-1995            (older: "Zitting 1973-1974 -12 600")
    22977
    Toetsing van ontslag
    Nr. 3

and repeat a citation footer on every page:
``Tweede Kamer, vergaderjaar 1994-1995, 22 977, nr. 3``. Everything here is
read from such fixed places only; a number that merely looks like a dossier
somewhere in the text is never taken for one.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from corpus.kamerstuk import normalise_dossier

HEADER_LINES = 15
DATE_LINES = 40
DATE_CHARS = 3000

_YEARS = r"(?P<y1>1[789]\d\d|20\d\d)\s*[-\u2010-\u2015]+\s*(?P<y2>1[789]\d\d|20\d\d)"
_VERGADERJAAR_LINE_RE = re.compile(
    r"^(?:Vergaderjaar|Zitting(?:jaar)?|Handelingen der Staten-Generaal\.?\s*(?:[-\u2014]|Bijlagen\.)?)\s*"
    + _YEARS,
    re.IGNORECASE,
)
_ZITTINGJAAR_RE = re.compile(r"gedurende het zittingjaar\s+" + _YEARS, re.IGNORECASE)

# Dossier numbers: "22977", "22 977", "21 501-21", "36 200 VII", "18100 A",
# "12 600 hoofdstuk X", "19829 (R 1322)".
_DOSSIER = (
    r"(?P<main>\d{2}\s?\d{3})"
    r"(?:\s*\(R\s*\d+\))?"
    r"(?:\s*-\s*(?P<sub>\d{1,3})\b|(?:\s+|\s*-\s*)(?:hoofdstuk\s+|hfdst\.\s*)?(?P<suffix>[IVXL]{1,5}|[A-Z])\b)?"
    r"(?:\s*\(R\s*\d+\))?"
)
_DOSSIER_LINE_RE = re.compile(r"^" + _DOSSIER + r"\.?$", re.IGNORECASE)
# Older headers put the dossier on the vergaderjaar line, four digits allowed:
# "Zitting 1968-1969 -9608", "Zitting 1971-1972-11 500".
_ZITTING_DOSSIER_RE = re.compile(
    r"^(?:Zitting|Vergaderjaar)\s+" + _YEARS + r"\s*[-\u2013\u2014]\s*"
    + _DOSSIER.replace(r"(?P<main>\d{2}\s?\d{3})", r"(?P<main>\d{2}\s?\d{3}|\d{4})")
    + r"\.?$",
    re.IGNORECASE,
)
_NR_RE = re.compile(r"(?:^|\s)N(?:r|o)s?\.?\s*(?P<nr>\d{1,4}[a-z]?)(?P<range>\s*[-\u2013]\s*\d)?(?:\s+Herdruk)?\.?$", re.IGNORECASE)
_NR_LINE_RE = re.compile(r"^N(?:r|o)(?P<plural>s)?\.?\s*(?P<nr>\d{1,4}[a-z]?)(?P<range>\s*[-\u2013]\s*\d+)?(?:\s+Herdruk)?\.?$", re.IGNORECASE)

_FOOTER_RE = re.compile(
    r"(?P<chamber>Tweede|Eerste) Kamer,\s*(?:vergaderjaar|zitting)\s+" + _YEARS
    + r"\s*,\s*" + _DOSSIER + r"[^,\n]{0,40}?,\s*(?P<nrs>nrs?)\.?\s*"
    # Eerste Kamer numbers carry a letter ("nr. 157a", "nr. 41 b"); any other
    # letter after the number is OCR noise and makes the number unreadable.
    r"(?P<nr>\d{1,4})(?P<letter>[a-z]?)(?:\s(?P<letter2>[a-z]))?(?P<range>\s*[-\u2013]\s*\d+)?"
    # A footer ends its line; the same words mid-sentence are a citation.
    r"\.?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_NR_LETTERS = {"", "a", "b", "c", "d", "e", "f", "g", "h"}
_FOOTER_YEARS_RE = re.compile(
    r"(?P<chamber>Tweede|Eerste) Kamer,\s*(?:vergaderjaar|zitting)\s+" + _YEARS, re.IGNORECASE
)
_CHAMBER_RE = re.compile(r"\b(?P<chamber>Tweede|Eerste)\s+Kamer\b", re.IGNORECASE)
_AANHANGSEL_RE = re.compile(r"^Aanhangsel\b", re.IGNORECASE)

_MONTHS = {
    "januari": 1, "januarij": 1, "jan": 1, "februari": 2, "februarij": 2, "febr": 2, "feb": 2,
    "maart": 3, "mrt": 3, "april": 4, "apr": 4, "mei": 5, "juni": 6, "junij": 6, "jun": 6,
    "juli": 7, "julij": 7, "jul": 7, "augustus": 8, "aug": 8, "september": 9, "sept": 9,
    "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_MONTH = r"(?P<m>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH = r"(?P<d>[0-3]?\d)\s*" + _MONTH   # OCR drops the space: "16juni 1994"
_DATE = _DAY_MONTH + r"\s+(?P<y>1[789]\d\d|20\d\d)\b"
# "Den Haag, 13 mei 2019", "'s-Gravenhage, 20 maart 1992", "Zoetermeer, 22 mei 1989".
_PLACE_DATE_RE = re.compile(
    r"^[^\w\n]{0,3}(?P<place>[^\W\d][^\d,\n]{1,38}),\s*(?:de\s+)?" + _DATE + r"\.?\)?$",
    re.IGNORECASE | re.MULTILINE,
)
# "Ontvangen 25 februari 1988", "(Ingezonden 14 Juni 1950.)".
_KEYWORD_DATE_RE = re.compile(
    r"\b(?:Ontvangen|Voorgesteld|Vastgesteld|Ingezonden)\s*:?\s*(?:op\s+)?" + _DATE, re.IGNORECASE
)
# Handelingen: "ZITTING VAN ZATURDAG 18 DECEMBER [1886]", "1STE ZITTING. — 16 OCTOBER 1832."
_SITTING_DATE_RE = re.compile(
    r"^(?:(?:ZITTING|VERGADERING) VAN [A-Z]+DAG\s+|\d+\s*(?:STE|DE|E)\s+(?:ZITTING|VERGADERING)\.?\s*[-\u2014\u2013]+\s*)"
    + _DAY_MONTH + r"(?:\s+(?P<y>1[789]\d\d|20\d\d))?\.?$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class HeaderFields:
    vergaderjaar: str | None = None
    dossier: str | None = None
    ondernummer: str | None = None
    dossier_title: str | None = None
    chamber: str | None = None


def read_header(text: str) -> HeaderFields:
    """The identifying fields, header first, page footer as a check and fallback."""
    lines = _first_lines(text, HEADER_LINES)
    footer = _read_footer(text)
    vergaderjaar = _header_vergaderjaar(lines) or footer.vergaderjaar or _zittingjaar(text)
    dossier, title = _header_dossier(lines)
    ondernummer = _header_ondernummer(text)
    if footer.dossier:
        # The footer is a formal citation repeated on every page; it also
        # names budget chapters the header splits over two lines.
        if dossier and dossier.split("-")[0] != footer.dossier.split("-")[0]:
            title = None
        dossier = footer.dossier
        ondernummer = _agreed_ondernummer(ondernummer, footer.ondernummer)
    if not dossier:
        ondernummer = None  # a bare "Nr." means nothing without its dossier
    chamber = _header_chamber(lines) or footer.chamber
    return HeaderFields(vergaderjaar, dossier, ondernummer, title, chamber)


def _agreed_ondernummer(header: str | None, footer: str | None) -> str | None:
    """Header and footer disagree mostly when a footnote mark is glued to the
    header's number ("Nr. 53" + "1" = "Nr. 531"); otherwise one of them is
    misread and we cannot tell which."""
    if not header or not footer or header == footer:
        return footer or header
    if header.startswith(footer) and len(header) == len(footer) + 1:
        return footer
    return None


def _first_lines(text: str, limit: int) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            lines.append(line)
            if len(lines) >= limit:
                break
    return lines


def _valid_years(match: re.Match) -> str | None:
    y1, y2 = int(match.group("y1")), int(match.group("y2"))
    return f"{y1}-{y2}" if y2 == y1 + 1 else None


def _header_vergaderjaar(lines: list[str]) -> str | None:
    for line in lines:
        match = _VERGADERJAAR_LINE_RE.match(line)
        if match and _valid_years(match):
            return _valid_years(match)
    return None


def _zittingjaar(text: str) -> str | None:
    match = _ZITTINGJAAR_RE.search(text[:DATE_CHARS])
    return _valid_years(match) if match else None


def _header_dossier(lines: list[str]) -> tuple[str | None, str | None]:
    """Dossier and dossier title from the lines right after the vergaderjaar."""
    if any(_AANHANGSEL_RE.match(line) for line in lines[:6]):
        return None, None  # the number after it is an Aanhangsel page
    for index, line in enumerate(lines):
        same_line = _ZITTING_DOSSIER_RE.match(line)
        if same_line:
            return _dossier_of(same_line), _dossier_title(lines, index + 1)
        if not _VERGADERJAAR_LINE_RE.match(line):
            continue
        for offset in (1, 2):
            if index + offset < len(lines):
                match = _DOSSIER_LINE_RE.match(lines[index + offset])
                if match:
                    return _dossier_of(match), _dossier_title(lines, index + offset + 1)
        return None, None
    return None, None


def _dossier_of(match: re.Match) -> str | None:
    main = re.sub(r"\s", "", match.group("main"))
    suffix = match.group("sub") or match.group("suffix")
    # Joined with "-": "21501 02" would otherwise read as one number.
    return normalise_dossier(f"{main}-{suffix}" if suffix else main)


def _dossier_title(lines: list[str], index: int) -> str | None:
    if index >= len(lines):
        return None
    line = lines[index]
    if _NR_RE.search(line) or len(line) > 300 or not re.search(r"[^\W\d]{3}", line):
        return None
    if _DOSSIER_LINE_RE.match(line):
        return None
    return _readable_case(line)


def _readable_case(line: str) -> str:
    """All-caps OCR headings become sentence case; mixed case stays as printed."""
    if line.isupper():
        return line[:1] + line[1:].lower()
    return line


def _header_ondernummer(text: str) -> str | None:
    """The "Nr." of the document; None when the file holds several numbers
    (a Koninklijke boodschap, voorstel and memorie printed together)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        match = _NR_LINE_RE.match(line) or (_VERGADERJAAR_LINE_RE.match(line) and _NR_RE.search(line))
        if match:
            if match.group("range"):
                return None
            found.append(match.group("nr").lower())
    distinct = set(found)
    return found[0] if len(distinct) == 1 else None


@dataclass(frozen=True)
class _Footer:
    vergaderjaar: str | None = None
    dossier: str | None = None
    ondernummer: str | None = None
    chamber: str | None = None


def _read_footer(text: str) -> _Footer:
    """The page footer's citation, when most footers in the file agree."""
    citations = []
    for match in _FOOTER_RE.finditer(text):
        nr = None
        letter = (match.group("letter") or match.group("letter2") or "").lower()
        if match.group("nrs").lower() == "nr" and not match.group("range") and letter in _NR_LETTERS:
            nr = match.group("nr").lstrip("0") + letter
        citations.append((_valid_years(match), _dossier_of(match), nr or None, _chamber(match)))
    if not citations:
        years = [(_valid_years(m), _chamber(m)) for m in _FOOTER_YEARS_RE.finditer(text)]
        vergaderjaar = _majority([y for y, _ in years])
        return _Footer(vergaderjaar=vergaderjaar, chamber=_majority([c for _, c in years]))
    (vergaderjaar, dossier, nr, chamber) = _majority(citations) or (None, None, None, None)
    return _Footer(vergaderjaar, dossier, nr, chamber)


def _majority(values: list):
    values = [v for v in values if v]
    if not values:
        return None
    value, count = Counter(values).most_common(1)[0]
    return value if count * 2 > len(values) else None


def _header_chamber(lines: list[str]) -> str | None:
    header = " ".join(lines[:8])
    match = _CHAMBER_RE.search(header)
    return _chamber(match) if match else None


def _chamber(match: re.Match) -> str:
    """"TWEEDE KAMER" or "Tweede Kamer," -> "Tweede Kamer", as the metadata names it."""
    return f"{match.group('chamber').title()} Kamer"


# --- Dates -----------------------------------------------------------------

def read_date(text: str, vergaderjaar: str | None) -> str | None:
    """The document's own date as ISO text, or None.

    Only dates in fixed places count: the place-and-date line of a letter,
    "Ontvangen/Vastgesteld/Ingezonden <date>" in the header, or the date of
    a sitting. A date outside the vergaderjaar is taken for a quotation.
    """
    head_lines = "\n".join(_first_lines(text, DATE_LINES))
    for match in _PLACE_DATE_RE.finditer(head_lines):
        if not _is_place(match.group("place")):
            continue
        date = _iso_date(match, vergaderjaar)
        if date:
            return date
    for regex in (_KEYWORD_DATE_RE, _SITTING_DATE_RE):
        for match in regex.finditer(text[:DATE_CHARS]):
            date = _iso_date(match, vergaderjaar)
            if date:
                return date
    return None


def _is_place(place: str) -> bool:
    # "Tweede Kamer, 5 mei" or "Nr. 3, 1 mei" are citations, not places.
    return not re.search(r"\b(?:Kamer|Nr|nr|Kamerstuk|vergaderjaar|zitting)\b", place)


def _iso_date(match: re.Match, vergaderjaar: str | None) -> str | None:
    day, month = int(match.group("d")), _MONTHS[match.group("m").lower()]
    year_text = match.group("y")
    if year_text:
        year = int(year_text)
    elif vergaderjaar:
        # A parliamentary year starts in September.
        first, second = (int(y) for y in vergaderjaar.split("-"))
        year = first if month >= 9 else second
    else:
        return None
    if vergaderjaar and year not in {int(y) for y in vergaderjaar.split("-")}:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


# --- Document heading ------------------------------------------------------
# "BRIEF VAN DE MINISTER VAN ...", "MOTIE VAN HET LID ...": the document type,
# and the line the sender is read from.

def _fuzzy(phrase: str) -> str:
    """A heading phrase as a regex that tolerates the usual OCR slips:
    ``N`` read as ``IM``/``IIM`` (AMEIMDEMENT), ``IJ`` as ``U`` (WUZIGING)."""
    out = []
    for word in phrase.split():
        word = re.escape(word).replace("IJ", "(?:IJ|U|Y)")
        out.append(re.sub(r"N", "(?:N|IM|IIM)", word))
    return r"\s+".join(out)


_MINISTER = r"(?:MI(?:N|IM|IIM|M)ISTER|MIMSTER)"
_ORDINAL = r"(?:(?:TWEEDE|DERDE|VIERDE|VIJFDE|ZESDE|ZEVENDE|ACHTSTE|NEGENDE|TIENDE)\s+)?"
# "TWEEDE NADER GEWIJZIGDE MOTIE"; KOOP's own XML has typed "GEWIJZIGE" and
# "GEWIJZGIDE" too.
_AMENDED = _ORDINAL + r"(?:(?:NADER\s+)?GEWIJZ(?:IGDE?|IGE|GIDE)\s+)?"
# "MOTIE HET LID X", "MOTIE DE LEDEN X": headings that lost their "VAN".
_MEMBERS_NEXT = r"\s+(?:HET|DE)\s+(?:LID|LEDEN)\b"
# (pattern, doc_type); the first pattern that matches a heading line wins.
_HEADINGS = [
    (_AMENDED + r"(?:SUB)?" + _fuzzy("AMENDEMENT") + r"(?:EN)?(?=\s+VAN\b|\s+OP\b|"
     + _MEMBERS_NEXT + r"|\.?\s*$)", "Amendement"),
    (_AMENDED + _fuzzy("MOTIE") + r"(?=\s+VAN\b|" + _MEMBERS_NEXT + r"|\.?\s*$)", "Motie"),
    (r"BRIEF\s+VA(?:N|IM|IIM)\s+[DO]EN?\s+(?:" + _fuzzy("MINISTER-PRESIDENT") + "|" + _MINISTER
     + r"S?|STAATSSECRETARIS(?:SEN)?)\b", "Brief regering"),
    (_fuzzy("BRIEF VAN DE") + r"\s+(?:VASTE\s+|ALGEMENE\s+|BIJZONDERE\s+)?COMMISSIE\b", "Brief commissie"),
    (_fuzzy("BRIEF VAN") + r"\s+(?:HET\s+LID|DE\s+LEDEN)\b", "Brief Kamerlid"),
    (r"(?:GELEIDENDE\s+BRIEF|AANBIEDINGSBRIEF|BRIEF)(?=\s+VAN\b|\.?\s*$|\s+\d)", "Brief"),
    (_fuzzy("NOTA NAAR AANLEIDING VAN HET") + r"\s+(?:NADER\s+|TWEEDE\s+)?(?:EIND)?VERSLAG\b",
     "Nota naar aanleiding van het verslag"),
    (_ORDINAL + _fuzzy("NOTA VAN WIJZIGING") + r"(?:EN)?\b", "Nota van wijziging"),
    (_ORDINAL + _fuzzy("NOTA VAN VERBETERING") + r"(?:EN)?\b", "Nota van verbetering"),
    (_fuzzy("MEMORIE VAN TOELICHTING") + r"\b", "Memorie van toelichting"),
    (_fuzzy("NADERE MEMORIE VAN ANTWOORD") + r"\b", "Nadere memorie van antwoord"),
    (_fuzzy("MEMORIE VAN") + r"\s+(?:ANTWOORD|BEANTWOORDING)\b", "Memorie van antwoord"),
    (r"(?:(?:NADER\s+)?GEWIJZIGD\s+)?(?:VOORSTEL|ONTWERP)\s+VAN\s+(?:RIJKS)?WET(?=\.?\s*$|\s+\d|\s+(?:houdende|tot|betreffende|op|van)\b)", "Voorstel van wet"),
    (_fuzzy("KONINKLIJKE BOODSCHAP") + r"\b", "Koninklijke boodschap"),
    (r"VOORLOPIG\s+VERSLAG\b", "Voorlopig verslag"),
    (r"EINDVERSLAG\b", "Eindverslag"),
    (_fuzzy("VERSLAG VAN EEN SCHRIFTELIJK OVERLEG") + r"\b", "Verslag van een schriftelijk overleg"),
    (_fuzzy("VERSLAG VAN EEN ALGEMEEN OVERLEG") + r"\b", "Verslag van een algemeen overleg"),
    (_fuzzy("VERSLAG HOUDENDE EEN LIJST VAN VRAGEN EN ANTWOORDEN") + r"\b",
     "Verslag houdende een lijst van vragen en antwoorden"),
    (r"(?:NADER\s+)?VERSLAG(?=\s+[A-Z]{2}|\s*$|\s+(?:Vastgesteld|van|over|nopens)\b)", "Verslag"),
    (_fuzzy("LIJST VAN VRAGEN EN ANTWOORDEN") + r"\b", "Lijst van vragen en antwoorden"),
    (r"ADVIES\s+(?:VAN\s+DE\s+)?RAAD\s+VAN\s+STATE\b", "Advies Raad van State"),
    (r"NADER\s+RAPPORT\b", "Nader rapport"),
    (r"BIJLAGEN?\s+BIJ\s+(?:DE|HET)\s+[A-Z]", "Bijlage"),
]
# Old Bijlagen number their pieces before the heading: "(26.) ONTWERP VAN WET",
# "53. 5. TWEEDE NOTA VAN WIJZIGINGEN.", "[•». 1.] KONINKLIJKE BOODSCHAP."
_NUMBERING = r"(?:[\[(]?[\d•«».,\s\-\u2014]{0,12}[\])]?\s+)?"
_HEADING_RES = [(re.compile(r"^" + _NUMBERING + r"(?P<h>" + p + ")", re.IGNORECASE), t) for p, t in _HEADINGS]
_AANHANGSEL_HEADING_RE = re.compile(r"^Aanhangsel\s+(?:van|tot)\s+(?:de|het)\b", re.IGNORECASE)
_SITTING_RE = re.compile(
    r"^(?:(?:ZITTING|VERGADERING)\s+VAN\s+[A-Z]+DAG\b|\d+\s*(?:STE|DE|E)\s+(?:ZITTING|VERGADERING)\b"
    r"|HANDELINGEN\s+VAN\s+DE\b)",
    re.IGNORECASE,
)
_NR_START_RE = re.compile(r"^N(?:r|o)s?\.?\s*\d", re.IGNORECASE)
# A title-case heading is only believed on a short line of its own; on a
# long line it is more likely the start of a sentence.
_SHORT_HEADING = 80
_HEADING_END_RE = re.compile(
    r"\s+(?:Ontvangen|Voorgesteld|Vastgesteld|Ingezonden|TER\s+VERVANGING|Aan\s+de|\(|'s-Gravenhage|Den\s+Haag)\b.*$"
    r"|\s+(?:Ontvangen|Vastgesteld)$",
    re.IGNORECASE,
)
_CONNECTOR_END_RE = re.compile(r"(?:\b(?:VAN|VOOR|EN|DE|DER|HET)|,)$")
_CONNECTOR_START_RE = re.compile(r"^(?:EN|VAN|VOOR)\b")


def find_heading(body: str, dossier_title: str | None) -> tuple[str, str, re.Match | None] | None:
    """(heading text, doc_type, match) of the document heading, or None.

    Lines after the "Nr." line are tried first: before it stand the dossier
    title ("Voorstel van wet van de leden ...") and the vergaderjaar.
    """
    lines = [line.strip() for line in body.splitlines() if line.strip()][:HEADER_LINES]
    nr_index = next((i for i, line in enumerate(lines) if _NR_START_RE.match(line)), -1)
    order = list(range(nr_index + 1, len(lines))) + list(range(0, nr_index + 1))
    for index, line in enumerate(lines[:3]):
        if _SITTING_RE.match(line):  # a page of the Handelingen, whatever it quotes
            return line, "Handelingen", None
    for index in order:
        line = lines[index]
        if dossier_title and line.lower() == dossier_title.lower():
            continue
        found = match_heading(_with_continuation(lines, index))
        if found:
            return _heading_text(lines, index, found[1].start("h")), found[0], found[1]
    for index, line in enumerate(lines[:8]):
        if _AANHANGSEL_HEADING_RE.match(line):
            return line, "Aanhangsel (vragen en antwoorden)", None
        if _SITTING_RE.match(line):
            return line, "Handelingen", None
    return None


def match_heading(line: str) -> tuple[str, re.Match] | None:
    for regex, doc_type in _HEADING_RES:
        match = regex.match(line)
        if not match:
            continue
        if match.group("h").isupper() or len(line) <= _SHORT_HEADING:
            return doc_type, match
    return None


def _with_continuation(lines: list[str], index: int) -> str:
    """"BRIEF VAN DE" + "MINISTER VAN FINANCIËN" when a heading breaks off."""
    line = lines[index]
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if following.isupper() and line.isupper() and _CONNECTOR_END_RE.search(line):
        return f"{line} {following}"
    return line


def _heading_text(lines: list[str], index: int, start: int = 0) -> str:
    """The heading line, continued on the next line when it breaks off after
    "VAN" or "EN" ("BRIEF VAN DE MINISTER VAN\\nVERKEER EN WATERSTAAT")."""
    text = _HEADING_END_RE.sub("", lines[index][start:]).strip()
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if following.isupper() and (_CONNECTOR_END_RE.search(text) or _CONNECTOR_START_RE.match(following)):
        text = f"{text} {_HEADING_END_RE.sub('', lines[index + 1]).strip()}"
    return text
