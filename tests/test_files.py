"""Reading files from disk: the system's refusals are reported in Dutch."""
import errno
import os

import pytest

from corpus.errors import ReadError
from corpus.files import os_reason, read_letter, read_source


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
