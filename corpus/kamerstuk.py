"""Kamerstuk identifiers: dossier numbers, ondernummers and `kst-` ids.

Official forms seen in the wild: ``33 694, nr. 45``, ``33694 nr. 48``,
``Kamerstuk 33 783, nr. 41``, ``motie 33694, nr. 43``, ``kst-33783-41``,
``21 501-21, nr. 3``, ``34 300 X, nr. 88``. All normalise to the KOOP form
``kst-<dossier>-<ondernummer>``, e.g. ``kst-33694-45``, ``kst-21501-21-3``,
``kst-34300-X-88``.
"""
from __future__ import annotations

import re

# Dossier: 5 digits (modern dossiers), optionally written with a space after
# the second digit, optionally followed by a suffix: "-21" (sub-dossier) or a
# roman/letter suffix for budget chapters ("34 300 X", "36 200-VII").
_DOSSIER = r"(?P<main>\d{2}[ \u00a0]?\d{3})(?:(?:-|[ \u00a0])(?P<suffix>[IVXL]{1,5}|[A-Z]|\d{1,3})\b)?"
_NR = r",?\s*(?:nr|no)\.?\s*(?P<nr>\d{1,4})\b"

REFERENCE_RE = re.compile(r"(?<![\d-])" + _DOSSIER + _NR, re.IGNORECASE)
KST_ID_RE = re.compile(
    r"\bkst-(?P<main>\d{3,6})(?:-(?P<suffix>[IVXL]{1,5}|[A-Z]|\d{1,3}))?-(?P<nr>\d{1,4})\b",
    re.IGNORECASE,
)
# "33694-45" as typed in a search box: dossier, dash, ondernummer.
SHORT_ID_RE = re.compile(r"^(?P<main>\d{5})-(?P<nr>\d{1,4})$")


def normalise_dossier(text: str | None) -> str | None:
    """``"33 694"`` -> ``"33694"``, ``"21 501-21"`` -> ``"21501-21"``,
    ``"34 300 X"`` -> ``"34300-X"``. None when nothing number-like is found."""
    if not text:
        return None
    text = text.strip().replace("\u00a0", " ")
    match = re.match(r"^(\d[\d ]*\d|\d)(?:\s*-\s*|\s+)?([A-Za-z]{1,5}|\d{1,3})?$", text)
    if not match:
        return None
    main = match.group(1).replace(" ", "")
    suffix = match.group(2)
    if suffix and suffix.isalpha():
        suffix = suffix.upper()
    return f"{main}-{suffix}" if suffix else main


def make_kamerstuk_id(dossier: str | None, ondernummer: str | None) -> str | None:
    if not dossier or not ondernummer:
        return None
    nr = ondernummer.strip().lstrip("0") or "0"
    return f"kst-{dossier}-{nr}"


def split_kamerstuk_id(kst_id: str) -> tuple[str, str] | None:
    """``"kst-21501-21-3"`` -> ``("21501-21", "3")``."""
    match = KST_ID_RE.fullmatch(kst_id.strip())
    if not match:
        return None
    return _dossier_from(match), match.group("nr").lstrip("0") or "0"


def format_kamerstuk(kst_id: str | None) -> str | None:
    """``"kst-33694-45"`` -> ``"Kamerstuk 33 694, nr. 45"`` (the citation form)."""
    if not kst_id:
        return None
    parts = split_kamerstuk_id(kst_id)
    if not parts:
        return kst_id
    dossier, nr = parts
    main, _, suffix = dossier.partition("-")
    if len(main) == 5:
        main = f"{main[:2]} {main[2:]}"
    if suffix:
        main += f"-{suffix}" if suffix.isdigit() else f" {suffix}"
    return f"Kamerstuk {main}, nr. {nr}"


def parse_identifier(text: str) -> str | None:
    """The kst id a user typed, in any of the usual forms, or None.

    Accepts ``kst-33694-45``, ``33 694, nr. 45``, ``33694 nr 45``,
    ``Kamerstuk 33 694, nr. 45`` and ``33694-45``.
    """
    text = text.strip()
    match = KST_ID_RE.fullmatch(text)
    if match:
        return make_kamerstuk_id(_dossier_from(match), match.group("nr"))
    match = SHORT_ID_RE.fullmatch(text)
    if match:
        return make_kamerstuk_id(match.group("main"), match.group("nr"))
    text = re.sub(r"^(?:kamerstuk(?:ken)?|kst\.?)\s+", "", text, flags=re.IGNORECASE)
    match = REFERENCE_RE.fullmatch(text)
    if match:
        return make_kamerstuk_id(_dossier_from(match), match.group("nr"))
    return None


def find_references(text: str) -> list[str]:
    """Every Kamerstuk cited in ``text``, as kst ids, in order of first mention."""
    found: dict[str, None] = {}
    if _KST_HINT_RE.search(text):
        for match in KST_ID_RE.finditer(text):
            found.setdefault(make_kamerstuk_id(_dossier_from(match), match.group("nr")), None)
    for match in _references(text):
        found.setdefault(make_kamerstuk_id(_dossier_from(match), match.group("nr")), None)
    return list(found)


_KST_HINT_RE = re.compile(r"kst-", re.IGNORECASE)
# What every REFERENCE_RE match starts with.
_DOSSIER_START_RE = re.compile(r"\d{2}[ \u00a0]?\d{3}")


def _references(text: str):
    """REFERENCE_RE.finditer(text), tried only where a dossier number can
    start: its lookbehind and case-blind number words made the regex try
    every character of a letter slowly (a tenth of reading a file)."""
    at = 0
    while True:
        candidate = _DOSSIER_START_RE.search(text, at)
        if candidate is None:
            return
        match = REFERENCE_RE.match(text, candidate.start())
        if match:
            yield match
            at = match.end()
        else:
            at = candidate.start() + 1


def _dossier_from(match: re.Match) -> str:
    main = re.sub(r"\D", "", match.group("main"))
    suffix = match.group("suffix")
    if suffix:
        return f"{main}-{suffix.upper() if suffix.isalpha() else suffix}"
    return main
