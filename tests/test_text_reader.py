"""The plain-text / Markdown reader, on the real corpus in ../shared/corpus."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

from corpus.cleanup import normalise_whitespace, repair_hyphenation, strip_markdown
from corpus.text_reader import parse_text_letter, sender_from_heading
from corpus.titles import doc_type_from_heading

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    """The shared corpus: $KAMERZOEK_CORPUS, else ../shared/corpus. Its absence
    is a failure, not a skip: these tests are the point of having it."""
    path = Path(os.environ.get("KAMERZOEK_CORPUS") or PROJECT_ROOT.parent / "shared" / "corpus")
    if not path.is_dir():
        pytest.fail(f"corpus not found at {path} (set KAMERZOEK_CORPUS)")
    return path


def read(relative: str) -> str:
    return (corpus_dir() / relative).read_text(encoding="utf-8", errors="replace")


def parse(relative: str, markdown: bool = False):
    return parse_text_letter(read(relative), source=relative, fallback_id="fallback-id", markdown=markdown)


@lru_cache(maxsize=1)
def all_sgd() -> dict[str, str]:
    folder = corpus_dir() / "sgd-ocr"
    return {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))}


@lru_cache(maxsize=1)
def all_sgd_parsed() -> dict:
    return {
        name: parse_text_letter(text, source=name, fallback_id=name)
        for name, text in all_sgd().items()
    }


# --- the modern Markdown letter ---------------------------------------------

def test_markdown_letter_metadata():
    letter = parse("letters/kst-33694-45.md", markdown=True)
    assert letter.id == letter.kamerstuk == "kst-33694-45"
    assert (letter.dossier, letter.ondernummer) == ("33694", "45")
    assert letter.date == "2019-05-13" and letter.year == 2019
    assert letter.vergaderjaar == "2018-2019"
    assert letter.sender == "Minister van Buitenlandse Zaken"
    assert letter.ministry == "Buitenlandse Zaken"
    assert letter.doc_type == "Brief regering"
    assert letter.dossier_title == "Internationale Veiligheidsstrategie"
    assert letter.chamber == "Tweede Kamer"
    assert letter.title == "Brief van de minister van Buitenlandse Zaken"
    assert letter.format == "markdown"
    assert letter.topics == ()


def test_markdown_letter_body_is_plain_text():
    letter = parse("letters/kst-33694-45.md", markdown=True)
    for syntax in ("**", "<sup>", "</sup>", "\n#", "\n---"):
        assert syntax not in letter.body
    assert not letter.body.startswith("#")
    assert "BRIEF VAN DE MINISTER VAN BUITENLANDSE ZAKEN" in letter.body  # header kept
    assert "daaraan stelt. De ontwikkelingen" in letter.body  # footnote marker dropped
    assert "\n1 Kamerstukken 34 300 X" in letter.body  # footnote line kept
    assert "\n\n" in letter.body  # paragraphs kept


def test_markdown_letter_references():
    letter = parse("letters/kst-33694-45.md", markdown=True)
    assert "kst-33694-23" in letter.references
    assert "kst-33694-12" in letter.references
    assert letter.kamerstuk not in letter.references


# --- the OCR letter without number or date ------------------------------------

def test_ocr_letter_without_identifiers():
    letter = parse("letters/brief-opvolging-motie-koopmans.txt")
    assert letter.kamerstuk is None and letter.id == "fallback-id"
    assert letter.dossier is None and letter.ondernummer is None
    assert letter.date is None and letter.year is None
    assert letter.title.startswith("Opvolging motie Koopmans")
    assert letter.title.endswith("massavernietigingswapens")  # Betreft continues
    assert letter.sender == "Minister van Buitenlandse Zaken"
    assert letter.ministry == "Buitenlandse Zaken"
    assert letter.doc_type == "Brief regering"
    assert letter.format == "text"
    for ref in ("kst-33783-41", "kst-33694-43", "kst-33694-45"):
        assert ref in letter.references


# --- an SGD OCR letter ---------------------------------------------------------

def test_sgd_ministerial_letter():
    letter = parse("sgd-ocr/sgd-0000000943.txt")
    assert letter.vergaderjaar == "1994-1995"
    assert (letter.dossier, letter.ondernummer) == ("22977", "3")
    assert letter.id == letter.kamerstuk == "kst-22977-3"
    assert letter.date == "1994-11-23" and letter.year == 1994
    assert letter.sender == "Minister van Sociale Zaken en Werkgelegenheid"
    assert letter.ministry == "Sociale Zaken en Werkgelegenheid"
    assert letter.doc_type == "Brief regering"
    assert letter.chamber == "Tweede Kamer"
    assert letter.dossier_title == "Toetsing van ontslag"


def test_sgd_hyphenation_repaired_on_document_evidence():
    raw = read("sgd-ocr/sgd-0000000943.txt")
    body = parse("sgd-ocr/sgd-0000000943.txt").body
    # "preventieve" and "arbeidsmarkt" also occur unbroken in the file ...
    assert "preven-tieve" in raw and "preventieve ontslagtoets" in raw
    assert "bestuurlijke preventieve toetsing" in body
    assert "arbeids-markt" not in body and "zwakke groepen op de arbeidsmarkt" in body
    # ... "beschermende" does not, so its hyphen stays (no evidence, no guess).
    assert "beschermende" not in raw.replace("bescher-mende", "")
    assert "bescher-mende" in body


@pytest.mark.parametrize(
    "name, field, expected",
    [
        ("sgd-0000100065.txt", "doc_type", "Amendement"),
        ("sgd-0000100065.txt", "sender", "De Pree en Vliegenthart"),
        ("sgd-0000100065.txt", "date", "1988-02-25"),
        ("sgd-0000100065.txt", "kamerstuk", "kst-19399-30"),
        ("sgd-0000006855.txt", "doc_type", "Amendement"),  # OCR: AMEIMDEMENT
        ("sgd-0000006855.txt", "sender", "E. van Middelkoop"),
        ("sgd-0000037450.txt", "sender", "Minister van Verkeer en Waterstaat"),
        ("sgd-0000037450.txt", "date", "1990-05-07"),
        ("sgd-0000003823.txt", "doc_type", "Aanhangsel (vragen en antwoorden)"),
        ("sgd-0000003823.txt", "date", "1993-09-09"),
        ("sgd-0000003823.txt", "dossier", None),  # "98" is the Aanhangsel page
        ("sgd-0000112334.txt", "doc_type", "Koninklijke boodschap"),
        ("sgd-0000124439.txt", "doc_type", "Nota van wijziging"),
        ("sgd-0000134230.txt", "sender", "Tripels"),
        ("sgd-0000132089.txt", "chamber", "Eerste Kamer"),
        ("sgd-0000208143.txt", "vergaderjaar", "1973-1974"),
        ("sgd-0000201772.txt", "sender", "Minister voor Ontwikkelingssamenwerking"),
        ("sgd-0000201772.txt", "ministry", None),  # a minister without a ministry
        ("sgd-0000220009.txt", "date", None),  # "2 november 197)": unreadable year
        # OCR without a space between day and month: "'s-Gravenhage, 16januari
        # 1975" (the letter's own date; it was received on 21 January) and
        # "(Ingezonden 17februari 1994)", as a spaced date would be read.
        ("sgd-0000198923.txt", "date", "1975-01-16"),
        ("sgd-0000004067.txt", "date", "1994-02-17"),
        ("sgd-0000220009.txt", "sender", "Minister van Verkeer en Waterstaat"),
    ],
)
def test_sgd_samples(name, field, expected):
    assert getattr(parse(f"sgd-ocr/{name}"), field) == expected


# --- signatures with commas and ministers without a ministry -----------------

@pytest.mark.parametrize("name, sender, ministry", [
    # "De Minister van Onderwijs, Kunsten en Wetenschappen," (no heading)
    ("sgd-0000078605.txt", "Minister van Onderwijs, Kunsten en Wetenschappen",
     "Onderwijs, Kunsten en Wetenschappen"),
    # "De Minister van\nWaterstaat, Handel en Nijverheid,": the whole office,
    # not "Waterstaat" from a later line broken after its first comma.
    ("sgd-0000391344.txt", "Minister van Waterstaat, Handel en Nijverheid",
     "Waterstaat, Handel en Nijverheid"),
])
def test_signature_with_commas_in_the_office(name, sender, ministry):
    letter = parse(f"sgd-ocr/{name}")
    assert (letter.sender, letter.ministry) == (sender, ministry)


def test_demo_letter_of_a_minister_for_a_portfolio():
    path = PROJECT_ROOT / "demo" / "letters" / "brief-lerarentekort.txt"
    letter = parse_text_letter(path.read_text(encoding="utf-8"), source=str(path),
                               fallback_id="x")
    assert letter.sender == "Minister voor Primair en Voortgezet Onderwijs"
    assert letter.ministry is None  # a minister "voor" has no ministry of his own
    assert letter.doc_type == "Brief regering"


@pytest.mark.parametrize("signature, sender, ministry", [
    ("De minister van Onderwijs, Cultuur en Wetenschap,",
     "Minister van Onderwijs, Cultuur en Wetenschap", "Onderwijs, Cultuur en Wetenschap"),
    ("De staatssecretaris van Volksgezondheid, Welzijn en Sport,",
     "Staatssecretaris van Volksgezondheid, Welzijn en Sport",
     "Volksgezondheid, Welzijn en Sport"),
    ("De minister voor Basis- en Voortgezet Onderwijs en Media,",
     "Minister voor Basis- en Voortgezet Onderwijs en Media", None),
    # A name on the signature line is no office; the next signature is.
    ("De Minister van Justitie, DE VRIES,\n\nDe Minister van Financiën,",
     "Minister van Financiën", "Financiën"),
    # Words that are no ministry stay unread, never guessed.
    ("De minister van Zaken, Dingen en Meer,", None, None),
])
def test_signature_sender(signature, sender, ministry):
    text = f"Geachte voorzitter,\n\nHierbij bericht ik u.\n\n{signature}\n\nE. Voorbeeld\n"
    letter = parse_text_letter(text, source="brief.txt", fallback_id="x")
    assert (letter.sender, letter.ministry) == (sender, ministry)


# --- clean-up units ---------------------------------------------------------

def test_line_end_hyphenation_joined():
    assert repair_hyphenation("het beleid voor vreemde-\nlingen is") == "het beleid voor vreemdelingen is"


def test_line_end_hyphenation_keeps_real_hyphens():
    assert repair_hyphenation("de provincie Noord-\nHolland") == "de provincie Noord-Holland"
    assert repair_hyphenation("Staten-\nGeneraal") == "Staten-Generaal"
    assert repair_hyphenation("met NAVO-\npartners") == "met NAVO-partners"
    assert repair_hyphenation("niet-\nstatelijke actoren") == "niet-statelijke actoren"


def test_line_end_hyphenation_follows_document_evidence():
    # the hyphenated form occurs elsewhere: keep it
    assert repair_hyphenation("zee-\negel en nog een zee-egel") == "zee-egel en nog een zee-egel"
    # the joined form occurs elsewhere: join, even after a prefix like "niet"
    assert repair_hyphenation("niet-\nig en nietig") == "nietig en nietig"


def test_mid_line_hyphenation_needs_evidence():
    text = "de bescher-mende werking; preven-tieve toets en preventieve zorg"
    assert repair_hyphenation(text) == "de bescher-mende werking; preventieve toets en preventieve zorg"
    assert repair_hyphenation("Noord-Holland en niet-statelijke actoren") == "Noord-Holland en niet-statelijke actoren"
    caps = "SOCIALE ZAKEN EN WERKGELE-GENHEID; Werkgelegenheid"
    assert repair_hyphenation(caps) == "SOCIALE ZAKEN EN WERKGELEGENHEID; Werkgelegenheid"


def test_soft_hyphen_removed():
    assert repair_hyphenation("be\u00adrechting") == "berechting"


def test_strip_markdown():
    text = "## **Titel**\n\nEen *schuine* en _andere_ [link](https://x.nl) stelt<sup>1</sup>.  \nvolgende\n\n---\n\n<sup>1</sup> Kamerstuk 33 694, nr. 23\n\n- punt"
    plain = normalise_whitespace(strip_markdown(text))
    assert plain == "Titel\n\nEen schuine en andere link stelt.\nvolgende\n\n1 Kamerstuk 33 694, nr. 23\n\n- punt"


def test_strip_markdown_leaves_snake_case_and_plain_text():
    assert strip_markdown("file_name_here en 3 * 4 * 5") == "file_name_here en 3 * 4 * 5"


def test_parse_is_pure_and_handles_empty_text():
    letter = parse_text_letter("", source="leeg.txt", fallback_id="leeg")
    assert letter.id == "leeg" and letter.body == "" and letter.title is None


# --- the whole SGD folder -----------------------------------------------------

_FOOTER_CHECK_RE = re.compile(
    r"^(?:Tweede|Eerste) Kamer, (?:vergaderjaar|zitting) (\d{4})-(\d{4}), ?"
    r"(\d{2}) ?(\d{3})(?: (?:hoofdstuk |hfdst\. )?([IVXL]+|[A-Z])|-(\d{1,3}))?, nr\. ?(\d+)$",
    re.MULTILINE,
)


def _footer_expectations() -> dict[str, tuple[str, str, str]]:
    """Independent reading of simple, unambiguous page footers."""
    expected = {}
    for name, text in all_sgd().items():
        found = set()
        for y1, y2, head, tail, suffix, sub, nr in _FOOTER_CHECK_RE.findall(text):
            dossier = head + tail + (f"-{suffix or sub}" if suffix or sub else "")
            found.add((dossier, nr.lstrip("0"), f"{y1}-{y2}"))
        if len(found) == 1:
            expected[name] = found.pop()
    return expected


def test_footer_agreement_over_sgd_folder():
    expected = _footer_expectations()
    assert len(expected) > 1000
    parsed = all_sgd_parsed()
    failures = []
    for name, want in expected.items():
        letter = parsed[name]
        got = (letter.dossier, letter.ondernummer, letter.vergaderjaar)
        if got != want:
            failures.append(f"{name}: got {got}, footer says {want}")
    rate = 1 - len(failures) / len(expected)
    assert rate >= 0.99, f"{rate:.3%} agreement; failures:\n" + "\n".join(failures)


def test_every_sgd_file_parses():
    parsed = all_sgd_parsed()
    assert len(parsed) == len(all_sgd()) > 8000
    for name, letter in parsed.items():
        assert letter.source == name and letter.format == "text"
        assert letter.id == (letter.kamerstuk or name)
        if letter.date:
            assert letter.year == int(letter.date[:4])
        if letter.ministry:
            assert letter.sender and letter.sender.endswith(letter.ministry)


# --- OCR headings of several offices, other bodies, names with "ter" ------------

@pytest.mark.parametrize("name, title, sender, ministry", [
    ("sgd-0000007333.txt", "Brief van de minister en staatssecretaris van Defensie",
     "Minister en staatssecretaris van Defensie", "Defensie"),
    ("sgd-0000031164.txt", "Motie van de leden Sipkes en Ter Veer", "Sipkes en Ter Veer", None),
    ("sgd-0000126365.txt", "Gewijzigde amendementen van de leden Buikema en Ter Veld",
     "Buikema en Ter Veld", None),
    # "TER VERVAN-GING VAN DAT ..." still ends the names.
    ("sgd-0000100249.txt", "Gewijzigd amendement van het lid Leijnse", "Leijnse", None),
    ("sgd-0000008933.txt", "Brief van de Algemene Rekenkamer", "Algemene Rekenkamer", None),
    ("sgd-0000009196.txt", "Brief van de Commissie voor de Werkwijze",
     "Commissie voor de Werkwijze", None),
    ("sgd-0000161790.txt", "Brief van het Presidium", "Presidium", None),
    # OCR "MIMSTER": the heading is still a minister's letter.
    ("sgd-0000038778.txt", "Brief van de minister van Financiën", "Minister van Financiën",
     "Financiën"),
    # "AMENDEMENT VAN DEN HEER VAN GIJN EN" + a name lost to OCR: no half list.
    ("sgd-0000295183.txt", "Amendement", None, None),
])
def test_ocr_headings(name, title, sender, ministry):
    letter = parse(f"sgd-ocr/{name}")
    assert (letter.title, letter.sender, letter.ministry) == (title, sender, ministry)


def test_sender_never_ends_with_a_dangling_en():
    dangling = {name: letter.sender for name, letter in all_sgd_parsed().items()
                if letter.sender and re.search(r"(^|\s)en$", letter.sender)}
    assert dangling == {}


@pytest.mark.parametrize("heading, doc_type, sender", [
    ("MOTIE DE LEDEN VAN BAARLE EN KLAVER", "Motie", "Van Baarle en Klaver"),
    ("MOTIE HET LID KAHRAMAN", "Motie", "Kahraman"),
    ("MOTIE VAN DE HET LID MICHON-DERKZEN", "Motie", "Michon-Derkzen"),
    ("MOTIE VAN HET LIID ERGIN", "Motie", "Ergin"),
    ("MOTIE VAN LID DE KORT", "Motie", "De Kort"),
    ("MOTIE VAN HET LID KOSTIĆ C.S.", "Motie", "Kostić c.s."),
    ("MOTIE VAN HET LID MARTENS – AMERICA", "Motie", "Martens-America"),
    ("TWEEDE NADER GEWIJZIGDE MOTIE VAN HET LID PATIJN TER VERVANGING VAN DIE GEDRUKT "
     "ONDER NR. 17", "Motie", "Patijn"),
    ("GEWIJZGIDE MOTIE VAN DE LEDEN GABRIËLS EN KOSTIĆ", "Motie", "Gabriëls en Kostić"),
    # No "LID": the heading does not say who; nothing is made up.
    ("MOTIE VAN HET EL ABASSI", "Motie", None),
])
def test_heading_slips_in_koop_headings(heading, doc_type, sender):
    assert doc_type_from_heading(heading) == doc_type
    assert sender_from_heading(heading, doc_type) == (sender, None)


@pytest.mark.parametrize("name, chamber", [
    ("sgd-0000414969.txt", "Tweede Kamer"),   # chamber from the page footers only
    ("sgd-0000097736.txt", "Eerste Kamer"),
])
def test_chamber_from_the_footer_is_named_in_full(name, chamber):
    assert parse(f"sgd-ocr/{name}").chamber == chamber


def test_every_chamber_is_a_full_name():
    chambers = {letter.chamber for letter in all_sgd_parsed().values()}
    assert chambers == {"Tweede Kamer", "Eerste Kamer", None}


def test_footer_chamber_without_a_header():
    text = ("Geachte voorzitter,\n\nDe tekst van de brief.\n\n"
            "Eerste Kamer, vergaderjaar 1995-1996, 24 400 VI, nr. 12\n")
    letter = parse_text_letter(text, source="x.txt", fallback_id="x")
    assert (letter.chamber, letter.vergaderjaar, letter.kamerstuk) == (
        "Eerste Kamer", "1995-1996", "kst-24400-VI-12")
