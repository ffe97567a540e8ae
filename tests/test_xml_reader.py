"""KOOP XML and HTML readers, checked against the documents' own metadata."""
import re

import pytest

from corpus.errors import NotALetter, ReadError
from corpus.files import read_letter
from corpus.html_reader import parse_html_letter
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
