"""Reading files from disk: the system's refusals are reported in Dutch."""
import errno
import hashlib
import json
import os

import pytest

from corpus.errors import ReadError
from corpus.files import content_digest, os_reason, read_letter, read_source


def test_symlink_loop_is_reported_in_dutch(tmp_path):
    os.symlink(tmp_path / "b.txt", tmp_path / "a.txt")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    with pytest.raises(ReadError) as caught:
        read_source(tmp_path / "a.txt")
    assert caught.value.reason == ("kan niet gelezen worden (te veel niveaus van symbolische "
                                   "koppelingen, mogelijk een lus)")


def test_a_file_that_vanished_is_reported_in_dutch(tmp_path):
    with pytest.raises(ReadError) as caught:
        read_source(tmp_path / "weg.txt")
    assert caught.value.reason == "kan niet gelezen worden (bestand of map bestaat niet)"


def test_a_path_through_a_file_is_reported_in_dutch(tmp_path):
    (tmp_path / "brief.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        read_source(tmp_path / "brief.txt" / "binnen.txt")
    assert caught.value.reason == "kan niet gelezen worden (een deel van het pad is geen map)"


def test_the_digest_covers_the_file_its_sidecar_and_the_readers(tmp_path):
    """A new revision of the readers changes every digest, so an update
    indexes every file again (index.file_states)."""
    letter = tmp_path / "brief.txt"
    letter.write_bytes(b"Geachte voorzitter,")
    alone = read_source(letter).digest
    assert alone == content_digest(b"Geachte voorzitter,")
    assert alone != hashlib.sha1(b"Geachte voorzitter,").hexdigest()   # revision 1's
    (tmp_path / "brief.json").write_text('{"title": "Brief"}', encoding="utf-8")
    with_sidecar = read_source(letter).digest
    assert with_sidecar == content_digest(b"Geachte voorzitter,", b'{"title": "Brief"}')
    assert with_sidecar != alone


@pytest.mark.parametrize("code, reason", [
    (errno.EACCES, "geen leesrechten"), (errno.EISDIR, "is een map, geen bestand"),
    (errno.EIO, "invoer-/uitvoerfout van de schijf"),
    # An error without a Dutch text is named by its code, never in English.
    (errno.EXDEV, "systeemfout EXDEV"), (None, "onbekende systeemfout"),
])
def test_os_reason(code, reason):
    assert os_reason(OSError(code, os.strerror(code) if code else "?")) == reason


@pytest.mark.parametrize("sidecar, reason", [
    ('{"title": "x",}', "ongeldige JSON: veldnaam tussen dubbele aanhalingstekens verwacht "
                        "(regel 1, kolom 15)"),
    ('{"title" "x"}', "ongeldige JSON: dubbele punt verwacht (regel 1, kolom 10)"),
    ('{"title": "x"}\nrest', "ongeldige JSON: tekst na het einde van het JSON-object "
                             "(regel 2, kolom 1)"),
    ('{"title": \n', "ongeldige JSON: waarde verwacht (regel 2, kolom 1)"),
])
def test_sidecar_json_errors_are_dutch(tmp_path, sidecar, reason):
    (tmp_path / "brief.txt").write_text("Betreft: Iets\n\nGeachte voorzitter,\n", encoding="utf-8")
    (tmp_path / "brief.json").write_text(sidecar, encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        read_letter(tmp_path / "brief.txt")
    assert caught.value.reason == reason
    assert caught.value.path == str(tmp_path / "brief.json")


def _with_sidecar(tmp_path, corpus, name: str, sidecar: dict):
    letter = tmp_path / name
    letter.write_bytes((corpus / "letters" / name).read_bytes())
    letter.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return letter


@pytest.mark.parametrize("sidecar, reason", [
    ({"date": "2021-13-45"}, "veld 'date' ('2021-13-45') is geen bestaande datum"),
    ({"date": "2021-02-29"}, "veld 'date' ('2021-02-29') is geen bestaande datum"),
    ({"date": "13 mei 2019"}, "veld 'date' moet de vorm JJJJ-MM-DD hebben"),
    ({"topics": ["Kattenvoer"]}, "veld 'topics': 'Kattenvoer' is geen thema van de "
                                 "TaxonomieBeleidsagenda (toegestaan: Bestuur, "),
    ({"subtopics": ["Kattenvoer | Brokjes"]}, "veld 'subtopics': 'Kattenvoer | Brokjes' is geen"),
    ({"date": "2020-03-01", "year": 2019}, "veld 'year' (2019) past niet bij de datum 2020-03-01"),
    ({"year": 2020}, "veld 'year' (2020) past niet bij de datum 2019-05-13"),
    ({"dossier": "Defensie"}, "veld 'dossier' ('Defensie') is geen dossiernummer"),
    ({"ondernummer": "45a"}, "veld 'ondernummer' ('45a') moet een getal zijn"),
    ({"kamerstuk": "brief 45"}, "veld 'kamerstuk' ('brief 45') is geen Kamerstuknummer"),
])
def test_sidecar_values_are_checked_naming_file_and_key(tmp_path, corpus, sidecar, reason):
    # kst-33694-45.md states its date, 13 May 2019.
    letter = _with_sidecar(tmp_path, corpus, "kst-33694-45.md", sidecar)
    with pytest.raises(ReadError) as caught:
        read_letter(letter)
    assert caught.value.reason.startswith(reason)
    assert caught.value.path == str(letter.with_suffix(".json"))


def test_sidecar_values_in_their_normal_form(tmp_path, corpus):
    letter = read_letter(_with_sidecar(tmp_path, corpus, "kst-33694-45.md", {
        "topics": ["zorg en  gezondheid"], "subtopics": ["Zorg en gezondheid|Jeugdzorg"],
        "date": "2019-05-14"}))
    assert letter.topics == ("Zorg en gezondheid",) and letter.topic_source == "sidecar"
    assert letter.subtopics == ("Zorg en gezondheid | Jeugdzorg",)
    assert (letter.date, letter.year) == ("2019-05-14", 2019)


def test_sidecar_dossier_and_number_make_the_kamerstuk_and_id(tmp_path, corpus):
    # The Koopmans letter states no number of its own: its id comes from the path.
    name = "brief-opvolging-motie-koopmans.txt"
    assert read_letter(corpus / "letters" / name).kamerstuk is None
    letter = read_letter(_with_sidecar(tmp_path, corpus, name,
                                       {"dossier": "33 694", "ondernummer": "046"}))
    assert (letter.dossier, letter.ondernummer) == ("33694", "46")
    assert letter.kamerstuk == letter.id == "kst-33694-46"
    given = read_letter(_with_sidecar(tmp_path, corpus, name, {
        "dossier": "33694", "ondernummer": "46", "id": "koopmans"}))
    assert (given.kamerstuk, given.id) == ("kst-33694-46", "koopmans")


def test_discovery_yields_paths_in_path_order(tmp_path):
    """Folder by folder, each by name, as sorted Paths order them (a string
    sort would put 'b-c.txt' before the folder 'b')."""
    from corpus.files import discover

    names = ["b-c.txt", "b/c.txt", "b/a/z.md", "B.txt", "a.xml", "b.txt", "c/.verborgen/x.txt",
             "c/README.md", "c/d.htm", "ä.txt", "b0/e.txt"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("brief", encoding="utf-8")
    found = list(discover([tmp_path]))
    expected = sorted(tmp_path / n for n in names if ".verborgen" not in n and "README" not in n)
    assert found == expected
