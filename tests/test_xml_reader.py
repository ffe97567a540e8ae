"""KOOP XML and HTML readers, checked against the documents' own metadata."""
import re
import unicodedata

import pytest

from corpus.errors import NotALetter, ReadError
from corpus.files import read_letter
from corpus.html_reader import parse_html_letter
from corpus.letter import person_name
from corpus.titles import readable_heading
from corpus.xml_reader import parse_xml_letter

FRBR = "koop-samples/repository/frbr/officielepublicaties/kst/32545/kst-32545-143/1"
METADATA_BLOCK = re.compile(rb"<metadata>.*?</metadata>", re.S)


def labelled_files(corpus):
    return [p for p in sorted((corpus / "kst-xml").glob("*.xml"))
            if b"OVERHEID.category" in p.read_bytes()]


def test_header_alone_gives_what_the_metadata_says(corpus):
    """Drop the <metadata> block, parse the rest: dossier, ondernummer,
    vergaderjaar and date must equal what the official metadata states."""
    files = labelled_files(corpus)
    assert len(files) > 2000
    mismatches, dated = [], 0
    for path in files:
        data = path.read_bytes()
        with_meta = parse_xml_letter(data, source=str(path), fallback_id="x")
        header_only = parse_xml_letter(METADATA_BLOCK.sub(b"", data), source=str(path),
                                       fallback_id="x")
        for name in ("dossier", "ondernummer", "vergaderjaar", "kamerstuk", "chamber"):
            if getattr(header_only, name) != getattr(with_meta, name):
                mismatches.append((path.name, name, getattr(header_only, name),
                                   getattr(with_meta, name)))
        if header_only.date is not None:
            dated += 1
            if header_only.date != with_meta.date:
                mismatches.append((path.name, "date", header_only.date, with_meta.date))
    assert mismatches == []
    assert dated > 0.99 * len(files)


def test_embedded_metadata_fields(corpus):
    path = corpus / "kst-xml" / "000997f1-f677-4f1a-9be2-7f0faf8479a7.xml"
    letter = read_letter(path)
    assert letter.id == "kst-34104-439"
    assert letter.dossier == "34104" and letter.ondernummer == "439"
    assert letter.doc_type == "Motie"
    assert letter.date == "2025-04-24" and letter.year == 2025
    assert letter.vergaderjaar == "2024-2025"
    assert letter.dossier_title == "Langdurige zorg"
    assert letter.topics == ("Zorg en gezondheid",)
    assert letter.topic_source == "metadata"
    assert letter.sender == "M.G.F. Rikkers-Oosterkamp"
    assert letter.chamber == "Tweede Kamer"
    assert "regionaal budget" in letter.body
    assert "<" not in letter.body


def test_sub_dossier_and_budget_chapter_from_header(corpus):
    by_dossier = {}
    for path in sorted((corpus / "kst-xml").glob("*.xml"))[:3000]:
        letter = read_letter(path)
        by_dossier.setdefault(letter.dossier, letter)
    assert any(re.fullmatch(r"21501-\d+", d or "") for d in by_dossier)
    assert any(re.fullmatch(r"\d{5}-[IVXL]+", d or "") for d in by_dossier)


def test_frbr_metadata_xml_beside_a_bare_document(corpus, tmp_path):
    """Without embedded metadata, the repository's metadata.xml is used."""
    source = corpus / FRBR
    (tmp_path / "xml").mkdir()
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "metadata.xml").write_bytes(
        (source / "metadata" / "metadata.xml").read_bytes())
    bare = METADATA_BLOCK.sub(b"", (source / "xml" / "kst-32545-143.xml").read_bytes())
    (tmp_path / "xml" / "kst-32545-143.xml").write_bytes(bare)
    letter = read_letter(tmp_path / "xml" / "kst-32545-143.xml")
    assert letter.topics == ("Economie", "Financiën")
    assert letter.title.startswith("Motie van de leden Inge van Dijk en Grinwis")


def test_official_html(corpus):
    path = corpus / FRBR / "html" / "kst-32545-143.html"
    letter = parse_html_letter(path.read_text(encoding="utf-8"), source=str(path),
                               fallback_id="x")
    assert letter.id == "kst-32545-143"
    assert letter.vergaderjaar == "2020-2021"
    assert letter.doc_type == "Motie"
    assert "grensspaarsaldo" in letter.body
    assert "enablePopup" not in letter.body and "<p>" not in letter.body


@pytest.mark.parametrize("relative", [
    FRBR + "/metadata/metadata.xml", "koop-samples/owms/sru.xml",
    "koop-samples/repository/sru.xml", "koop-samples/owms/metadata_owms-kst.xml"])
def test_metadata_and_sru_files_are_not_letters(corpus, relative):
    path = corpus / relative
    with pytest.raises(NotALetter):
        parse_xml_letter(path.read_bytes(), source=str(path), fallback_id="x")


@pytest.mark.parametrize("data,reason", [
    (b"<officiele-publicatie><kamerstuk>", "ongeldige XML"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "entiteit"),
    (b"<html><body>geen KOOP</body></html>", "onbekend XML-formaat"),
])
def test_bad_xml_is_refused_with_a_reason(data, reason):
    with pytest.raises(ReadError) as caught:
        parse_xml_letter(data, source="bad.xml", fallback_id="x")
    assert reason in caught.value.reason
    assert caught.value.path == "bad.xml"


@pytest.mark.parametrize("data,reason", [
    (b"<officiele-publicatie>\n", "ongeldige XML: onvolledig bestand (regel 2, kolom 0)"),
    (b"<officiele-publicatie", "ongeldige XML: onvolledig bestand of onafgesloten tag (regel 1, "
                               "kolom 0)"),
    (b"<officiele-publicatie><al>x\x01</al></officiele-publicatie>",
     "ongeldige XML: ongeldig teken of ongeldige opbouw (regel 1, kolom 27)"),
    (b"<officiele-publicatie><al>x</b></officiele-publicatie>",
     "ongeldige XML: sluittag past niet bij de open tag (regel 1, kolom 29)"),
    ('<?xml version="1.0" encoding="UTF-8"?>\n<officiele-publicatie>é'.encode("latin-1"),
     "ongeldige XML: onvolledig teken (regel 2, kolom 22)"),
    (b"<officiele-publicatie/>rest", "ongeldige XML: tekst na het einde van het document"),
    (b'<?xml version="1.0" encoding="bogus"?><officiele-publicatie/>',
     "ongeldige XML: tekenset 'bogus' in de XML-declaratie is onbekend of wordt niet "
     "ondersteund"),
    (b'<?xml version="1.0" encoding="UTF-32"?><officiele-publicatie/>',
     "tekenset 'UTF-32' in de XML-declaratie"),
])
def test_xml_errors_are_dutch_and_keep_line_and_column(data, reason):
    with pytest.raises(ReadError) as caught:
        parse_xml_letter(data, source="bad.xml", fallback_id="x")
    assert reason in caught.value.reason
    assert not re.search(r"line|column|not well-formed|mismatched|encoding|unknown",
                         caught.value.reason)


def test_truncated_real_letter_says_incomplete(corpus):
    data = sorted((corpus / "kst-xml").glob("*.xml"))[0].read_bytes()
    with pytest.raises(ReadError) as caught:
        parse_xml_letter(data[: len(data) // 2], source="half.xml", fallback_id="x")
    assert re.fullmatch(r"ongeldige XML: onvolledig bestand( of onafgesloten tag)? "
                        r"\(regel \d+, kolom \d+\)", caught.value.reason)


def _fold(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).lower()


def _official_surnames(indiener):
    """"D.J.H. (Diederik) van Dijk; R. de Roon" -> ["diederik van dijk", "de roon"]."""
    return [_fold(re.sub(r"[()]", "", re.sub(r"^(?:[^\W\d_]{1,3}\.\s*)+", "", one.strip())))
            for one in indiener.split(";")]


def _agrees(sender, indiener):
    """Every name the document gives is one of KOOP's indieners (a name may
    carry the first name KOOP puts in brackets), and there are as many, or
    more than one behind "c.s."."""
    others = sender.endswith(" c.s.")
    names = [_fold(n) for n in re.split(r"\s+en\s+", sender.removesuffix(" c.s."))]
    official = _official_surnames(indiener)
    if not all(any(n == o or n.endswith(" " + o) or o.endswith(" " + n) for o in official)
               for n in names):
        return False
    return len(official) > len(names) if others else len(official) == len(names)


def test_sender_without_metadata_agrees_with_the_indiener(corpus):
    """Drop the <metadata> block: the sender read from the document (its
    signature, else its heading) names KOOP's indieners. What disagrees are
    slips in the document itself ("Dobb" signed under "MOTIE VAN HET LID
    DOBBE", one name in a heading of a motie with two indieners)."""
    files = labelled_files(corpus)
    agree, disagree = 0, []
    for path in files:
        data = path.read_bytes()
        official = parse_xml_letter(data, source=str(path), fallback_id="x").sender
        own = parse_xml_letter(METADATA_BLOCK.sub(b"", data), source=str(path),
                               fallback_id="x").sender
        assert own is not None, path.name
        if _agrees(own, official):
            agree += 1
        else:
            disagree.append((path.name, own, official))
    assert agree >= 0.995 * len(files), disagree


def test_every_motie_without_metadata_has_a_sender(corpus):
    bare = [p for p in sorted((corpus / "kst-xml").glob("*.xml"))
            if b"OVERHEID.category" not in p.read_bytes()]
    assert len(bare) > 5000
    missing = [p.name for p in bare if read_letter(p).sender is None]
    assert missing == []


@pytest.mark.parametrize("name, sender", [
    ("000cb880-e10b-47d7-a019-fafb49522520", "Ceder"),           # MOTIE VAN HET LID CEDER
    # MOTIE VAN DE LEDEN VAN OOSTENBRUGGEN EN PALMEN
    ("000e8c8f", "Van Oostenbruggen en Palmen"),
    ("b4e58f0a", "Grinwis c.s."),      # heading "GRNWIS C.S.", signed Grinwis and four more
    ("dabda336", "Holman"),            # heading "MOTIE VAN"; the signature below the text
    ("e67c2c86", "Paulusma en Bushoff"),  # heading "VAN DE LDEN"
])
def test_motie_sender_from_the_document(corpus, name, sender):
    path = next((corpus / "kst-xml").glob(f"{name}*.xml"))
    letter = parse_xml_letter(METADATA_BLOCK.sub(b"", path.read_bytes()), source=str(path),
                              fallback_id="x")
    assert letter.sender == sender and letter.ministry is None


def test_government_heading_gives_sender_and_ministry():
    data = ('<officiele-publicatie><kamerstuk><stuk><titel>BRIEF VAN DE MINISTER VAN '
            'BUITENLANDSE ZAKEN</titel><al>Geachte voorzitter,</al></stuk></kamerstuk>'
            '</officiele-publicatie>').encode()
    letter = parse_xml_letter(data, source="brief.xml", fallback_id="x")
    assert (letter.doc_type, letter.sender, letter.ministry) == (
        "Brief regering", "Minister van Buitenlandse Zaken", "Buitenlandse Zaken")


def test_every_motie_has_its_type_and_a_readable_title(corpus):
    """Amended moties too ("TWEEDE NADER GEWIJZIGDE MOTIE ...", KOOP's typo
    "GEWIJZGIDE MOTIE"), with or without the embedded metadata."""
    odd = {"vervanging", "gedrukt", "onder", "die", "nader", "gewijzigde", "gewijzgide"}
    untyped, badly_cased = [], []
    for path in sorted((corpus / "kst-xml").glob("*.xml")):
        for letter in (read_letter(path),
                       parse_xml_letter(METADATA_BLOCK.sub(b"", path.read_bytes()),
                                        source=str(path), fallback_id="x")):
            if letter.doc_type != "Motie":
                untyped.append(path.name)
            rest = letter.title.split(" ")[1:]
            if "C.s." in rest or any(w.lower() in odd and w[0].isupper() for w in rest):
                badly_cased.append(letter.title)
    assert untyped == [] and badly_cased == []


@pytest.mark.parametrize("heading, readable", [
    ("TWEEDE NADER GEWIJZIGDE MOTIE VAN HET LID PATIJN TER VERVANGING VAN DIE GEDRUKT "
     "ONDER NR. 17",
     "Tweede nader gewijzigde motie van het lid Patijn ter vervanging van die gedrukt onder nr. 17"),
    ("GEWIJZIGDE MOTIE VAN HET LID VAN DER LEE C.S. TER VERVANGING VAN DIE GEDRUKT ONDER NR. 15",
     "Gewijzigde motie van het lid Van der Lee c.s. ter vervanging van die gedrukt onder nr. 15"),
    ("MOTIE VAN DE LEDEN BUSHOFF EN DE HOOP", "Motie van de leden Bushoff en De Hoop"),
    ("BRIEF VAN DE VOORZITTER VAN DE TWEEDE KAMER", "Brief van de Voorzitter van de Tweede Kamer"),
    ("BRIEF VAN DE MINISTER VAN ONDERWIJS EN DE STAATSSECRETARIS VAN FINANCIËN",
     "Brief van de minister van Onderwijs en de staatssecretaris van Financiën"),
])
def test_readable_heading(heading, readable):
    assert readable_heading(heading) == readable


def test_aanhangsel_van_de_handelingen_is_a_type(corpus):
    # The XML has metadata.xml beside it (OVERHEIDop.Parlementair); the HTML
    # names only the subtype (OVERHEIDop.AanhangselTypen "Antwoord").
    folder = corpus / "koop-samples/repository/frbr/officielepublicaties/ah-tk/20202021"
    paths = sorted(folder.rglob("ah-tk-20202021-3235.*ml"))
    assert [p.suffix for p in paths] == [".html", ".xml"]
    for path in paths:
        assert read_letter(path).doc_type == "Aanhangsel van de Handelingen", path.name


@pytest.mark.parametrize("name, title", [
    ("stb.xml", "Besluit van 9 maart 2018, houdende vaststelling van de bestanddelen van de "
                "beeldenaar van de munten van vijf en tien euro"),
    ("stcrt.xml", "Ter inzage: omgevingsvergunning"),
    ("gmb.xml", "Ingediende aanvraag omgevingsvergunning, Zuiderweg 21 Midwolda"),
])
def test_gazette_title_from_intitule_or_its_own_heading(corpus, name, title):
    # Not the gazette's name ("STAATSCOURANT", "GEMEENTEBLAD").
    assert read_letter(corpus / "koop-samples/wetsuite" / name).title.startswith(title)


def test_signers_count_without_initials_but_show_with_them(corpus):
    """KOOP's indieners carry initials; the sender facet counts each member
    as a motie's heading names them, so one member is one value."""
    letter = read_letter(corpus / "kst-xml" / "01ab54cb-4fea-4b6b-9dc6-cd7c89272b33.xml")
    assert letter.sender == "J.P. Dijk; C. Teunissen; S.R.T. van Baarle; J. Nordkamp"
    assert letter.sender_names() == ("Dijk", "Teunissen", "Van Baarle", "Nordkamp")


@pytest.mark.parametrize("name, member", [
    ("D.G.M. Ceder", "Ceder"), ("I. el Abassi", "El Abassi"), ("M. P. A. van Dam", "Van Dam"),
    ("M.J.M.H. Wijen-Nass", "Wijen-Nass"), ("Th.C. de Graaf", "De Graaf"), ("Ö. Özdil", "Özdil"),
    ("H. (Diederik) van Dijk", "Diederik van Dijk"), ("I. (Inge) van Dijk", "Inge van Dijk"),
    # Unchanged: a first name, an office, a surname alone, initials alone.
    ("Diederik van Dijk", "Diederik van Dijk"), ("Minister van Justitie", "Minister van Justitie"),
    ("Kostić", "Kostić"), ("J.", "J."),
])
def test_person_name(name, member):
    assert person_name(name) == member
