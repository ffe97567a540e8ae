"""Document headings: their official document type and a readable form."""
from __future__ import annotations

import re

# Heading prefix -> official KamerstukTypen name. Order matters: the first
# match wins, so longer, more specific headings come first.
_HEADING_TYPES = [
    (r"GEWIJZIGDE? MOTIE", "Motie"),
    (r"MOTIE", "Motie"),
    (r"GEWIJZIGD AMENDEMENT|AMENDEMENT|AMEIMDEMENT", "Amendement"),
    (r"NOTA NAAR AANLEIDING VAN HET (?:NADER )?VERSLAG", "Nota naar aanleiding van het verslag"),
    (r"(?:TWEEDE |DERDE )?NOTA VAN WIJZIGING", "Nota van wijziging"),
    (r"MEMORIE VAN TOELICHTING", "Memorie van toelichting"),
    (r"MEMORIE VAN ANTWOORD", "Memorie van antwoord"),
    (r"(?:GEWIJZIGD )?VOORSTEL VAN WET", "Voorstel van wet"),
    (r"(?:NADER |VOORLOPIG |EINDVERSLAG|VERSLAG)", "Verslag"),
    (r"LIJST VAN VRAGEN EN ANTWOORDEN", "Lijst van vragen en antwoorden"),
    (r"BRIEF VAN DE (?:MINISTER|STAATSSECRETARIS|MINISTER-PRESIDENT|MINISTERS|STAATSSECRETARISSEN)", "Brief regering"),
    (r"BRIEF VAN", "Brief"),
    (r"KONINKLIJKE BOODSCHAP", "Koninklijke boodschap"),
    (r"ADVIES RAAD VAN STATE|ADVIES VAN DE RAAD VAN STATE", "Advies Raad van State"),
    (r"VERSLAG VAN EEN (?:SCHRIFTELIJK|NOTA|WETGEVINGS)?OVERLEG", "Verslag van een overleg"),
]
_HEADING_RES = [(re.compile(r"^\s*" + pattern, re.IGNORECASE), name)
                for pattern, name in _HEADING_TYPES]

# Words that stay lower case inside a heading turned readable.
_SMALL = {"van", "de", "het", "en", "der", "voor", "op", "in", "over", "met", "tot",
          "te", "ter", "een", "den", "bij", "aan", "inzake", "naar", "om", "na"}
_LOWER_START = {"minister", "staatssecretaris", "minister-president", "ministers",
                "staatssecretarissen", "lid", "leden", "brief", "motie", "amendement"}


def doc_type_from_heading(heading: str) -> str | None:
    for regex, name in _HEADING_RES:
        if regex.match(heading):
            return name
    return None


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
