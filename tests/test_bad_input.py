"""The indexer under bad input: every bad file is reported (path and reason)
and skipped, everything else is indexed. The files are made here, in tmp_path,
beside a few real Kamerstukken copied from the corpus."""
from __future__ import annotations

import os
import re
import shutil
import socket
import urllib.request
from pathlib import Path

import pytest

import corpus.files as files
from index.builder import build_index
from search import SearchRequest, Searcher

GOOD = 5


@pytest.fixture
def folder(tmp_path, corpus):
    letters = tmp_path / "letters"
    letters.mkdir()
    for number, path in enumerate(sorted((corpus / "kst-xml").glob("*.xml"))[:GOOD]):
        shutil.copy(path, letters / f"kst-{number}.xml")
    return letters


def letters_in(index_dir):
    with Searcher(index_dir) as searcher:
        return {letter.source: letter for letter in searcher.letters()}


def failures(report):
    return {Path(p.path).name: p.reason for p in report.failed}


def text_letter(body: str) -> str:
    return f"Betreft: {body.splitlines()[0]}\n\nGeachte voorzitter,\n\n{body}\n"


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%s;" % (str(i - 1).encode()
                             if i > 1 else b"")) * 10) for i in range(1, 10))
                  + b']>\n<officiele-publicatie><al>&lol9;</al></officiele-publicatie>')


def xml_doc(prolog: bytes, body: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n' + prolog
            + b"\n<officiele-publicatie><kamerstuk><al>" + body
            + b"</al></kamerstuk></officiele-publicatie>")


def test_every_bad_file_is_reported_and_the_rest_indexed(folder, tmp_path, monkeypatch):
    real = sorted(folder.glob("*.xml"))[0].read_bytes()
    bad = {
        "invalid.xml": (b"<officiele-publicatie><al>x</b></officiele-publicatie>", "ongeldige XML"),
        "truncated.xml": (real[: len(real) // 2], "ongeldige XML: onvolledig bestand"),
        "encoding.xml": (b'<?xml version="1.0" encoding="bogus"?>\n<officiele-publicatie/>',
                         "ongeldige XML: tekenset 'bogus'"),
        "laughs.xml": (BILLION_LAUGHS, "DOCTYPE"),
        "xxe.xml": (xml_doc(b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                            b"geheim: &xxe;"), "DOCTYPE"),
        # Beyond the first 4 KB, after a long comment.
        "xxe-late.xml": (xml_doc(b"<!--" + b"x" * 10_000 + b'-->\n<!DOCTYPE x [<!ENTITY xxe SYSTEM '
                                 b'"file:///etc/passwd">]>', b"&xxe;"), "DOCTYPE"),
        # An external DTD on the network, and the same trick in UTF-16.
        "dtd.xml": (xml_doc(b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">', b"&xxe;"),
                    "DOCTYPE"),
        "utf16.xml": ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">'
                      ']>\n<officiele-publicatie><al>&a;</al></officiele-publicatie>'
                      .encode("utf-16"), "DOCTYPE"),
        "random.txt": (os.urandom(4096), "binair"),
        # Binary without a single NUL byte.
        "no-nul.md": (bytes(range(1, 256)) * 40, "binair"),
        "png.html": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + os.urandom(2000), "binair"),
        "empty.txt": (b"", "leeg"),
        "blank.md": (b"  \n\n\t \n", "leeg"),
    }
    for name, (data, _) in bad.items():
        (folder / name).write_bytes(data)
    big = folder / "huge.txt"
    with big.open("wb") as out:  # 50 MB of real text
        line = text_letter("Een heel lange brief over de begroting.").encode() * 1000
        while out.tell() < 50 * 1024 * 1024:
            out.write(line)
    # Symlink loops: a file loop a -> b -> a, and a folder linking to its parent.
    os.symlink(folder / "b.txt", folder / "a.txt")
    os.symlink(folder / "a.txt", folder / "b.txt")
    (folder / "sub").mkdir()
    os.symlink(folder, folder / "sub" / "loop")
    # A FIFO with a letter's name: reading it would block the build for ever.
    os.mkfifo(folder / "pipe.txt")
    (folder / "goed.txt").write_text(text_letter("Goede brief over kwantumcomputers"),
                                     encoding="utf-8")

    # No network, and no file outside the corpus folder, may be touched.
    opened = []
    real_open = os.open

    def watch_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access while indexing: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(files.os, "open", watch_open)
    report = build_index([folder], tmp_path / "ix", procs=1)
    monkeypatch.undo()

    reasons = failures(report)
    expected = {name: reason for name, (_, reason) in bad.items()}
    loop = "kan niet gelezen worden (te veel niveaus van symbolische koppelingen"
    expected.update({"huge.txt": "te groot", "a.txt": loop, "b.txt": loop,
                     "pipe.txt": "geen gewoon bestand"})
    assert set(reasons) == set(expected), reasons
    for name, reason in expected.items():
        assert reason in reasons[name], (name, reasons[name])
    assert "50 MB" in reasons["huge.txt"]
    assert re.search(r"\(regel \d+, kolom \d+\)$", reasons["invalid.xml"])
    assert all(Path(p.path).is_absolute() for p in report.failed)
    # Everything else is in, exactly once (the folder loop adds nothing).
    assert report.letters == GOOD + 1 == report.added
    indexed = letters_in(tmp_path / "ix")
    assert {Path(s).name for s in indexed} == {p.name for p in folder.glob("kst-*.xml")} | {
        "goed.txt"}
    assert not any("root:" in letter.body or "lollol" in letter.body for letter in indexed.values())
    # (os.open is patched for the whole process: the index's own files in
    # tmp_path are opened too, but nothing else, /etc/passwd least of all.)
    assert opened and all(p.startswith(str(tmp_path)) for p in opened), [
        p for p in opened if not p.startswith(str(tmp_path))]


def test_cp1252_and_latin1_text_is_read_correctly(folder, tmp_path):
    (folder / "cp1252.txt").write_bytes(text_letter(
        "Financiën en de coördinatie kosten € 5 miljoen – zo’n bedrag").encode("cp1252"))
    (folder / "latin1.md").write_bytes(text_letter(
        "Financiën: de coördinatie van het café, ½ jaar").encode("latin-1"))
    (folder / "utf8-bom.txt").write_bytes(b"\xef\xbb\xbf" + text_letter(
        "Financiën met BOM").encode("utf-8"))
    report = build_index([folder], tmp_path / "ix", procs=1)
    assert not report.failed and report.letters == GOOD + 3
    indexed = {Path(s).name: letter for s, letter in letters_in(tmp_path / "ix").items()}
    assert "Financiën en de coördinatie kosten € 5 miljoen – zo’n bedrag" in indexed[
        "cp1252.txt"].body
    assert "Financiën: de coördinatie van het café, ½ jaar" in indexed["latin1.md"].body
    assert indexed["utf8-bom.txt"].title == "Financiën met BOM"
    assert not any("Ã" in letter.body or "\ufffd" in letter.body for letter in indexed.values())
    with Searcher(tmp_path / "ix") as searcher:
        for word, name in (("financien", "cp1252.txt"), ("coördinatie", "latin1.md")):
            found = {Path(h.source).name for h in searcher.search(SearchRequest(word)).hits}
            assert name in found, (word, found)


def test_an_unreadable_file_is_reported_as_such(folder, tmp_path, monkeypatch):
    """As root (CI), chmod 000 does not stop reading: the low-level open is
    made to refuse that one path, as the kernel would for another user."""
    secret = folder / "geheim.txt"
    secret.write_text(text_letter("Geheime brief"), encoding="utf-8")
    real_open = os.open

    def refusing_open(path, *args, **kwargs):
        if Path(path) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", refusing_open)
    report = build_index([folder], tmp_path / "ix", procs=1)
    assert failures(report) == {"geheim.txt": "geen leesrechten"}
    assert report.letters == GOOD


def test_a_chmod_000_file_is_reported_when_not_root(folder, tmp_path):
    secret = folder / "geheim.txt"
    secret.write_text(text_letter("Geheime brief"), encoding="utf-8")
    secret.chmod(0)
    try:
        if os.geteuid() == 0 or os.access(secret, os.R_OK):
            # Root reads anything: the file is indexed, which is right for
            # root; the refusal itself is covered by the test above.
            report = build_index([folder], tmp_path / "ix", procs=1)
            assert not report.failed and report.letters == GOOD + 1
        else:
            report = build_index([folder], tmp_path / "ix", procs=1)
            assert failures(report) == {"geheim.txt": "geen leesrechten"}
            assert report.letters == GOOD
    finally:
        secret.chmod(0o644)


def test_a_file_changing_while_read_is_indexed_as_one_version(folder, tmp_path, monkeypatch):
    """The builder reads each file once and parses exactly those bytes: the
    text and the digest stored are of the same version, and the next run
    sees the newer one as a change."""
    target = folder / "wisselend.txt"
    first = text_letter("Eerste versie over zeppelins").encode()
    second = text_letter("Tweede versie over luchtschepen").encode()
    target.write_bytes(first)
    real_read = files._read_bytes

    def read_then_change(path):
        data = real_read(path)
        if path.name == target.name:
            target.write_bytes(second)  # changes right after it was read
        return data

    monkeypatch.setattr(files, "_read_bytes", read_then_change)
    report = build_index([folder], tmp_path / "ix", procs=1)
    monkeypatch.undo()
    assert not report.failed
    with Searcher(tmp_path / "ix") as searcher:
        stored = searcher.current().document(source=str(target))
    assert "zeppelins" in stored["body"] and "luchtschepen" not in stored["body"]
    assert stored["digest"] == files.content_digest(first)

    again = build_index([folder], tmp_path / "ix", procs=1)
    assert (again.updated, again.unchanged, again.failed) == (1, GOOD, [])
    with Searcher(tmp_path / "ix") as searcher:
        stored = searcher.current().document(source=str(target))
    assert "luchtschepen" in stored["body"]
    assert stored["digest"] == files.content_digest(second)


def test_a_file_growing_past_the_limit_during_the_read_is_too_big(folder, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    (folder / "groeit.txt").write_bytes(b"x" * 900)
    real_fstat = os.fstat

    def fstat_before_growth(fd):
        info = real_fstat(fd)
        with open(folder / "groeit.txt", "ab") as out:
            out.write(b"y" * 500)  # grows after the size was looked at
        return info

    monkeypatch.setattr(files.os, "fstat", fstat_before_growth)
    with pytest.raises(files.ReadError, match="te groot"):
        files.read_source(folder / "groeit.txt")


def test_short_reads_do_not_cut_a_letter(tmp_path, monkeypatch):
    """A read may return less than asked (network file systems, FUSE,
    signals); the letter is still read whole."""
    text = text_letter("Begin van de brief over dijken. " + "Een lange zin. " * 5000
                       + "Slot over duinen.")
    path = tmp_path / "lang.txt"
    path.write_text(text, encoding="utf-8")
    real_read = os.read
    monkeypatch.setattr(files.os, "read", lambda fd, n: real_read(fd, min(n, 4096)))
    assert files._read_bytes(path) == text.encode("utf-8")
    assert "Slot over duinen" in files.read_letter(path).body


def test_nothing_lost_a_broken_file_keeps_its_last_good_version(folder, tmp_path):
    """Letters indexed == files read without error + files whose earlier
    version was kept because the new one failed (the documented policy)."""
    index_dir = tmp_path / "ix"
    (folder / "a.txt").write_text(text_letter("Brief A over dijken"), encoding="utf-8")
    (folder / "b.txt").write_text(text_letter("Brief B over duinen"), encoding="utf-8")
    first = build_index([folder], index_dir, procs=1)
    assert first.letters == GOOD + 2 and not first.failed

    (folder / "a.txt").write_bytes(os.urandom(500) + b"\0")          # breaks: kept
    (folder / "c.xml").write_bytes(b"<officiele-publicatie><al>")   # new and broken
    (folder / "d.txt").write_text(text_letter("Brief D over polders"), encoding="utf-8")
    second = build_index([folder], index_dir, procs=1)
    assert set(failures(second)) == {"a.txt", "c.xml"}
    read_ok = second.added + second.updated + second.unchanged
    kept = 1  # a.txt: its earlier version
    assert second.letters == read_ok + kept == GOOD + 3
    indexed = {Path(s).name: letter for s, letter in letters_in(index_dir).items()}
    assert "dijken" in indexed["a.txt"].body
    assert "c.xml" not in indexed
