import pytest

from corpus.kamerstuk import (find_references, format_kamerstuk, normalise_dossier,
                              parse_identifier)


@pytest.mark.parametrize("typed", [
    "kst-33694-45", "33 694, nr. 45", "33694-45", "Kamerstuk 33 694, nr. 45",
    "33694 nr 45", "KST-33694-45", "33694, nr.45"])
def test_identifier_forms_normalise_to_kst_id(typed):
    assert parse_identifier(typed) == "kst-33694-45"


@pytest.mark.parametrize("typed,expected", [
    ("21 501-21, nr. 3", "kst-21501-21-3"),
    ("34 300 X, nr. 88", "kst-34300-X-88"),
    ("kst-36725-XVI-23", "kst-36725-XVI-23"),
])
def test_identifiers_with_dossier_suffix(typed, expected):
    assert parse_identifier(typed) == expected


@pytest.mark.parametrize("text", ["autonome wapens", "2019", "33694", "nr. 45"])
def test_plain_text_is_no_identifier(text):
    assert parse_identifier(text) is None


def test_dossier_numbers():
    assert normalise_dossier("33 694") == "33694"
    assert normalise_dossier("21 501-21") == "21501-21"
    assert normalise_dossier("34 300 X") == "34300-X"
    assert normalise_dossier("Internationale Veiligheidsstrategie") is None


def test_citation_form():
    assert format_kamerstuk("kst-33694-45") == "Kamerstuk 33 694, nr. 45"
    assert format_kamerstuk("kst-21501-21-3") == "Kamerstuk 21 501-21, nr. 3"


def test_references_in_running_text_across_line_breaks():
    text = ("Zoals toegezegd (Kamerstuk 33 783, nr. 41) en in de motie Koopmans (motie 33694,\n"
            "nr. 43), zie ook kst-33694-48.")
    assert find_references(text) == ["kst-33694-48", "kst-33783-41", "kst-33694-43"]
