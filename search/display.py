"""Presentation helpers shared by the CLI and the web (no Flask here)."""
from __future__ import annotations

from corpus.kamerstuk import format_kamerstuk

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
FACET_LABELS = {
    "year": "Jaar", "dossier": "Dossier", "topic": "Onderwerp", "doc_type": "Soort",
    "sender": "Afzender", "ministry": "Ministerie", "vergaderjaar": "Vergaderjaar",
    "chamber": "Kamer",
}


def number(value: int) -> str:
    """Dutch thousands separator: 15991 -> 15.991."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float, digits: int = 1) -> str:
    """Dutch decimal comma: 12.34 -> 12,3."""
    return f"{value:.{digits}f}".replace(".", ",")


def dutch_date(iso: str | None) -> str:
    """``"2019-05-13"`` -> ``"13 mei 2019"``; ``"onbekend"`` when unknown."""
    if not iso:
        return "datum onbekend"
    try:
        year, month, day = (int(p) for p in iso.split("-"))
        return f"{day} {MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


def citation(kamerstuk: str | None) -> str | None:
    """``"kst-33694-45"`` -> ``"Kamerstuk 33 694, nr. 45"``."""
    return format_kamerstuk(kamerstuk)
