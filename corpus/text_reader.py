"""Plain-text and Markdown letters to ``Letter`` records.

``parse_text_letter`` is a pure function over a file's text: the caller does
the file I/O. Header fields (vergaderjaar, dossier, date, the document
heading and its type) come from ``corpus.text_header``; this module reads
the sender and the title and assembles the record.

Senders: a government sender reads ``Minister van Buitenlandse Zaken`` (with
``ministry`` ``Buitenlandse Zaken``); members submitting a motie or
amendement are given by name as KOOP's ``indiener`` does: ``Koopmans c.s.``,
``De Pree en Vliegenthart``.
"""
from __future__ import annotations

import re

from corpus.cleanup import clean_text
from corpus.kamerstuk import find_references, make_kamerstuk_id
from corpus.letter import Letter
from corpus.text_header import HEADER_LINES, find_heading, read_date, read_header
from corpus.titles import readable_heading

_QUESTIONS_RE = re.compile(r"^(?:\d+\.\s*)?(?P<q>VRAGEN\s+van\s+.{10,400}?)\s*\(\s*Ingezonden\b", re.IGNORECASE)
# "BRIEF VAN DE MINISTER EN STAATSSECRETARIS VAN DEFENSIE": two offices of
# one ministry (role2).
_GOVERNMENT_RE = re.compile(
    r"^BRIEF\s+VAN\s+DEN?\s+(?P<role>MINISTER-PRESIDENT|MINISTERS?|STAATSSECRETARIS(?:SEN)?)"
    r"(?:\s+EN\s+(?:DE\s+)?(?P<role2>MINISTER|STAATSSECRETARIS))?"
    r"(?:\s+(?P<prep>VAN|VOOR)\s+(?P<rest>.+))?$",
    re.IGNORECASE,
)
# Letters of other bodies: "BRIEF VAN DE ALGEMENE REKENKAMER", "BRIEF VAN DE
# COMMISSIE VOOR DE WERKWIJZE", "BRIEF VAN HET PRESIDIUM".
_BODY_RE = re.compile(
    r"^BRIEF\s+VAN\s+(?P<article>DE|HET)\s+(?P<body>ALGEMENE\s+REKENKAMER|HOGE\s+RAAD|PRESIDIUM"
    r"|(?:(?:VASTE|ALGEMENE|BIJZONDERE|TIJDELIJKE)\s+)?COMMISSIE\s+VOOR\s+[A-Z].*)$"
)
# Besides the usual forms, the slips seen in KOOP's own headings: "VAN HET
# LIID", "VAN DE HET LID", "VAN HET LEDEN", "VAN LID", and "MOTIE DE LEDEN"
# without "VAN".
_MEMBERS_RE = re.compile(
    r"(?:\bVAN|^(?:\w+\s+){0,3}?(?:MOTIE|AMENDEMENT))\s+"
    r"(?P<who>(?:(?:HET|DE)\s+){0,2}(?:LII?D|LEDEN)|DEN\s+HEER|DE\s+HEER|DE\s+HEEREN|DE\s+HEREN"
    r"|MEVROUW)\s+(?P<names>.+)$",
    re.IGNORECASE,
)
# The office may hold commas ("De minister van Onderwijs, Cultuur en
# Wetenschap,"); only the last one ends the line. _office_name then accepts
# only known ministry and portfolio words.
_SIGNATURE_RE = re.compile(
    r"^De\s+(?P<role>Minister-President|Minister|Staatssecretaris)"
    r"(?:\s+(?P<prep>van|voor)\s+(?P<rest>[^\n]{3,80}?))?\s*,$",
    re.IGNORECASE | re.MULTILINE,
)
_BETREFT_RE = re.compile(r"^Betreft:?\s+(?P<subject>\S.*)$", re.MULTILINE)
_LABEL_RE = re.compile(r"^(?:Datum|Ons kenmerk|Uw kenmerk|Bijlage|Geachte|Kenmerk|Contactpersoon)\b", re.IGNORECASE)
_SALUTATION_RE = re.compile(r"^(?:Geachte\s+(?:voorzitter|Voorzitter)|Betreft\b)", re.MULTILINE)
_MD_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)

_SMALL_WORDS = frozenset({"en", "van", "voor", "der", "de", "den", "het", "of", "in", "op", "te", "ten", "ter", "'t"})
# Every word of a ministry name, modern and historical spellings: a ministry
# is only reported when all its words are known, so OCR garble
# ("Binneimlandse", "Visseru") never becomes a facet value.
_MINISTRY_WORDS = frozenset("""
    zaken binnenlandse buitenlandse binnenlandsche buitenlandsche economische sociale algemene
    werkgelegenheid volksgezondheid koninkrijksrelaties ontwikkelingssamenwerking wetenschappen
    wetenschap waterstaat volkshuisvesting milieubeheer natuurbeheer voedselkwaliteit natuur
    infrastructuur milieu landbouw visserij financien financiën finantien finantiën defensie
    justitie veiligheid onderwijs kunsten cultuur welzijn verkeer klimaat recreatie maatschappelijk
    werk milieuhygiëne milieuhygiene ruimtelijke ordening nijverheid handel arbeid koloniën kolonien
    oorlog marine overzee uniezaken wederopbouw bouwnijverheid posterijen telegrafie scheepvaart
    energie sport jeugd gezin zorg medische asiel migratie integratie emancipatie
    nederlands-antilliaanse arubaanse antilliaanse surinaamse hervormde eredienst
    primair voortgezet basis- media rechtsbescherming langdurige preventie armoedebeleid
    participatie pensioenen stikstof wonen rijksdienst vreemdelingenzaken europese
    ontwikkelingshulp
    """.split())


def parse_text_letter(text: str, *, source: str, fallback_id: str, markdown: bool = False) -> Letter:
    """One plain-text or Markdown document as a Letter; fields that cannot be
    read from the text for certain are None."""
    body = clean_text(text, markdown=markdown)
    header = read_header(body)
    kamerstuk = make_kamerstuk_id(header.dossier, header.ondernummer)
    date = read_date(body, header.vergaderjaar)
    heading = find_heading(body, header.dossier_title)
    doc_type = heading[1] if heading else None
    sender, ministry = _heading_sender(heading)
    if sender is None and doc_type in (None, "Brief regering", "Brief", "Memorie van toelichting",
                                        "Memorie van antwoord", "Nota naar aanleiding van het verslag"):
        sender, ministry = _signature_sender(body)
        if sender and doc_type is None and _SALUTATION_RE.search(body):
            doc_type = "Brief regering"
    dossier_title = header.dossier_title
    if heading and dossier_title and heading[0].startswith(dossier_title[:20]):
        dossier_title = None
    title = (
        _betreft(body)
        or _heading_title(heading, sender)
        or (_markdown_heading(text) if markdown else None)
        or _first_meaningful_line(body, header.dossier_title)
    )
    references = tuple(ref for ref in find_references(body) if ref != kamerstuk)
    return Letter(
        id=kamerstuk or fallback_id,
        source=source,
        body=body,
        title=title,
        kamerstuk=kamerstuk,
        dossier=header.dossier,
        ondernummer=header.ondernummer,
        vergaderjaar=header.vergaderjaar,
        date=date,
        year=int(date[:4]) if date else None,
        doc_type=doc_type,
        dossier_title=dossier_title,
        sender=sender,
        ministry=ministry,
        chamber=header.chamber,
        references=references,
        format="markdown" if markdown else "text",
    )


# --- Sender ------------------------------------------------------------------

def _heading_sender(heading) -> tuple[str | None, str | None]:
    if not heading:
        return None, None
    text, doc_type, _ = heading
    if doc_type == "Brief regering":
        return _government_sender(text)
    if doc_type in ("Motie", "Amendement", "Brief Kamerlid"):
        return _member_names(text), None
    if doc_type in ("Brief", "Brief commissie"):
        return _body_sender(text), None
    return None, None


def _body_sender(text: str) -> str | None:
    """"BRIEF VAN DE COMMISSIE VOOR DE WERKWIJZE" -> "Commissie voor de
    Werkwijze"; only an upper-case heading, so running text cannot join it."""
    match = _BODY_RE.match(_uppercase_run(text))
    if not match:
        return None
    body = match.group("body")
    if len(body.split()) > 10 or not re.fullmatch(r"[A-Z\u00c0-\u00de\s,-]+", body):
        return None
    return readable_heading(body)


def _government_sender(text: str) -> tuple[str | None, str | None]:
    match = _GOVERNMENT_RE.match(_plain_heading(text))
    if not match:
        return None, None
    role = match.group("role").capitalize().replace("-p", "-P")
    if match.group("role2"):
        if not match.group("prep"):
            return None, None  # two offices, and no ministry named
        role = f"{role} en {match.group('role2').lower()}"
    if not match.group("prep"):
        return role, None
    rest = match.group("rest") or ""
    # An upper-case heading may run on into text; a title-case one is a short line.
    rest = _uppercase_run(rest) if match.group("role").isupper() else rest.strip(" ,.;:")
    # "... VAN X EN DE STAATSSECRETARIS VAN Y": the first office is the sender.
    rest = _SECOND_OFFICE_RE.split(rest)[0]
    office = _office_name(rest)
    if not office:
        return None, None  # "MINISTER VAN" and then unreadable text
    prep = match.group("prep").lower()
    sender = f"{role} {prep} {office}"
    plural = role.lower() in ("ministers", "staatssecretarissen")
    if plural or prep == "voor" or " en van " in office:
        return sender, None  # several ministries, or a minister without one
    return sender, office


_SECOND_OFFICE_RE = re.compile(
    r"\s+EN\s+(?:VAN\s+)?(?:DE|HET)\s+(?:MINISTER|STAATSSECRETARIS|MINISTER-PRESIDENT)\b.*$", re.IGNORECASE
)
_AD_INTERIM_RE = re.compile(r"\s+a\.\s?i\.?$", re.IGNORECASE)


def _office_name(text: str) -> str | None:
    """"SOCIALE ZAKEN EN WERKGELE-GENHEID" -> "Sociale Zaken en Werkgelegenheid";
    None unless every word is a known ministry word (after OCR repair)."""
    text = _AD_INTERIM_RE.sub("", text.strip(" ,.;:"))
    words = []
    raw = [w.strip(".;:)'\"0123456789") for w in re.split(r"\s+", text)]
    while raw:
        word = _ocr_ministry_word(raw.pop(0))
        if raw and not _is_ministry_word(word) and _is_ministry_word(_ocr_ministry_word(word + raw[0])):
            word = _ocr_ministry_word(word + raw.pop(0))  # "VOLKSGE ZONDHEID"
        lower = word.lower().rstrip(",")
        if lower in _SMALL_WORDS:
            words.append(lower if words else lower.capitalize())
        elif lower in _MINISTRY_WORDS:
            words.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
        else:
            return None
    if not words or words[-1].lower() in _INCOMPLETE_END:
        return None  # "Binnenlandse", "Volkshuisvesting en Ruimtelijke": cut off
    office = " ".join(words)
    return _CANONICAL_OFFICES.get(office.replace(",", "").lower(), office)


# Official spellings where OCR drops a comma or a diaeresis.
_CANONICAL_OFFICES = {
    name.replace(",", "").lower(): name
    for name in (
        "Welzijn, Volksgezondheid en Cultuur", "Volksgezondheid, Welzijn en Sport",
        "Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer", "Landbouw, Natuurbeheer en Visserij",
        "Landbouw, Natuur en Voedselkwaliteit", "Onderwijs, Cultuur en Wetenschappen",
        "Onderwijs, Cultuur en Wetenschap", "Onderwijs, Kunsten en Wetenschappen",
        "Cultuur, Recreatie en Maatschappelijk Werk", "Landbouw, Nijverheid en Handel",
    )
} | {"financien": "Financiën"}


_INCOMPLETE_END = _SMALL_WORDS | frozenset(
    "binnenlandse buitenlandse binnenlandsche buitenlandsche economische sociale algemene ruimtelijke "
    "europese langdurige primair voortgezet basis-".split()
)


def _ocr_ministry_word(word: str) -> str:
    """Repairs that only apply once a word is known to be part of a ministry
    name: "WERKGELE-GENHEID", "ONDERWUS", "BINNEIMLANDSE", "RUIMTELUKE"."""
    if _is_ministry_word(word):
        return word
    joined = word.replace("-", "")
    if _is_ministry_word(joined):
        return joined
    for wrong, right in (("IIM", "N"), ("IM", "N"), ("U", "IJ"), ("0", "O")):
        for variant in (wrong, wrong.lower()):
            start = joined.find(variant)
            while start >= 0:
                fixed = joined[:start] + (right if variant.isupper() else right.lower()) + joined[start + len(variant):]
                if _is_ministry_word(fixed):
                    return fixed
                start = joined.find(variant, start + 1)
    return word


def _is_ministry_word(word: str) -> bool:
    return word.lower().rstrip(",") in _MINISTRY_WORDS


def _plain_heading(text: str) -> str:
    """Undo the OCR slips that _fuzzy tolerates, for the words we read."""
    text = re.sub(r"\bMI(?:IM|IIM|M)ISTER|\bMIMSTER", "MINISTER",
                  re.sub(r"\bOE(N?)\b", r"DE\1", text))
    return re.sub(r"\b(VA|E)IIM?\b", r"\1N", text)  # VAIM, EIM


def _uppercase_run(text: str) -> str:
    """The leading words of ``text`` that are in capitals: where an upper-case
    heading ends and running text begins."""
    words = []
    for word in text.split():
        if not word.isupper() and not re.fullmatch(r"[\W\d]+", word):
            break
        words.append(word)
    return " ".join(words).strip(" ,.;:")


def _member_names(text: str) -> str | None:
    match = _MEMBERS_RE.search(text)
    if not match:
        return None
    names = _NAMES_END_RE.split(match.group("names"))[0]
    # "MARTENS – AMERICA" is the double name Martens-America.
    names = re.sub(r"\s*[\u2013\u2014]\s*", "-", names)
    names = _name_case(names) if names.isupper() else _names_prefix(names)
    names = names.strip(" ,;:")
    words = names.split()
    if words and "en" in (words[0], words[-1]):
        return None  # "SIPKES EN" + a name the heading lost
    if not 1 <= len(words) <= 12 or not all(_is_name_word(w) for w in words):
        return None  # OCR garble or a heading that goes on about something else
    return names


# Where the names in a heading end: "... TER VERVANGING VAN ...",
# "... OP HET AMENDEMENT ...", "... OVER ...".
# "TER" only before a long word: "SIPKES EN TER VEER" names Ter Veer.
_NAMES_END_RE = re.compile(
    r"\s+(?:TER\s+[A-Z-]{8,}|OP|OVER|TOT|INZAKE|BETREFFENDE|HOUDENDE|NAAR|GEDRUKT|STUK|WIJZIGING"
    r"|N°)\b.*$"
)
_NAME_WORD_RE = re.compile(r"^(?:(?:[^\W\d_]{1,2}\.)+,?|c\.s\.|en|[^\W\d_]{1,4})$")


def _is_name_word(word: str) -> bool:
    """Initials, a short word, or a capitalised name ("Kostić",
    "Yeşilgöz-Zegerius", "Rikkers-Oosterkamp"); mixed-case OCR garble is not."""
    if _NAME_WORD_RE.match(word):
        return True
    parts = [p.replace("'", "").replace("\u2019", "") for p in word.rstrip(",").split("-")]
    return parts[0][:1].isupper() and all(
        len(p) > 1 and p.isalpha() and p[1:].islower() for p in parts)


def _names_prefix(names: str) -> str:
    """Names in a title-case heading run until the first ordinary word."""
    words = []
    for word in names.split():
        if word[0].islower() and word not in _SMALL_WORDS and word != "c.s.":
            break
        words.append(word)
    return " ".join(words)


def _name_case(names: str) -> str:
    """"DE PREE EN E. VAN MIDDELKOOP C.S." -> "De Pree en E. van Middelkoop c.s."."""
    out, start_of_name = [], True
    for word in names.split():
        lower = word.lower()
        if lower in ("c.s.", "c.s", "cs", "cs.", "c.s.,"):
            out.append("c.s.")
        elif lower == "en" and not start_of_name:
            out.append("en")
            start_of_name = True
            continue
        elif re.fullmatch(r"(?:[^\W\d_]\.)+,?", word):
            out.append(word.upper())  # initials
        elif lower in _SMALL_WORDS and not start_of_name:
            out.append(lower)
        else:
            out.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
        start_of_name = word.endswith(",")
    return " ".join(out).replace("c. s.", "c.s.")


def _who(words: str) -> str:
    """"HET LIID", "DE HET LID", "LID" -> "het lid"; "HET LEDEN" -> "de leden"."""
    words = words.lower().split()
    if words[-1] in ("lid", "liid"):
        return "het lid"
    if words[-1] == "leden":
        return "de leden"
    return " ".join(words)


def sender_from_heading(heading: str, doc_type: str | None) -> tuple[str | None, str | None]:
    """(sender, ministry) as a document heading names them, for any format:
    "MOTIE VAN DE LEDEN ELLIAN EN VELTMAN" -> ("Ellian en Veltman", None)."""
    return _heading_sender((heading, doc_type, None))


def signed_members(names: list[str]) -> str | None:
    """The members who signed a motie, named the way its heading would:
    "Kostić", "Boon en Wilders", "Kostić c.s." (three or more); None unless
    every line reads as a name."""
    names = [re.sub(r",\s*(c\.s\.)$", r" \1", " ".join(name.split())).rstrip(",")
             for name in names]
    if not names or not all(1 <= len(n.split()) <= 5 and all(_is_name_word(w) for w in n.split())
                            for n in names):
        return None
    if len(names) > 2:
        return f"{names[0]} c.s."
    return " en ".join(names)


def _signature_sender(body: str) -> tuple[str | None, str | None]:
    """The first government signature line that names a known office:
    "De Minister van Buitenlandse Zaken,"; "De Minister van Justitie, DE
    VRIES," is a name on the same line, not an office."""
    for match in _SIGNATURE_RE.finditer(body):
        role = match.group("role").capitalize().replace("-p", "-P")
        if not match.group("prep"):
            return role, None
        office = _office_name(match.group("rest"))
        if office:
            prep = match.group("prep").lower()
            ministry = office if prep == "van" and " en van " not in office else None
            return f"{role} {prep} {office}", ministry
    return None, None


# --- Title -------------------------------------------------------------------

def _betreft(body: str) -> str | None:
    match = _BETREFT_RE.search(body)
    if not match:
        return None
    parts = [match.group("subject").strip()]
    following = body[match.end():].split("\n")[1:4]
    for line in following:
        line = line.strip()
        if not line or _LABEL_RE.match(line):
            break
        parts.append(line)
    return " ".join(parts)


def _heading_title(heading, sender: str | None) -> str | None:
    if not heading:
        return None
    text, doc_type, match = heading
    if doc_type in ("Aanhangsel (vragen en antwoorden)", "Handelingen"):
        return None
    phrase = match.group("h") if match else text
    if not _is_clean_phrase(phrase):
        phrase = doc_type
    phrase = _sentence_case(re.sub(r"\s+", " ", phrase))
    if doc_type == "Brief regering" and sender:
        return f"Brief van de {sender[0].lower()}{sender[1:]}"
    body = _BODY_RE.match(_uppercase_run(text)) if doc_type in ("Brief", "Brief commissie") else None
    if body and sender:
        return f"Brief van {body.group('article').lower()} {sender}"
    if doc_type in ("Motie", "Amendement", "Brief Kamerlid") and sender:
        who = _MEMBERS_RE.search(text)
        if who:
            return f"{phrase} van {_who(who.group('who'))} {sender}"
    return phrase


def _is_clean_phrase(phrase: str) -> bool:
    """False when the heading words carry OCR slips (AMEIMDEMENT, WUZIGING)."""
    return not re.search(r"IIM|IM(?=[DEIO])|WUZ|\bOE\b", phrase.upper())


def _sentence_case(text: str) -> str:
    if text.isupper():
        text = text.lower()
    return text[:1].upper() + text[1:]


def _markdown_heading(text: str) -> str | None:
    match = _MD_HEADING_RE.search(text)
    if not match:
        return None
    return clean_text(match.group("text"), markdown=True) or None


_BOILERPLATE_RE = re.compile(
    r"^(?:(?:Tweede|Eerste)\s+Kamer\b|Vergaderjaar\b|Zitting\b|Vel\s+\d|Bijlagen?\b|Handelingen\b|Nrs?\.\s*\d)",
    re.IGNORECASE,
)


def _first_meaningful_line(body: str, dossier_title: str | None) -> str | None:
    """For a document without a recognised heading: the questions of an
    Aanhangsel, else the first line that reads as words (the dossier title,
    usually). It is literally in the text, so it is a title, not a guess."""
    lines = [line.strip() for line in body.splitlines() if line.strip()][:HEADER_LINES]
    for line in lines:
        questions = _QUESTIONS_RE.match(line)
        if questions:
            return questions.group("q").rstrip(" .")
    if dossier_title:
        return dossier_title
    for line in lines:
        if _BOILERPLATE_RE.match(line) or len(line) > 200:
            continue
        letters = sum(ch.isalpha() for ch in line)
        if len(line.split()) >= 3 and letters >= 0.7 * len(line.replace(" ", "")):
            return _sentence_case(line.rstrip(" ."))
    return None
