"""Building and updating an index from real files, copied into temp folders."""
import json
import marshal
import os
import shutil
from pathlib import Path

import pytest

from index import sources, store
from index.builder import build_index
from search import SearchRequest, Searcher


@pytest.fixture
def folder(tmp_path, corpus):
    letters = tmp_path / "letters"
    letters.mkdir()
    for path in sorted((corpus / "kst-xml").glob("*.xml"))[:40]:
        shutil.copy(path, letters / path.name)
    shutil.copy(corpus / "letters" / "kst-33694-45.md", letters)
    return letters


@pytest.fixture
def files_read(monkeypatch):
    """The paths the builder reads, as it reads them (with procs=1, in this
    process)."""
    from index import builder
    read = []
    read_one = builder._read_one

    def counted(source, listing=None):
        read.append(source)
        return read_one(source, listing)

    monkeypatch.setattr(builder, "_read_one", counted)
    return read


def ids(index_dir):
    with Searcher(index_dir) as searcher:
        return {letter.id for letter in searcher.letters()}


def test_build_then_update_skips_replaces_and_removes(folder, tmp_path):
    index_dir = tmp_path / "ix"
    first = build_index([folder], index_dir, procs=1)
    assert (first.added, first.failed, first.letters) == (41, [], 41)

    again = build_index([folder], index_dir, procs=1)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 41)

    md = folder / "kst-33694-45.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumcomputers\n", encoding="utf-8")
    victim = sorted(folder.glob("*.xml"))[0]
    victim.unlink()
    changed = build_index([folder], index_dir, procs=1)
    assert (changed.updated, changed.removed, changed.unchanged) == (1, 1, 39)
    assert changed.letters == 40
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest("kwantumcomputers")).hits[0].id == "kst-33694-45"


def test_a_build_lets_go_of_what_its_reading_processes_inherit(folder, tmp_path):
    from index import builder
    build_index([folder], tmp_path / "ix", procs=1)
    assert (builder._known_digests, builder._batches, builder._worker_spool) == ({}, [], None)


def test_a_bad_file_is_reported_and_the_rest_indexed(folder, tmp_path):
    (folder / "kapot.xml").write_bytes(b"<officiele-publicatie><kamerstuk>")
    (folder / "leeg.txt").write_bytes(b"")
    report = build_index([folder], tmp_path / "ix", procs=1)
    reasons = {p.path.rsplit("/", 1)[-1]: p.reason for p in report.failed}
    assert set(reasons) == {"kapot.xml", "leeg.txt"}
    assert "ongeldige XML" in reasons["kapot.xml"]
    assert report.letters == 41


def test_a_file_that_breaks_keeps_its_indexed_version(folder, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    (folder / "kst-33694-45.md").write_bytes(b"\0\0binary")
    report = build_index([folder], index_dir, procs=1)
    assert [p.reason for p in report.failed] == ["binair bestand, geen tekst"]
    assert "kst-33694-45" in ids(index_dir)


def test_sidecar_overrides_metadata(folder, tmp_path):
    (folder / "kst-33694-45.json").write_text(json.dumps(
        {"topics": ["Internationaal"], "title": "Nieuwe technologieën en wapensystemen"}))
    build_index([folder], tmp_path / "ix", procs=1)
    with Searcher(tmp_path / "ix") as searcher:
        letter = searcher.get("kst-33694-45")
    assert letter.title == "Nieuwe technologieën en wapensystemen"
    assert letter.topics == ("Internationaal",) and letter.topic_source == "sidecar"


def test_bad_sidecar_names_the_key(folder, tmp_path):
    (folder / "kst-33694-45.json").write_text(json.dumps({"onderwerp": "x"}))
    report = build_index([folder], tmp_path / "ix", procs=1)
    assert len(report.failed) == 1
    assert report.failed[0].path.endswith("kst-33694-45.json")
    assert "onbekend veld 'onderwerp'" in report.failed[0].reason


def test_duplicate_documents_keep_the_richest_format(corpus, tmp_path):
    frbr = corpus / "koop-samples/repository/frbr/officielepublicaties/kst/32545"
    report = build_index([frbr], tmp_path / "ix", procs=1)
    assert report.letters == 1
    with Searcher(tmp_path / "ix") as searcher:
        assert searcher.get("kst-32545-143").format == "koop-xml"
    assert any("zelfde document" in p.reason for p in report.skipped)


def test_skipped_files_are_not_read_again_while_they_and_their_original_stay(
        corpus, tmp_path, files_read):
    """A metadata record and a copy of an indexed letter are reported as
    skipped on every update, but read again only when they change or the
    letter a copy copies does."""
    frbr = corpus / "koop-samples/repository/frbr/officielepublicaties/kst/32545"
    folder = tmp_path / "kst"
    shutil.copytree(frbr, folder)
    shutil.copy(corpus / "koop-samples/owms/metadata_owms-kst.xml", folder / "owms.xml")
    first = build_index([folder], tmp_path / "ix", procs=1)
    reasons = sorted((p.path, p.reason) for p in first.skipped)
    assert sorted(r.split(" (")[0] for _, r in reasons) == ["geen document maar metadata",
                                                            "zelfde document"]
    files_read.clear()
    again = build_index([folder], tmp_path / "ix", procs=1)
    assert (files_read, again.unchanged, again.letters) == ([], 1, 1)
    assert sorted((p.path, p.reason) for p in again.skipped) == reasons

    (folder / "owms.xml").write_bytes((folder / "owms.xml").read_bytes() + b"\n")
    (folder / "kst-32545-143/1/xml/kst-32545-143.xml").unlink()   # what the HTML file copies
    after = build_index([folder], tmp_path / "ix", procs=1)
    assert sorted(Path(p).suffix for p in files_read) == [".html", ".xml"]
    assert (after.added, after.removed, after.letters) == (1, 1, 1)
    assert [p.reason.split(" (")[0] for p in after.skipped] == ["geen document maar metadata"]
    with Searcher(tmp_path / "ix") as searcher:
        assert searcher.get("kst-32545-143").format == "koop-html"


def test_a_letter_whose_file_is_now_no_letter_leaves_the_index(folder, corpus, tmp_path):
    """A letter's file overwritten by a metadata record: the record is
    skipped, and the letter it replaced leaves the index (as it does when
    the file is deleted), on this update and the ones after it."""
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    victim = sorted(folder.glob("*.xml"))[0]
    with Searcher(index_dir) as searcher:
        gone = next(letter.id for letter in searcher.letters() if letter.source == str(victim))
    shutil.copy(corpus / "koop-samples/owms/metadata_owms-kst.xml", victim)
    report = build_index([folder], index_dir, procs=1)
    assert [p.path for p in report.skipped] == [str(victim)]
    assert (report.removed, report.letters) == (1, 40) and gone not in ids(index_dir)
    again = build_index([folder], index_dir, procs=1)
    assert (again.removed, again.unchanged, again.letters) == (0, 40, 40)


def test_letter_without_number_keeps_its_id_when_the_folder_moves(corpus, tmp_path):
    letter = corpus / "letters" / "brief-opvolging-motie-koopmans.txt"
    found = []
    for place in ("here", "elsewhere/deeper"):
        target = tmp_path / place / "letters"
        target.mkdir(parents=True)
        shutil.copy(letter, target)
        build_index([target], tmp_path / place / "ix", procs=1)
        found.append(ids(tmp_path / place / "ix"))
    assert found[0] == found[1] and len(found[0]) == 1


def test_same_folder_and_file_name_in_two_trees_are_two_letters(corpus, tmp_path):
    letter = (corpus / "letters" / "brief-opvolging-motie-koopmans.txt").read_text(encoding="utf-8")
    for tree, extra in (("a", "Eerste versie."), ("b", "Tweede versie.")):
        (tmp_path / tree / "brieven").mkdir(parents=True)
        (tmp_path / tree / "brieven" / "brief.txt").write_text(letter + extra, encoding="utf-8")
    report = build_index([tmp_path / "a", tmp_path / "b"], tmp_path / "ix", procs=1)
    assert (report.letters, report.skipped) == (2, [])
    assert len(ids(tmp_path / "ix")) == 2


@pytest.mark.parametrize("change", ["analysis", "schema"])
def test_index_from_other_analysis_version_is_refused(folder, tmp_path, change):
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    manifest = store.read_manifest(index_dir)
    if change == "analysis":
        manifest["analysis"]["snowballstemmer"] = "2.2.0"
    else:
        # An index from before a schema change (such as the multi-valued sender).
        manifest["schema_revision"] -= 1
    store.write_manifest(index_dir, manifest)
    with pytest.raises(store.IndexOutdated, match="kamerzoek index --rebuild"):
        Searcher(index_dir)


def test_missing_folder_is_an_error_naming_it(tmp_path):
    from corpus.errors import ReadError
    with pytest.raises(ReadError, match="bestaat niet"):
        build_index([tmp_path / "nergens"], tmp_path / "ix")


@pytest.mark.parametrize("where", ["letters", "notes"])
def test_a_folder_that_is_not_an_index_is_never_replaced(folder, tmp_path, where):
    # Pointed by mistake at the letters themselves or at a folder of notes,
    # a build must refuse before it touches anything.
    target = folder if where == "letters" else tmp_path / "notes"
    target.mkdir(exist_ok=True)
    (target / "notitie.txt").write_text("niet weggooien", encoding="utf-8")
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(store.NotAnIndex, match="geen kamerzoek-index"):
        build_index([folder], target, procs=1)
    assert sorted(p.name for p in target.iterdir()) == before
    assert (target / "notitie.txt").read_text(encoding="utf-8") == "niet weggooien"


def test_an_empty_folder_builds_an_empty_index(tmp_path):
    (tmp_path / "leeg").mkdir()
    report = build_index([tmp_path / "leeg"], tmp_path / "ix", procs=2)
    assert (report.added, report.failed, report.letters) == (0, [], 0)
    with Searcher(tmp_path / "ix") as searcher:
        response = searcher.search(SearchRequest(query="wapens"))
        assert (response.total, response.hits) == (0, [])
        assert searcher.stats().letters == 0


def test_parallel_build_equals_serial_build(corpus, tmp_path):
    files = sorted((corpus / "kst-xml").glob("*.xml"))[:300]
    serial = build_index(files, tmp_path / "a", procs=1)
    parallel = build_index(files, tmp_path / "b", procs=2)
    assert serial.letters == parallel.letters == 300
    assert ids(tmp_path / "a") == ids(tmp_path / "b")
    # Each reading process counts its letters' words and sends them once.
    from corpus.files import parse_source, read_source
    from index.vocabulary import Vocabulary, count_words
    expected = Vocabulary()
    for path in files:
        expected.add(count_words(parse_source(read_source(path)).body))
    serial_words = Vocabulary.load(tmp_path / "a").counts
    assert Vocabulary.load(tmp_path / "b").counts == serial_words
    assert serial_words == expected.counts


def test_a_reading_process_that_dies_stops_the_build_and_keeps_the_index(corpus, tmp_path,
                                                                          monkeypatch):
    """A reading process killed (out of memory, say) used to leave the build
    waiting for it for ever."""
    from index import builder
    from index.store import BuildFailed
    files = sorted((corpus / "kst-xml").glob("*.xml"))[:300]
    build_index(files[:50], tmp_path / "ix", procs=1)
    read_one = builder._read_one

    def dies_on_one(source, listing=None):
        if source.endswith(files[250].name):
            os._exit(9)
        return read_one(source, listing)

    monkeypatch.setattr(builder, "_read_one", dies_on_one)
    with pytest.raises(BuildFailed, match="leesproces"):
        build_index(files, tmp_path / "ix", procs=2)
    assert len(ids(tmp_path / "ix")) == 50


def test_lost_topic_model_is_relearnt_from_the_index(folder, tmp_path):
    from index.builder import TOPIC_MODEL
    from index.topics import TopicModel

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    saved = TopicModel.load(index_dir / TOPIC_MODEL)
    (index_dir / TOPIC_MODEL).write_text("{}", encoding="utf-8")
    (folder / "nieuw.txt").write_text("Betreft Zorg\n\nGeachte voorzitter,\n\nOver de zorg.",
                                      encoding="utf-8")
    report = build_index([folder], index_dir, procs=1)
    assert report.added == 1 and not report.failed
    assert TopicModel.load(index_dir / TOPIC_MODEL).to_dict() == saved.to_dict()


def test_texts_parked_during_a_build_come_back_whole_and_the_spool_goes(folder, tmp_path):
    from corpus.files import read_letter
    from index.spool import Spool

    spool = Spool(tmp_path / "spool")
    texts = ["één brief", "", "OCR \udcff rest", "x" * 100_000]
    parked = [spool.park(t) for t in texts]
    assert [spool.fetch(p) for p in parked] == texts
    spool.close()

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=2)
    assert not (tmp_path / "ix.spool").exists()
    letter = read_letter(folder / "kst-33694-45.md")
    with Searcher(index_dir) as searcher:
        assert searcher.get(letter.id).body == letter.body


def test_an_update_does_not_read_files_that_look_unchanged(folder, tmp_path, monkeypatch):
    import os

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    target = sorted(folder.glob("*.xml"))[0]
    # Same size, same modification time, other content: the inode's change
    # time still gives it away.
    data = target.read_bytes()
    before = target.stat()
    assert b" de " in data
    target.write_bytes(data.replace(b" de ", b" De ", 1))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size
    changed = build_index([folder], index_dir, procs=1)
    assert (changed.updated, changed.unchanged) == (1, 40)

    touched = sorted(folder.glob("*.xml"))[1]
    os.utime(touched)  # looks changed, is not: read, hashed, left alone
    assert build_index([folder], index_dir, procs=1).unchanged == 41

    def no_reading(path, *args):
        raise AssertionError(f"{path} was read")
    monkeypatch.setattr("index.builder.read_source", no_reading)
    report = build_index([folder], index_dir, procs=1)
    assert (report.unchanged, report.failed, report.letters) == (41, [], 41)


def test_the_table_of_indexed_sources_is_what_the_index_holds(folder, corpus, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    assert sources.load(index_dir) == sources.read(index_dir)
    assert len(sources.load(index_dir)) == 41

    md = folder / "kst-33694-45.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumcomputers\n", encoding="utf-8")
    victim, copied = sorted(folder.glob("*.xml"))[:2]
    victim.unlink()
    shutil.copy(copied, folder / "kopie.xml")  # the same letter twice: skipped
    shutil.copy(corpus / "letters" / "brief-opvolging-motie-koopmans.txt", folder)
    report = build_index([folder], index_dir, procs=1)
    assert (report.added, report.updated, report.removed, len(report.skipped)) == (1, 1, 1, 1)
    table = sources.load(index_dir)
    assert table is not None and table == sources.read(index_dir)
    assert str(victim) not in table and str(folder / "kopie.xml") not in table
    assert len(table) == report.letters == 41


def test_a_table_the_index_has_moved_past_is_not_trusted(folder, tmp_path, monkeypatch):
    """A run killed after writing the index, before recording its sources:
    the next run reads them from the index instead."""
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    victim = sorted(folder.glob("*.xml"))[0]
    data = victim.read_bytes()
    victim.unlink()
    with monkeypatch.context() as patched:
        patched.setattr(sources, "save", lambda *args, **kwargs: None)
        assert build_index([folder], index_dir, procs=1).removed == 1
    assert sources.load(index_dir) is None   # it still lists the removed file

    victim.write_bytes(data)
    report = build_index([folder], index_dir, procs=1)
    assert (report.added, report.letters) == (1, 41)
    assert sources.load(index_dir) == sources.read(index_dir)


@pytest.mark.parametrize("name", ["kst-33694-45.json", "kst-33694-45.md.json"])
def test_an_update_sees_a_sidecar_come_change_and_go(folder, tmp_path, name):
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)

    def topics():
        with Searcher(index_dir) as searcher:
            return searcher.get("kst-33694-45").topics

    sidecar = folder / name
    for given in ("Internationaal", "Zorg en gezondheid"):
        sidecar.write_text(json.dumps({"topics": [given]}), encoding="utf-8")
        report = build_index([folder], index_dir, procs=1)
        assert (report.updated, report.unchanged) == (1, 40)
        assert topics() == (given,)
    sidecar.unlink()
    assert build_index([folder], index_dir, procs=1).updated == 1
    assert topics() != ("Zorg en gezondheid",)


def test_an_index_with_its_vocabulary_as_json_is_updated_and_converted(folder, tmp_path):
    """Indexes built before the vocabulary was a pickle keep their words."""
    from index.vocabulary import JSON_FILENAME, FILENAME, Vocabulary

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    words = Vocabulary.load(index_dir).counts
    assert words["kamer"] > 0
    (index_dir / FILENAME).unlink()
    (index_dir / JSON_FILENAME).write_text(json.dumps(words), encoding="utf-8")
    assert Vocabulary.load(index_dir).counts == words

    md = folder / "kst-33694-45.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumcomputers\n", encoding="utf-8")
    assert build_index([folder], index_dir, procs=1).updated == 1
    assert not (index_dir / JSON_FILENAME).exists()
    after = Vocabulary.load(index_dir).counts
    assert after["kwantumcomputers"] == 1 and after["kamer"] == words["kamer"]


def test_updates_save_their_vocabulary_changes_and_add_up_to_a_rebuild(folder, tmp_path,
                                                                       monkeypatch):
    """An update saves what it changed of the vocabulary beside it, not the
    whole; loading adds the changes up, and they are folded into the whole
    once they grow large."""
    from index import vocabulary
    from index.vocabulary import CHANGES_FILENAME, FILENAME, Vocabulary

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    whole = (index_dir / FILENAME).read_bytes()
    md = folder / "kst-33694-45.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumcomputers\n", encoding="utf-8")
    sorted(folder.glob("*.xml"))[0].unlink()
    assert build_index([folder], index_dir, procs=1).updated == 1
    assert (index_dir / FILENAME).read_bytes() == whole
    assert (index_dir / CHANGES_FILENAME).exists()
    build_index([folder], tmp_path / "rebuilt", procs=1)
    rebuilt = Vocabulary.load(tmp_path / "rebuilt").counts
    assert rebuilt["kwantumcomputers"] == 1
    assert Vocabulary.load(index_dir).counts == rebuilt

    monkeypatch.setattr(vocabulary, "FOLD_AT", 1)
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumzeppelins\n", encoding="utf-8")
    assert build_index([folder], index_dir, procs=1).updated == 1
    assert not (index_dir / CHANGES_FILENAME).exists()
    assert (index_dir / FILENAME).read_bytes() != whole
    build_index([folder], tmp_path / "rebuilt", rebuild=True, procs=1)
    assert Vocabulary.load(index_dir).counts == Vocabulary.load(tmp_path / "rebuilt").counts


def _segment_files(index_dir):
    return sorted(p.name for p in index_dir.iterdir() if p.suffix == ".kzp")


def _toc_segments(index_dir):
    from index import store
    return sorted(s.segment_id() for s in store.open_index(index_dir)._read_toc().segments)


def _stored(index_dir):
    """id -> every stored field of every letter in the index."""
    with Searcher(index_dir) as searcher:
        reader = searcher.current().reader()
        return {fields["id"]: fields for fields in reader.all_stored_fields()}


def test_updates_merge_small_segments_and_leave_no_stray_files(folder, tmp_path):
    """Each update writes a segment; once ten small ones have gathered
    (fewer letters than an eighth of the largest), the next update writes
    their letters again with its own, exactly as they were stored (inferred
    topics included), and they leave the index. No update leaves files of
    a segment the index does not hold."""
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    counts = []
    # A different letter each time: a segment whose letters were all
    # replaced leaves the index in the next commit anyway.
    for n, xml in enumerate(sorted(folder.glob("*.xml"))[:12]):
        xml.write_bytes(xml.read_bytes() + f"<!-- wijziging {n} -->\n".encode())
        if n == 10:
            before = _stored(index_dir)
        report = build_index([folder], index_dir, procs=1)
        assert (report.updated, report.letters) == (1, 41)
        counts.append(len(_toc_segments(index_dir)))
        on_disk = sorted({p.name.split(".")[0] for p in index_dir.glob("letters_*.*")})
        assert on_disk == _toc_segments(index_dir)
    assert counts == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 3]
    after = _stored(index_dir)
    assert len(after) == 41
    # The ten letters written again by the eleventh update are as they were;
    # the eleventh and twelfth letters changed (their digests).
    changed = {i for i in after if after[i]["digest"] != before[i]["digest"]}
    assert len(changed) == 2
    assert {i: f for i, f in after.items() if i not in changed} == \
        {i: f for i, f in before.items() if i not in changed}


def test_updates_never_merge_the_segments_of_a_build(folder, tmp_path, monkeypatch):
    """A build's segments stay as they are, however many updates follow;
    only the updates' small segments are merged. Whoosh's MERGE_SMALL
    merged a build's segments too once there were enough segments, which
    at 200,000 letters meant rewriting the whole index."""
    from index import segments
    index_dir = tmp_path / "ix"
    with monkeypatch.context() as small:
        small.setattr(segments, "SEGMENT_POSTINGS", 1_000)   # a segment every 8-12 letters
        build_index([folder], index_dir, procs=1)
    built = _toc_segments(index_dir)
    assert len(built) == 4
    # Every third letter: no segment of the build loses all its letters.
    for n, xml in enumerate(sorted(folder.glob("*.xml"))[::3][:12]):
        xml.write_bytes(xml.read_bytes() + f"<!-- wijziging {n} -->\n".encode())
        assert build_index([folder], index_dir, procs=1).updated == 1
    held = _toc_segments(index_dir)
    assert set(built) <= set(held)
    # Ten updates' segments went into the eleventh's; the twelfth's.
    assert len(held) == len(built) + 2
    assert len(ids(index_dir)) == 41


def test_an_index_made_by_other_readers_is_read_and_written_again(folder, tmp_path, monkeypatch,
                                                                  files_read):
    """When the readers change (corpus.files.READER_REVISION), the next
    update reads every file again and writes every letter anew, in place of
    the old ones (whose segments leave the index); after that, updates read
    only what changed again."""
    from index import file_states

    index_dir = tmp_path / "ix"
    _build_as_revision_1(monkeypatch, [folder], index_dir)
    old_segments, old_ids = _segment_files(index_dir), ids(index_dir)
    assert file_states.load(index_dir) == ({}, True)

    files_read.clear()
    report = build_index([folder], index_dir, procs=1)
    assert report.reread
    assert (report.updated, report.unchanged, report.letters, report.failed) == (41, 0, 41, [])
    assert len(files_read) == 41
    segments = _segment_files(index_dir)
    assert len(segments) == 1 and not set(segments) & set(old_segments)
    assert ids(index_dir) == old_ids and len(old_ids) == 41

    files_read.clear()
    again = build_index([folder], index_dir, procs=1)
    assert (again.reread, again.updated, again.unchanged, files_read) == (False, 0, 41, [])


def _build_as_revision_1(monkeypatch, paths, index_dir):
    """An index as the readers of revision 1 made it: the digest of the
    bytes alone, the file states as a plain table."""
    from corpus import files
    from index import file_states
    with monkeypatch.context() as revision_1:
        revision_1.setattr(files, "_REVISION_TAG", b"")
        revision_1.setattr(file_states, "save", lambda index_dir, states: (
            index_dir / file_states.FILENAME).write_bytes(marshal.dumps(states)))
        return build_index(paths, index_dir, procs=1)


def test_a_re_read_keeps_the_letter_of_a_file_that_fails_now(folder, tmp_path, monkeypatch):
    """Written as a fresh build, a re-read after the readers changed still
    loses nothing: a file that cannot be read keeps its indexed letter."""
    index_dir = tmp_path / "ix"
    _build_as_revision_1(monkeypatch, [folder], index_dir)
    before = ids(index_dir)
    broken = sorted(folder.glob("*.xml"))[3]
    broken.write_bytes(b"<officiele-publicatie><kamerstuk>")
    report = build_index([folder], index_dir, procs=1)
    assert report.reread and [p.path for p in report.failed] == [str(broken)]
    assert ids(index_dir) == before and report.letters == 41
    assert (report.added, report.removed) == (0, 0)


def test_a_re_read_leaves_the_letters_of_other_folders(folder, tmp_path, monkeypatch, corpus):
    """An index that also holds letters from folders this run was not given
    is updated, not rebuilt: those letters stay until their folder is
    indexed again."""
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(corpus / "letters" / "kst-33694-45.md", other)
    (folder / "kst-33694-45.md").unlink()
    index_dir = tmp_path / "ix"
    _build_as_revision_1(monkeypatch, [folder], index_dir)
    _build_as_revision_1(monkeypatch, [other], index_dir)
    assert "kst-33694-45" in ids(index_dir)
    report = build_index([folder], index_dir, procs=1)
    assert report.reread and (report.updated, report.removed, report.letters) == (40, 0, 41)
    assert "kst-33694-45" in ids(index_dir)
    # Its digest is still the old readers': read and written again.
    again = build_index([other], index_dir, procs=1)
    assert (again.updated, again.unchanged, again.letters) == (1, 0, 41)


def test_file_states_of_other_readers_are_set_aside(tmp_path):
    """The states' own formats before revision 2: files.json, and the
    marshal file of a plain table; both mean every file is read again."""
    from index import file_states

    assert file_states.load(tmp_path) == ({}, False)      # none: a new index
    (tmp_path / file_states.JSON_FILENAME).write_text(json.dumps({"a.xml": [1, 2, 3, 4]}),
                                                      encoding="utf-8")
    assert file_states.load(tmp_path) == ({}, True)
    file_states.save(tmp_path, {"a.xml": [1, 2, 3, 4]})
    assert not (tmp_path / file_states.JSON_FILENAME).exists()
    assert file_states.load(tmp_path) == ({"a.xml": [1, 2, 3, 4]}, False)
    (tmp_path / file_states.FILENAME).write_bytes(marshal.dumps({"a.xml": [1, 2, 3, 4]}))
    assert file_states.load(tmp_path) == ({}, True)
    (tmp_path / file_states.SKIPPED_FILENAME).write_text(
        json.dumps({"m.xml": [[1, 2, 3, 4], "geen brief", None]}), encoding="utf-8")
    assert file_states.load_skipped(tmp_path) == {}
    file_states.save_skipped(tmp_path, {"m.xml": [[1, 2, 3, 4], "geen brief", None]})
    assert file_states.load_skipped(tmp_path) == {"m.xml": [[1, 2, 3, 4], "geen brief", None]}


def test_an_index_with_its_topic_model_as_json_is_updated_and_converted(folder, tmp_path):
    """Indexes built before the topic model was a pickle keep what it learnt."""
    from collections import Counter

    from index.builder import JSON_TOPIC_MODEL, TOPIC_MODEL
    from index.topics import Lesson, TopicModel

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    model = TopicModel.load(index_dir / TOPIC_MODEL)
    assert model.theme_letters
    # A mark that only reading the JSON (not relearning from the index) keeps.
    model.add(Lesson("99999", ("Ruimtevaart",), Counter({"zeppelin": 1})))
    (index_dir / TOPIC_MODEL).unlink()
    (index_dir / JSON_TOPIC_MODEL).write_text(json.dumps(model.to_dict()), encoding="utf-8")

    md = folder / "kst-33694-45.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumcomputers\n", encoding="utf-8")
    assert build_index([folder], index_dir, procs=1).updated == 1
    assert not (index_dir / JSON_TOPIC_MODEL).exists()
    assert TopicModel.load(index_dir / TOPIC_MODEL).to_dict() == model.to_dict()


def test_a_damaged_table_of_sources_is_read_again_from_the_index(folder, tmp_path):
    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    (index_dir / sources.FILENAME).write_bytes(b"\x80\x05kapot")
    assert sources.load(index_dir) is None
    sorted(folder.glob("*.xml"))[0].unlink()
    report = build_index([folder], index_dir, procs=1)
    assert (report.removed, report.letters) == (1, 40)
    assert sources.load(index_dir) == sources.read(index_dir)


def test_a_large_update_written_by_two_processes_equals_one_written_by_one(corpus, tmp_path):
    """A change of a hundred letters or more is written by several
    processes, as a fresh build is; the index it gives answers as the
    serial one does."""
    letters = tmp_path / "letters"
    letters.mkdir()
    for path in sorted((corpus / "kst-xml").glob("*.xml"))[:150]:
        shutil.copy(path, letters / path.name)
    build_index([letters], tmp_path / "serial", procs=1)
    build_index([letters], tmp_path / "parallel", procs=1)
    for path in sorted(letters.glob("*.xml"))[:120]:
        data = path.read_bytes()
        path.write_bytes(data.replace(b"</officiele-publicatie>",
                                      b"<al>nagekomen aanvulling</al></officiele-publicatie>"))
    serial = build_index([letters], tmp_path / "serial", procs=1)
    parallel = build_index([letters], tmp_path / "parallel", procs=2)
    assert (serial.updated, serial.unchanged, serial.letters) == (120, 30, 150)
    assert (parallel.updated, parallel.unchanged, parallel.letters) == (120, 30, 150)
    assert len(store.open_index(tmp_path / "parallel")._segments()) == 3
    assert ids(tmp_path / "serial") == ids(tmp_path / "parallel")
    with Searcher(tmp_path / "serial") as one, Searcher(tmp_path / "parallel") as two:
        for query in ('"nagekomen aanvulling"', "kamer", "stikstof OF asiel", "motie -brief"):
            a, b = one.search(SearchRequest(query)), two.search(SearchRequest(query))
            assert (a.total, a.facets) == (b.total, b.facets), query
            assert [h.score for h in a.hits] == [h.score for h in b.hits], query
            # Letters with equal scores come in the order of their numbers in
            # the index, which depends on which process wrote them: the
            # letters tied at the last place of the page may differ.
            last = a.hits[-1].score
            assert ({h.id for h in a.hits if h.score > last}
                    == {h.id for h in b.hits if h.score > last}), query
    assert sources.load(tmp_path / "parallel") == sources.read(tmp_path / "parallel")


def test_a_fresh_build_keeps_its_word_analyses_for_updates(folder, tmp_path, monkeypatch):
    """The recurring words' analyses are saved with the index and read by
    updates; a damaged file only means analysing the words again."""
    from index import word_analyses
    from index.posting_arrays import OFFSETS_FIELD

    index_dir = tmp_path / "ix"
    build_index([folder], index_dir, procs=1)
    saved = word_analyses.load(index_dir)
    assert len(saved) > 100
    analyzer = store.open_index(index_dir).schema[OFFSETS_FIELD].analyzer
    assert all(saved[word] == analyzer.analysis_of(word) for word in saved)

    loaded = []
    real_load = word_analyses.load
    monkeypatch.setattr(word_analyses, "load", lambda d: loaded.append(real_load(d)) or loaded[-1])
    md = folder / "kst-33694-45.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nquantumbits\n", encoding="utf-8")
    assert build_index([folder], index_dir, procs=1).updated == 1
    assert loaded == [saved]    # the update learnt them

    (index_dir / word_analyses.FILENAME).write_bytes(b"\x80\x05kapot")
    assert word_analyses.load(index_dir) == {}
    md.write_text(md.read_text(encoding="utf-8") + "\nkwantumcomputers\n", encoding="utf-8")
    assert build_index([folder], index_dir, procs=1).updated == 1
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(query="kwantumcomputers")).total == 1


def test_each_folder_is_listed_once_by_the_walk_and_sidecars_found_in_it(
        folder, tmp_path, monkeypatch):
    """Checking and reading the files find their sidecars in the walk's
    folder listings instead of listing every folder again."""
    import corpus.files as files

    xml = sorted(folder.glob("*.xml"))[0]
    xml.with_suffix(".json").write_text(json.dumps({"topics": ["Defensie"]}),
                                        encoding="utf-8")
    index_dir = tmp_path / "ix"
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(files.os, "listdir", lambda p: listed.append(p) or real_listdir(p))
    build_index([folder], index_dir, procs=1)
    xml.with_suffix(".json").write_text(json.dumps({"topics": ["Zorg en gezondheid"]}), encoding="utf-8")
    assert build_index([folder], index_dir, procs=1).updated == 1
    # (os.listdir is Whoosh's too: it lists the index's folders.)
    assert [p for p in map(str, listed) if p.startswith(str(folder))] == []
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(query="", filters={"topic": ["Zorg en gezondheid"]})).total >= 1


def test_an_analysing_process_that_dies_stops_the_build_and_keeps_the_index(
        corpus, tmp_path, monkeypatch):
    from index import builder
    from index.store import BuildFailed
    files = sorted((corpus / "kst-xml").glob("*.xml"))[:300]
    build_index(files[:50], tmp_path / "ix", procs=1)
    monkeypatch.setattr(builder, "LEARN_IN_PROCESSES", 100)
    monkeypatch.setattr(builder, "_analyses_of", lambda first, step, results: os._exit(9))
    with pytest.raises(BuildFailed, match="analyseproces"):
        build_index(files, tmp_path / "ix", procs=2, rebuild=True)
    assert len(ids(tmp_path / "ix")) == 50
