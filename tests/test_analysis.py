import pickle

import pytest

from index.analysis import analysis_version, dutch_analyzer, fold


def stems(text):
    return [t.text for t in dutch_analyzer()(text)]


@pytest.mark.parametrize("a,b", [
    ("technologieën", "technologie"), ("technologieën", "technologieen"),
    ("technologieén", "technologieën"),  # OCR's accent
    ("verdragen", "verdrag"), ("autonome", "autonoom"),
    ("wapensystemen", "wapensysteem"), ("wapens", "wapen"), ("budgetten", "budget"),
    ("Financiën", "financien"), ("drones", "drone"),
])
def test_forms_meet(a, b):
    assert stems(a) == stems(b)


def test_unrelated_words_stay_apart():
    assert stems("wapen") != stems("water")
    assert stems("motie") != stems("minister")


def test_stop_words_go_numbers_and_identifiers_stay():
    assert stems("de van het kst-33694-45 21501-21 2019") == ["kst-33694-45", "21501-21", "2019"]


def test_hyphenated_words_split_into_parts():
    assert stems("Noord-Holland") == stems("noord holland")


def test_fold():
    assert fold("geïntegreerde technologieën") == "geintegreerde technologieen"


def test_analyzer_survives_pickling_without_its_cache():
    analyzer = dutch_analyzer()
    stems_before = [t.text for t in analyzer("autonome wapensystemen")]
    restored = pickle.loads(pickle.dumps(analyzer))
    assert [t.text for t in restored("autonome wapensystemen")] == stems_before


def test_version_names_the_stemmer_and_libraries():
    version = analysis_version()
    assert version["stemmer"] == "snowball dutch"
    assert version["snowballstemmer"].startswith("3.")
    assert version["PyStemmer"]
