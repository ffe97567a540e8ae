"""Build or update the index from folders of letters.

Unchanged files (same content hash) are skipped, changed ones replaced,
vanished ones removed. A file that fails is reported and the run goes on; if
an earlier version of it was indexed, that version is kept (nothing already
indexed is ever lost). A first build or a rebuild is written to a fresh
folder beside the index and swapped in only when complete, so a killed build
leaves the previous index as it was. Reading and writing both use every core:
files are parsed by a pool of processes, and the fresh index is written by
several processes at once (index.segments).
"""
from __future__ import annotations

import ctypes
import dataclasses
import fcntl
import gc
import multiprocessing
import os
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from whoosh.reading import SegmentReader

from corpus.errors import NotALetter, ReadError
from corpus.files import (FolderListings, discover_sources, fallback_id, parse_source,
                          read_source)
from corpus.letter import Letter

from . import children, facet_codes, file_states, posting_arrays, sources, store, word_analyses
from .schema import letter_from_stored, to_document
from .compounds import CompoundSplitter
from .posting_arrays import OFFSETS_FIELD
from .segments import ANALYSED_BODY, live_documents, write_segments
from .spool import Parked, Spool
from .topics import Lesson, TopicModel, body_stems, with_topics
from .vocabulary import (Vocabulary, VocabularyChanges, count_more_words, count_words,
                         fold_counts)

TOPIC_MODEL = "topics.pickle"
# Indexes built before 2026-12-03 have this instead; the next update
# replaces it.
JSON_TOPIC_MODEL = "topics.json"
# When two files hold the same document (the XML and the HTML of one
# Kamerstuk), the richer format wins.
FORMAT_RANK = {"koop-xml": 4, "koop-html": 3, "markdown": 2, "text": 1}
Progress = Callable[[str, int, int], None]  # (stage, done, total)
GIVEN_TOPICS = ("metadata", "sidecar")  # topic sources the model learns from


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    letters: int = 0
    seconds: float = 0.0
    # The index was made by other readers (corpus.files.READER_REVISION):
    # every file was read again.
    reread: bool = False


@dataclass(frozen=True)
class _Read:
    """A letter read, as far as choosing between copies needs it; the letter
    (without its text) and its text are parked. Held whole, 200,000 letters
    took some 300 MB of the main process, and once let go of, the writing
    processes copied the pages they had left behind."""
    digest: str
    id: str
    kamerstuk: str | None
    format: str | None
    letter: Parked
    text: Parked
    # A letter of the index written again as it is (see _folded): its
    # topics are not inferred again.
    as_stored: bool = False

    @classmethod
    def park(cls, digest: str, letter: Letter, spool: Spool, as_stored: bool = False) -> "_Read":
        """The letter parked in `spool`, text and the rest apart."""
        return cls(digest, letter.id, letter.kamerstuk, letter.format,
                   spool.park_object(letter.with_changes(body="")), spool.park(letter.body),
                   as_stored)


def build_index(paths: list[str | Path], index_dir: str | Path, *, rebuild: bool = False,
                procs: int | None = None, progress: Progress | None = None) -> BuildReport:
    started = time.monotonic()
    index_dir = Path(index_dir)
    procs = procs or min(2, os.cpu_count() or 1)
    progress = progress or (lambda stage, done, total: None)
    report = BuildReport()

    store.refuse_foreign_folder(index_dir)
    with _fewer_collections():
        # Each folder is listed once, by the walk; checking and reading the
        # files find their sidecars in these listings.
        listings = FolderListings()
        files = list(discover_sources(paths, listings))
        with _build_lock(index_dir):
            spool = Spool(_spool_dir(index_dir))
            try:
                return _build(files, listings, paths, index_dir, rebuild, procs, progress,
                              report, started, spool)
            finally:
                spool.close()
                shutil.rmtree(spool.folder, ignore_errors=True)


@contextmanager
def _fewer_collections():
    """Python's cycle collector runs after every 700 new objects, and each
    run walks the young objects: a build makes millions, and the tables an
    update holds (a state and a source per file) kept being walked. A 1%
    update of the shared corpus spent 0.06-0.08 s in 311 collections;
    after every 100,000 objects, 0.01-0.02 s in one or two. The threshold
    is put back afterwards (the forked processes inherit it)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _spool_dir(index_dir: Path) -> Path:
    return index_dir.with_name(index_dir.name + ".spool")


@contextmanager
def _build_lock(index_dir: Path):
    """One build per index at a time. A build killed half-way (SIGKILL, power
    loss) left its staging folder behind, and nothing told a second build
    that the first still ran. flock() is released by the kernel when its
    process dies, so the lock is never stale; holding it, the leftovers of a
    killed build can be cleared safely."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(store.lock_path(index_dir), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise store.IndexBusy(f"Er wordt al aan de index in {index_dir} gebouwd; wacht "
                                  "tot die opdracht klaar is.") from None
        store.recover(index_dir)
        shutil.rmtree(index_dir.with_name(index_dir.name + ".new"), ignore_errors=True)
        shutil.rmtree(_spool_dir(index_dir), ignore_errors=True)
        if index_dir.exists():
            shutil.rmtree(index_dir.with_name(index_dir.name + ".old"), ignore_errors=True)
        yield


def _build(files, listings, paths, index_dir: Path, rebuild, procs, progress, report, started,
           spool):
    fresh = rebuild or not store.exists(index_dir)
    existing: dict[str, sources.Indexed] = {}
    recorded = None
    if not fresh:
        recorded = sources.load(index_dir)
        existing = recorded if recorded is not None else sources.read(index_dir)
    roots = [Path(p).resolve() for p in paths]
    known_states, report.reread = ({}, False) if fresh else file_states.load(index_dir)
    previous: dict[str, sources.Indexed] = {}
    if report.reread and all(_under(source, roots) for source in existing):
        # Every letter is to be read again, and none comes from other folders:
        # written as a fresh build is, beside the index and swapped in. As an
        # update of every letter it took the shared corpus 1.4 times as long,
        # and at 200,000 letters a peak of 1,506 MB against 1,238.
        fresh, previous, existing, known_states = True, existing, {}, {}
    learnt = _Learnt(index_dir, fresh)
    known_skipped = {} if fresh else file_states.load_skipped(index_dir)
    states: dict[str, list] = {}
    # path -> [state, reason, the path of the letter it copies or None]
    skipped: dict[str, list] = {}
    parsed: dict[str, _Read] = {}
    not_letters: set[str] = set()
    for kind, path, payload in _read_all(files, listings, existing, known_states, known_skipped,
                                         procs, progress, spool):
        if kind == "unchanged":
            report.unchanged += len(payload)
            states.update(payload)
        elif kind == "words":
            # Learnt as they come, then let go of: holding every letter's
            # word counts took gigabytes at 200,000 letters.
            if payload:
                learnt.vocabulary.add(payload)
        elif kind == "letter":
            parsed[path], teaches, states[path] = payload
            if teaches is not None:
                learnt.model.add(teaches)
        elif kind == "skipped":
            reason, state, copies = payload
            report.skipped.append(Problem(path, reason))
            not_letters.add(path)
            if state is not None:
                skipped[path] = [state, reason, copies]
        else:
            report.failed.append(Problem(path, payload))

    seen = set(files)
    if previous:
        failed = [s for s in previous if s in seen and s not in parsed and s not in not_letters]
        _carry_over(index_dir, [(s, previous[s]) for s in failed], parsed, learnt, spool)
    # Letters whose files are gone from the folders given, or now hold no
    # letter (a metadata record written over one): they leave the index.
    # Looked for among the few sources a set difference leaves, not tested
    # source by source: 0.1 s of an unchanged update at 200,000 letters.
    suspects = (existing.keys() - seen) | (existing.keys() & not_letters)
    vanished = [s for s in existing if s in suspects
                and (s in not_letters or _under(s, roots))] if suspects else []
    winners, duplicates = _resolve_duplicates(parsed, existing, vanished)
    for source, reason, copies in duplicates:
        report.skipped.append(Problem(source, reason))
        if states.get(source) is not None:
            skipped[source] = [states[source], reason, copies]

    progress("onderwerpen", 0, 1)
    for source in parsed.keys() - winners.keys():   # duplicates: not indexed
        letter = _fetch_letter(parsed[source], spool)
        learnt.vocabulary.add(count_words(letter.body), sign=-1)
        if letter.topic_source in GIVEN_TOPICS:
            learnt.model.add(letter, sign=-1)
    replaced = [s for s in parsed if s in existing] + vanished
    if replaced:
        _unlearn(index_dir, learnt.model, learnt.vocabulary, [existing[s].id for s in replaced])
    progress("onderwerpen", 1, 1)

    # Topics are inferred while writing, by the writing processes, once the
    # model has learnt from every labelled letter.
    to_write = winners
    before = previous or existing
    report.added = sum(1 for s in to_write if s not in before)
    report.updated = sum(1 for s in to_write if s in before)
    report.removed = len(vanished) + sum(1 for s in parsed if s in existing and s not in to_write)
    report.removed += sum(1 for s in previous if s not in to_write)
    previous.clear()   # a source per letter, not needed past these counts
    # The states of what the index holds from now on: never a duplicate or
    # a file that failed (read again next time, and reported again).
    states = {s: state for s, state in states.items()
              if state is not None and (s in to_write or s not in parsed)}
    if fresh:
        parsed.clear()
        _write_fresh(index_dir, to_write, learnt.model, spool, learnt.vocabulary, states, procs,
                     progress)
    else:
        changed = bool(to_write or vanished or report.removed)
        removed = [s for s in replaced if s not in to_write] + [s for s in to_write if s in existing]
        if changed:
            _write_changes(index_dir, to_write, {s: existing[s].id for s in removed},
                           learnt.model, spool, learnt.vocabulary, procs, progress)
        if states != known_states:
            file_states.save(index_dir, states)
        # Segments an update wrote or merged, and those of an index built
        # before the arrays or the facet codes existed, get them now
        # (searches work without).
        ix = store.open_index(index_dir)
        posting_arrays.complete(ix)
        facet_codes.complete(ix)
        if changed or recorded is None:
            sources.save(index_dir, sources.rows(_held_after(existing, to_write, removed)))
    if skipped != known_skipped:
        file_states.save_skipped(index_dir, skipped)
    report.letters = count_letters(index_dir)
    report.seconds = time.monotonic() - started
    return report


class _Learnt:
    """The topic model of an index, loaded when first needed (an update that
    reads no letter does not need it), and the vocabulary, or what an
    update changes of it."""

    def __init__(self, index_dir: Path, fresh: bool):
        self.index_dir, self.fresh = index_dir, fresh

    @cached_property
    def model(self) -> TopicModel:
        return TopicModel() if self.fresh else _load_model(self.index_dir)

    @cached_property
    def vocabulary(self) -> Vocabulary | VocabularyChanges:
        # An update saves only what it changes (index.vocabulary).
        return Vocabulary() if self.fresh else VocabularyChanges()


def _held_after(existing: dict, written: dict, removed: list) -> dict:
    """The sources the index holds once the letters of the `removed`
    sources are deleted and the `written` ones indexed, each in place of
    any letter with its id (as _write_changes deletes them)."""
    ids = {read.id for read in written.values()}
    gone = set(removed)
    held = {s: e for s, e in existing.items() if s not in gone and e.id not in ids}
    held.update({s: sources.Indexed(read.id, read.digest, read.format)
                 for s, read in written.items()})
    return held


def count_letters(index_dir: Path) -> int:
    with store.open_index(index_dir).searcher() as searcher:
        return searcher.doc_count()


# Files a reading process reads before it hands their letters over: one
# message per 128 letters cost less than one per 32 (the shared corpus read
# in 8.3-9.0 s against 10.7-13.5 s, the build's CPU 46 s against 50 s and
# more).
READ_BATCH = 128


def _read_all(files: list[str], listings, existing, known_states, known_skipped, procs,
              progress, spool):
    """("letter" | "skipped" | "failed", source, payload) per file (path
    string) read or skipped, ("unchanged", "", {source: state}) for the
    files that look as they did, and ("words", "", counts) for the words
    of the letters read. Files that look as they did when indexed, or when
    they were skipped (file_states.SKIPPED_FILENAME), are settled here with
    a stat() each; only the others go to the reading processes."""
    total = len(files)
    progress("lezen", 0, total)
    pending = []
    settled: dict[str, list] = {}
    on_record = [source for source in files
                 if (source in existing and known_states.get(source) is not None)
                 or source in known_skipped]
    looks = dict(zip(on_record, file_states.stat_keys(on_record, listings)))

    def unchanged(source: str) -> bool:
        state = looks.get(source)
        return state is not None and state == known_states.get(source) and source in existing

    for source in files:
        state = looks.get(source)
        if source in known_skipped:
            was, reason, copies = known_skipped[source]
            # A copy stays one while the letter it copies is indexed unchanged.
            if state is not None and state == was and (copies is None or unchanged(copies)):
                yield "skipped", source, (reason, state, copies)
            else:
                pending.append(source)
        # unchanged(source), written out: a call per file was 0.1 s of an
        # update at 200,000 letters. Only files in `existing` have a look.
        elif state is not None and state == known_states.get(source):
            settled[source] = state
        else:
            pending.append(source)
    # All at once: a message per file was 0.1 s of an unchanged update at
    # 200,000 letters.
    yield "unchanged", "", settled
    done = total - len(pending)
    progress("lezen", done, total)
    if not pending:
        return
    # Only the files read need it (a dictionary of every letter was 0.03 s
    # of an update at 200,000).
    known = {source: existing[source].digest for source in pending if source in existing}
    batches = [pending[i:i + READ_BATCH] for i in range(0, len(pending), READ_BATCH)]
    _init_worker(known, spool, listings, batches)
    try:
        if procs > 1 and len(pending) > 200:
            read = _read_in_processes(min(procs, len(batches)))
        else:
            read = _read_here()
        for kind, payload in read:
            if kind == "words":
                yield "words", "", payload
                continue
            for result in payload:
                done += 1
                progress("lezen", done, total)
                yield result
    finally:
        # Not held past the reading by a process that goes on (the tests):
        # a hash per letter in the index.
        _init_worker({}, None, None, [])


# What the reading processes inherit by fork.
# Source -> content hash of the letters already indexed.
_known_digests: dict[str, str] = {}
_worker_spool: Spool | None = None
# The walk's folder listings (listed per batch, the shared corpus's large
# folders cost 0.6 s of listing).
_worker_listings: FolderListings | None = None
_batches: list[list[str]] = []


def _init_worker(known: dict[str, str], spool: Spool, listings: FolderListings,
                 batches: list[list[str]]) -> None:
    global _known_digests, _worker_spool, _worker_listings, _batches
    _known_digests, _worker_spool, _worker_listings, _batches = known, spool, listings, batches


def _read_here(batches=None):
    """("letters", results) per batch (all of them, by default), then
    ("words", counts): in this process."""
    counts = Counter()
    for batch in _batches if batches is None else batches:
        yield "letters", _read_batch(batch, counts)
    yield "words", fold_counts(counts)


def _read_in_processes(procs: int):
    """_read_here() by `procs` processes, each taking the next batch when
    done with one. Each counts the words of all its letters and sends the
    counts once, when the batches run out: a count per batch cost the main
    process (which shares the cores with them) 0.5 s of adding up for the
    shared corpus, and as much again to send and receive."""
    ctx = multiprocessing.get_context("fork")
    tasks, results = ctx.SimpleQueue(), ctx.Queue()
    readers = [ctx.Process(target=_reader, args=(tasks, results), daemon=True)
               for _ in range(procs)]
    try:
        for reader in readers:
            reader.start()
        for number in range(len(_batches)):
            tasks.put(number)
        for _ in readers:
            tasks.put(None)
        counting = procs
        for kind, payload in _messages(results, readers, "Een leesproces"):
            if kind == "words":
                counting -= 1
            yield kind, payload
            if not counting:
                return
    finally:
        children.stop(readers)


def _messages(results, processes: list, who: str):
    """children.messages() of reading or analysing processes, an
    ("error", message) raised as store.BuildFailed."""
    def died():
        return store.BuildFailed(f"{who} is onverwacht gestopt; de index is niet veranderd.")

    for kind, payload in children.messages(results, processes, died):
        if kind == "error":
            raise store.BuildFailed(payload)
        yield kind, payload


def _reader(tasks, results) -> None:
    try:
        for message in _read_here(_batches[number] for number in iter(tasks.get, None)):
            results.put(message)
    except BaseException as exc:
        results.put(("error", f"Lezen van de bestanden mislukt ({type(exc).__name__}: "
                              f"{exc}); de index is niet veranderd."))


def _read_batch(paths: list[str], counts: Counter) -> list:
    """_read_one() of each path; the words of the letters read are added
    to `counts` (count_more_words)."""
    listings = _worker_listings
    results = [_read_one(path, listings.of(path)) for path in paths]
    bodies = [payload[1].body for kind, _, payload in results if kind == "letter"]
    # Letters joined by a line break count as they do one by one.
    count_more_words(counts, "\n".join(bodies))
    return [_parked(result) for result in results]


def _parked(result):
    """A letter and its text go to the spool here, where they were read:
    the main process gets what choosing between copies needs, and what
    the topic model learns from a labelled letter (its Lesson)."""
    kind, source, payload = result
    if kind != "letter":
        return result
    digest, letter, state = payload
    read = _Read.park(digest, letter, _worker_spool)
    teaches = Lesson.of(letter) if letter.topic_source in GIVEN_TOPICS else None
    return kind, source, (read, teaches, state)


def _read_one(source: str, listing: frozenset[str] | None = None):
    """`listing`: the JSON names in the file's folder (see
    corpus.files.sidecar_path)."""
    path = Path(source)
    # Taken before reading: a change while the file is read shows next time.
    state = file_states.stat_key(path, listing)
    try:
        source_file = read_source(path, listing)
        digest = source_file.digest
        if digest == _known_digests.get(source):
            return "unchanged", source, {source: state}   # as _read_all settles them
        return "letter", source, (digest, parse_source(source_file), state)
    except NotALetter as exc:
        return "skipped", source, (exc.reason, state, None)
    except ReadError as exc:
        # exc.path may be the sidecar rather than the letter: name the culprit.
        return "failed", exc.path or source, exc.reason
    except Exception as exc:  # a reader bug must not stop the run
        return "failed", source, f"onverwachte fout: {type(exc).__name__}: {exc}"


def _resolve_duplicates(parsed, existing, vanished):
    """One letter per id: the richest format wins, then the first path.
    Returns the winners (source -> read) and the copies left out, as
    (source, reason, the source of the letter each copies)."""
    leaving = set(vanished) | set(parsed)
    # Only the ids the letters read may take: an owner for each of the
    # index's letters cost every update 0.2 s at 200,000 letters.
    wanted = {read.id for read in parsed.values()}
    wanted.update(fallback_id(Path(source), full_path=True) for source, read in parsed.items()
                  if _has_fallback_id(read, source))
    owner: dict[str, tuple[int, str]] = {}
    for source, entry in existing.items():
        if entry.id in wanted and source not in leaving:
            owner[entry.id] = (FORMAT_RANK.get(entry.format, 0), source)
    candidates = sorted(parsed.items(), key=lambda item: (
        -FORMAT_RANK.get(item[1].format, 0), item[0]))
    winners, duplicates = {}, []
    for source, read in candidates:
        held = owner.get(read.id)
        if held and held[1] != source and _has_fallback_id(read, source):
            # Same folder and file name elsewhere: a different letter, not a copy.
            read = dataclasses.replace(read, id=fallback_id(Path(source), full_path=True))
            held = owner.get(read.id)
        if held and held[1] != source:
            duplicates.append((source, f"zelfde document ({read.id}) als {held[1]}", held[1]))
            continue
        owner[read.id] = (FORMAT_RANK.get(read.format, 0), source)
        winners[source] = read
    return winners, duplicates


def _has_fallback_id(letter, source: str) -> bool:
    return not letter.kamerstuk and letter.id == fallback_id(Path(source))


def _write_fresh(index_dir: Path, to_write: dict, model, spool, vocabulary, states, procs,
                 progress) -> None:
    """Write a complete index of the `to_write` letters (source -> _Read)
    beside the old one, then swap it in. Compounds are split with the
    vocabulary of exactly these letters."""
    staging = index_dir.with_name(index_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    ix = store.create(staging, CompoundSplitter(vocabulary.counts))
    analyzer = ix.schema[OFFSETS_FIELD].analyzer
    # Words met once are analysed by one writing process anyway. The others
    # are analysed while this process saves the tables below.
    learning = _Learning(analyzer, [word for word, n in vocabulary.counts.items() if n > 1],
                         procs)
    try:
        # Saved first and let go of: not needed for writing, and the writing
        # processes would inherit them. The vocabulary holds every word of
        # every letter; of the model, only its scoring weights are needed.
        vocabulary.save(staging)
        vocabulary.counts.clear()
        _save_model(model, staging)
        model.keep_only_scoring()
        file_states.save(staging, states)
        states.clear()
        # For the generation the write below commits.
        sources.save(staging, ((source, read.id, read.digest, read.format)
                               for source, read in to_write.items()),
                     store.open_index(staging).latest_generation() + 1)
        items = list(to_write.values())
        to_write.clear()
        learning.finish()
    finally:
        learning.stop()
    _release_freed_memory()
    total = len(items)
    progress("schrijven", 0, total)
    word_analyses.save(staging, analyzer.learnt())
    document = _document_maker(model, spool, analyzer)
    write_segments(ix, items, document, procs,
                   lambda done: progress("schrijven", done, total))
    progress("schrijven", total, total)
    _swap(staging, index_dir)


# Below this many words, forking to analyse them costs more than it saves.
LEARN_IN_PROCESSES = 20_000
# (analyzer, words) of _analyses_of(), inherited by fork rather than pickled.
_learner: tuple | None = None


class _Learning:
    """Have `analyzer` learn `words` before the writing processes fork:
    analysed once, shared by all of them (DutchAnalyzer.learn), and by
    `procs` processes, a share each, while this one goes on until finish()
    (saving the tables beside the new index took it some 0.4 s)."""

    def __init__(self, analyzer, words: list[str], procs: int):
        global _learner
        self.analyzer, self.learners = analyzer, []
        if procs < 2 or len(words) < LEARN_IN_PROCESSES:
            analyzer.learn({word: analyzer.analysis_of(word) for word in words})
            return
        ctx = multiprocessing.get_context("fork")
        self.results = ctx.Queue()
        _learner = (analyzer, words)
        try:
            self.learners = [ctx.Process(target=_analyses_of, args=(i, procs, self.results),
                                         daemon=True) for i in range(procs)]
            for learner in self.learners:
                learner.start()
        finally:
            _learner = None

    def finish(self) -> None:
        waiting = len(self.learners)
        if not waiting:
            return
        for _, analyses in _messages(self.results, self.learners, "Een analyseproces"):
            self.analyzer.learn(analyses)
            waiting -= 1
            if not waiting:
                break

    def stop(self) -> None:
        children.stop(self.learners)


def _analyses_of(first: int, step: int, results) -> None:
    """The analyses of every step-th word from `first` on."""
    analyzer, words = _learner
    try:
        results.put(("analyses", {word: analyzer.analysis_of(word)
                                  for word in words[first::step]}))
    except BaseException as exc:
        results.put(("error", f"Analyseren van de woorden mislukt ({type(exc).__name__}: "
                              f"{exc}); de index is niet veranderd."))


def _release_freed_memory() -> None:
    """Hand memory freed after reading back to the system before the writing
    processes fork: glibc keeps freed heap pages mapped, and they counted in
    this process's size for the whole write. Elsewhere this does nothing."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _write_changes(index_dir: Path, to_write, remove_sources: dict[str, str], model, spool,
                   vocabulary, procs, progress) -> None:
    """The changed and new letters as new segments, written as a fresh
    build writes them (index.segments: with Whoosh's own writer a 1% change
    of the shared corpus cost twice as much; a change of a hundred
    letters or more is written by `procs` processes), their old
    versions and the removed letters deleted in the same commit, with
    the letters of the small segments earlier updates left once there
    are enough of them (_folded). `remove_sources`: source -> the id of
    the letter the index holds from it."""
    ix = store.open_index(index_dir)
    items = list(to_write.values())
    # A letter is deleted by its id, or by its source when no letter
    # written takes its id: a changed letter (same file, same id) was
    # looked for by both, in every segment, 0.6 s of an update of 2,000
    # letters at 200,000.
    written = {read.id for read in items}
    deleted = [("id", letter_id) for letter_id in written]
    deleted += [("source", source) for source, letter_id in remove_sources.items()
                if letter_id not in written]
    folded, dropped = _folded(ix, spool, written, remove_sources)
    items += folded
    total = len(items)
    progress("schrijven", 0, total)
    analyzer = ix.schema[OFFSETS_FIELD].analyzer
    if items:
        analyzer.learn(word_analyses.load(index_dir))
    if total >= 1000:
        # The writing processes fork (index.segments) after this one read
        # and unlearnt as many letters: as before a fresh build's writing.
        _release_freed_memory()
    write_segments(ix, items, _document_maker(model, spool, analyzer),
                   procs, progress=lambda done: progress("schrijven", done, total),
                   delete=deleted, drop=dropped)
    progress("schrijven", total, total)
    _save_model(model, index_dir)
    vocabulary.save(index_dir)
    store.update_manifest(index_dir)


# Segments with fewer letters than 1/SMALL_SHARE of the largest are
# updates'; once MERGE_AT of them have gathered, the next update that
# writes takes their letters along.
SMALL_SHARE = 8
MERGE_AT = 10


def _folded(ix, spool: Spool, written: set[str], remove_sources) -> tuple[list, set[str]]:
    """The letters of the small segments updates left, once there are
    MERGE_AT of them, to be written again with this update's letters (but
    for those it writes, with ids in `written`, or removes), as they are
    stored; and the ids of those segments, which leave the index whole
    (their letters looked up and deleted one by one, a fold of ten
    thousand letters at 200,000 spent 2.7 s more). Without it every update
    would add a segment for searches to visit. Merged by Whoosh's writer, ten segments
    of the shared corpus's 1% took 8.9 s and their posting arrays 2.9 s
    more; and its MERGE_SMALL policy also merged a build's segments, at
    200,000 letters (16 segments) all of them at the seventh update, which
    rewrote every letter (stopped after ten minutes)."""
    toc = ix._read_toc()
    small = _small_segments(toc.segments)
    if len(small) < MERGE_AT:
        return [], set()
    leaving = set(remove_sources)
    folded = []
    for segment in small:
        reader = SegmentReader(ix.storage, toc.schema, segment)
        try:
            for stored in reader.all_stored_fields():
                if stored["id"] in written or stored["source"] in leaving:
                    continue
                folded.append(_Read.park(stored["digest"], letter_from_stored(stored), spool,
                                         as_stored=True))
        finally:
            reader.close()
    return folded, {segment.segment_id() for segment in small}


def _small_segments(segments) -> list:
    largest = max((segment.doc_count_all() for segment in segments), default=0)
    return [segment for segment in segments if segment.doc_count_all() * SMALL_SHARE < largest]


def _document_maker(model: TopicModel, spool: Spool, analyzer):
    """read -> the document to index. The body is analysed here, once, with
    the body field's `analyzer`: the topic model reads its stems and the
    writer (index.segments) indexes its terms."""
    def document(read: _Read) -> dict:
        letter = _fetch_letter(read, spool)
        starts: list[int] = []
        terms = analyzer.index_positions(letter.body, starts)
        if not read.as_stored:
            letter = with_topics(letter, model, body_stems(letter.body, terms, starts))
        out = to_document(letter, read.digest)
        out[ANALYSED_BODY] = (terms, starts)
        return out
    return document


def _fetch_letter(read: _Read, spool: Spool) -> Letter:
    """The letter back from the spool, text and all, under the id it was
    given (a copy elsewhere may have made it take another)."""
    letter: Letter = spool.fetch_object(read.letter)
    return letter.with_changes(id=read.id, body=spool.fetch(read.text))


def _swap(staging: Path, index_dir: Path) -> None:
    old = index_dir.with_name(index_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(staging, index_dir)
    shutil.rmtree(old, ignore_errors=True)


def _load_model(index_dir: Path) -> TopicModel:
    """The saved topic model, or one relearnt from the labelled letters in the
    index when the file is missing or was made with other settings."""
    for name in (TOPIC_MODEL, JSON_TOPIC_MODEL):
        try:
            return TopicModel.load(index_dir / name)
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            break
    model = TopicModel()
    with store.open_index(index_dir).searcher() as searcher:
        for stored in searcher.all_stored_fields():
            letter = letter_from_stored(stored)
            if letter.topic_source in GIVEN_TOPICS:
                model.add(letter)
    return model


def _save_model(model: TopicModel, index_dir: Path) -> None:
    model.save(index_dir / TOPIC_MODEL)
    (index_dir / JSON_TOPIC_MODEL).unlink(missing_ok=True)


def _unlearn(index_dir: Path, model: TopicModel, vocabulary: VocabularyChanges,
             ids: list[str]) -> None:
    """Take letters that leave or change out of the topic model and the
    vocabulary."""
    bodies = []
    ix = store.open_index(index_dir)
    with ix.searcher() as searcher:
        # Found as deletions find them: searcher.document_number() per id
        # was half of unlearning 2,000 letters at 200,000.
        readers = {reader.segment().segment_id(): reader
                   for reader, _ in searcher.reader().leaf_readers() if reader.segment()}
        segments = [reader.segment() for reader in readers.values()]
        for segment, _, docnum in live_documents(ix.storage, ix.schema, segments,
                                                 [("id", letter_id) for letter_id in ids]):
            letter = letter_from_stored(readers[segment.segment_id()].stored_fields(docnum))
            bodies.append(letter.body)
            if letter.topic_source in GIVEN_TOPICS:
                model.add(letter, sign=-1)
            if len(bodies) == READ_BATCH:
                _unlearn_words(vocabulary, bodies)
    _unlearn_words(vocabulary, bodies)


def _unlearn_words(vocabulary: VocabularyChanges, bodies: list[str]) -> None:
    """Counted together, as the reading processes count (a Counter per
    letter, added up in Python, cost more than the counting), a batch at a
    time: when every letter changes, all their texts at once took 430 MB
    more of this process for the shared corpus."""
    if bodies:
        vocabulary.add(count_words("\n".join(bodies)), sign=-1)
        bodies.clear()


def _carry_over(index_dir: Path, failed: list, parsed: dict, learnt: _Learnt,
                spool: Spool) -> None:
    """The indexed letters of `failed` (source, sources.Indexed) files, which
    could not be read again, taken into a fresh build as they are: a file
    that breaks keeps its last good version, in a re-read too. Under their
    old hash, so the next update reads them again."""
    if not failed:
        return
    with store.open_index(index_dir).searcher() as searcher:
        for source, indexed in failed:
            number = searcher.document_number(id=indexed.id)
            if number is None:
                continue
            letter = letter_from_stored(searcher.stored_fields(number))
            parsed[source] = _Read.park(indexed.digest, letter, spool)
            learnt.vocabulary.add(count_words(letter.body))
            if letter.topic_source in GIVEN_TOPICS:
                learnt.model.add(letter)


def _under(source: str, roots: list[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)
