"""Document headings: their official document type and a readable form."""
from __future__ import annotations

import re

from .text_header import match_heading

# Words that stay lower case inside a heading turned readable.
_SMALL = {"van", "de", "het", "en", "der", "voor", "op", "in", "over", "met", "tot",
          "te", "ter", "een", "den", "bij", "aan", "inzake", "naar", "om", "na"}
_LOWER_START = {"minister", "staatssecretaris", "minister-president", "ministers",
                "staatssecretarissen", "lid", "leden", "brief", "motie", "amendement"}


def doc_type_from_heading(heading: str) -> str | None:
    """``"MOTIE VAN HET LID CEDER"`` -> ``"Motie"``: the one heading table the
    plain-text reader uses too, so every format names types alike."""
    found = match_heading(re.sub(r"\s+", " ", heading).strip())
    return found[0] if found else None


def readable_heading(heading: str) -> str:
    """``"BRIEF VAN DE MINISTER VAN BUITENLANDSE ZAKEN"`` ->
    ``"Brief van de minister van Buitenlandse Zaken"``. Headings that are not
    all capitals are returned unchanged."""
    heading = re.sub(r"\s+", " ", heading).strip()
    letters = [c for c in heading if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return heading
    words = heading.lower().split(" ")
    out = []
    for i, word in enumerate(words):
        if i == 0:
            out.append(word[:1].upper() + word[1:])
        elif word in _SMALL or word in _LOWER_START:
            out.append(word)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)
