"""Reading files from disk: the system's refusals are reported in Dutch."""
import errno
import os

import pytest

from corpus.errors import ReadError
from corpus.files import os_reason, read_source


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
