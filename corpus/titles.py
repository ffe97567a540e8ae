"""Document headings: their official document type and a readable form."""
from __future__ import annotations

import re

from .text_header import match_heading

# Words that stay lower case inside a heading turned readable.
_SMALL = {"van", "de", "het", "en", "der", "voor", "op", "in", "over", "met", "tot",
          "te", "ter", "een", "den", "bij", "aan", "inzake", "naar", "om", "na"}
_LOWER_START = {"minister", "staatssecretaris", "minister-president", "ministers",
                "staatssecretarissen", "lid", "leden", "brief", "motie", "amendement"}
# The words of an amended motie's heading ("TWEEDE NADER GEWIJZIGDE MOTIE VAN
# HET LID PATIJN C.S. TER VERVANGING VAN DIE GEDRUKT ONDER NR. 17"), KOOP's
# typos included; never part of a name.
_AMENDED = {"nader", "gewijzigde", "gewijzigd", "gewijzige", "gewijzgide", "vervanging",
            "die", "gedrukt", "onder", "nr.", "c.s.", "c.s"}
_ORDINALS = {"tweede", "derde", "vierde", "vijfde"}
# After "lid"/"leden" the members' names run until one of these words.
_NAMES_END = {"over", "ter", "inzake", "c.s.", "c.s", "tot", "met", "ten"}
_NAME_PREFIXES = {"van", "de", "den", "der", "in", "'t", "te"}


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
    in_names = False
    for i, word in enumerate(words):
        previous = words[i - 1] if i else ""
        if previous in ("lid", "leden"):
            in_names = True
        elif word in _NAMES_END:
            in_names = False
        if i == 0:
            out.append(word[:1].upper() + word[1:])
        elif in_names and word in _NAME_PREFIXES and previous in ("lid", "leden", "en"):
            # A surname without initials starts with a capital: "Van der Lee".
            out.append(word.capitalize())
        elif word in _SMALL or word in _LOWER_START or word in _AMENDED:
            out.append(word)
        elif word in _ORDINALS and i + 1 < len(words) and words[i + 1] in _AMENDED:
            # "tweede nader gewijzigde", but "Tweede Kamer".
            out.append(word)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)
