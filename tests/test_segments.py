"""The fast segment writer must write what Whoosh's own writer writes."""
import pytest

from corpus.files import discover, read_source, parse_source
from index import store
from index.compounds import CompoundSplitter
from index.schema import to_document
from index.segments import write_segments
from index.vocabulary import count_words


@pytest.fixture(scope="module")
def letters(corpus):
    paths = [p for p in discover([corpus / "letters"])]
    paths += sorted((corpus / "kst-xml").glob("*.xml"))[:300]
    paths += sorted((corpus / "sgd-ocr").glob("*.txt"))[:300]
    out = []
    for path in paths:
        source = read_source(path)
        out.append((source.digest, parse_source(source)))
    return out


def _contents(index_dir):
    """Every term with its postings, every stored document, every column
    value and field length: what a search can see of an index."""
    ix = store.open_index(index_dir)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                items.append((searcher.stored_fields(matcher.id())["id"],
                              matcher.weight(), matcher.value()))
                matcher.next()
            postings[(fieldname, text)] = sorted(items)
        by_id = {}
        for docnum in reader.all_doc_ids():
            stored = reader.stored_fields(docnum)
            lengths = {f: reader.doc_field_length(docnum, f) for f in ("body", "title")}
            columns = {f: reader.column_reader(f)[docnum] for f in ("year", "date", "topic")}
            by_id[stored["id"]] = (stored, lengths, columns)
        totals = {f: reader.field_length(f) for f in ("body", "title", "dossier_title")}
    return postings, by_id, totals


@pytest.fixture
def processes_as_asked(monkeypatch):
    """As many writing processes as asked for, however few the letters, and
    small batches, so that each takes several."""
    monkeypatch.setattr("index.segments._processes", lambda total, n: n)
    monkeypatch.setattr("index.segments.WRITE_BATCH", 7)


@pytest.mark.parametrize("procs", [1, 2])
def test_fast_writer_equals_whoosh_writer(letters, tmp_path, procs, monkeypatch, processes_as_asked):
    monkeypatch.setattr("index.segments.SEGMENT_POSTINGS", 20_000)  # several segments each
    counts = {}
    for _, letter in letters:
        for word, n in count_words(letter.body).items():
            counts[word] = counts.get(word, 0) + n
    splitter = CompoundSplitter(counts)
    documents = [to_document(letter, digest) for digest, letter in letters]

    reference = tmp_path / "whoosh"
    writer = store.create(reference, splitter).writer()
    for document in documents:
        writer.add_document(**document)
    writer.commit()

    fast = tmp_path / "fast"
    segments = write_segments(store.create(fast, splitter), documents, dict, procs)
    assert len(segments) > 1 and not (fast / "letters.tmp").exists()
    assert _contents(fast) == _contents(reference)


@pytest.mark.parametrize("procs", [1, 2])
def test_a_failing_writer_is_reported_and_commits_nothing(letters, tmp_path, procs, processes_as_asked):
    def broken(document):
        if document["id"] == letters[-1][1].id:
            raise ValueError("kapot")
        return document

    ix = store.create(tmp_path / "ix", CompoundSplitter({}))
    documents = [to_document(letter, digest) for digest, letter in letters]
    with pytest.raises(store.WriteFailed, match="kapot"):
        write_segments(ix, documents, broken, procs=procs)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 0


def test_position_values_are_whoosh_s_own_bytes():
    """Postings' position bytes, encoded together with numpy, are the bytes
    Whoosh's Positions format makes of each: runs of no, one, several and
    more than a pickle batch of positions, with gaps of every int width."""
    import random

    import numpy as np
    from whoosh.formats import Positions

    from index.segments import _position_values

    rng = random.Random(5)
    runs = [[], [0], [7], [300], [70_000], [0, 1], [3, 255, 256, 65_535, 65_536, 2**31 - 1]]
    for size in [2, 3, 10, 999, 1000, 1001, 2500]:
        gaps = [rng.choice([1, 2, 200, 256, 1000, 65_536, 100_000]) for _ in range(size)]
        runs.append(list(np.cumsum(gaps) - gaps[0]))
    runs += [sorted(rng.sample(range(5_000_000), rng.randint(1, 40))) for _ in range(300)]
    rng.shuffle(runs)
    positions = np.array([p for run in runs for p in run], dtype=np.uint32)
    sizes = np.array([len(run) for run in runs], dtype=np.uint32)
    encode = Positions().encode
    assert _position_values(positions, sizes) == [encode([int(p) for p in run]) for run in runs]


def test_a_writing_process_that_dies_is_reported_and_commits_nothing(letters, tmp_path,
                                                                     processes_as_asked):
    import os

    def dies(document):
        if document["id"] == letters[-1][1].id:
            os._exit(9)
        return document

    ix = store.create(tmp_path / "ix", CompoundSplitter({}))
    documents = [to_document(letter, digest) for digest, letter in letters]
    with pytest.raises(store.WriteFailed, match="schrijfproces"):
        write_segments(ix, documents, dies, procs=2)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 0


@pytest.mark.parametrize("arrays", [True, False])
def test_live_documents_finds_the_live_letter_of_each_term(letters, tmp_path, monkeypatch,
                                                           arrays):
    """Each id's (or source's) letter as the index holds it now, not a copy
    an update deleted, and nothing for a term no letter has: through the
    posting arrays, or Whoosh's term table for a segment without them."""
    from whoosh.reading import SegmentReader

    from index.segments import live_documents

    if arrays:
        def no_whoosh(*args):
            raise AssertionError("looked up in Whoosh's term table")
        monkeypatch.setattr("index.segments.read_postings", no_whoosh)
    else:
        monkeypatch.setattr("index.segments.ArrayReader.open", lambda *args: None)
    monkeypatch.setattr("index.segments.SEGMENT_POSTINGS", 20_000)
    documents = [to_document(letter, digest) for digest, letter in letters[:200]]
    ix = store.create(tmp_path / "ix")
    write_segments(ix, documents, dict, 1)
    again = documents[:10]
    write_segments(ix, again, dict, 1, delete=[("id", d["id"]) for d in again])

    toc = ix._read_toc()
    assert len(toc.segments) > 2
    terms = ([("id", d["id"]) for d in again] + [("id", "kst-0-0")]
             + [("source", documents[150]["source"])])
    found = {}
    for segment, term, docnum in live_documents(ix.storage, toc.schema, toc.segments, terms):
        reader = SegmentReader(ix.storage, toc.schema, segment)
        found.setdefault(term, []).append(
            (segment.segment_id(), reader.stored_fields(docnum)[term[0]]))
        reader.close()
    newest = toc.segments[-1].segment_id()
    assert found == {**{("id", d["id"]): [(newest, d["id"])] for d in again},
                     ("source", documents[150]["source"]): [
                         (found[("source", documents[150]["source"])][0][0],
                          documents[150]["source"])]}
    assert found[("source", documents[150]["source"])][0][0] != newest
