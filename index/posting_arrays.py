"""The long posting lists of each segment, also as flat arrays beside it.

Whoosh stores a posting block as a pickled, zlib-compressed tuple whose
document numbers are delta-decoded in Python: about 2 µs per posting. A
word in most letters ("kamer": 15,000 postings in the shared corpus, 180,000
at 200,000 letters) then costs 30 ms to hundreds of ms to read per query,
more than everything else a search does. Here every term with at least
MIN_POSTINGS postings is also written as two raw arrays (document numbers as
uint32, weights as float32) that the search layer maps into memory and reads
with numpy: reading a term becomes slicing.

Fields with positions (body, title) also get each long term's word
positions, so that a phrase of common words ("tweede kamer", in every
letter) is checked with numpy rather than by decoding hundreds of thousands
of pickled position lists in Python.

The letter text (OFFSETS_FIELD) also gets, per document, the character
offset of the word at each position, so that snippets find the query's
words from their positions instead of analysing every word of every letter
shown (the largest cost of a typical search).

Four files per segment, named after it so Whoosh deletes them with the
segment when it merges or drops it:
  <segment>.kzt  pickled {"version", "count", "terms": {field: {term bytes: (start, n)}},
                          "positions_count", "positions": {field: {term bytes: (start, total)}},
                          "offsets": (documents, total)}
  <segment>.kzp  `count` uint32 document numbers, then `count` float32 weights
  <segment>.kzq  per term with positions, from its `start`: n uint32 ends
                 (each posting's positions end there, counted from the
                 term's first position), then `total` uint32 positions
  <segment>.kzs  `documents` uint32 ends (document d's offsets end there),
                 then `total` uint32 character offsets, by position
Document numbers are the segment's own; deleted documents are still in them
(the reader leaves them out). A segment without these files (written by
Whoosh's own writer and not yet completed, or by an older kamerzoek) is read
through Whoosh as before.
"""
from __future__ import annotations

import os
import pickle
import shutil
import time
from array import array
from itertools import chain
from pathlib import Path

import numpy as np

from corpus.atomic import write_atomic

from .store import ARRAYS_STAMP as STAMP

FORMAT_VERSION = 3
# Shorter lists are read through Whoosh (a term lookup, a matcher and a
# block for each): with 128 here that was a quarter of a typical search on
# the shared corpus; with 16 the search is some 13% faster, for a term table
# of about 10,000 entries per segment of 8,000 letters and 9% more index.
MIN_POSTINGS = 16
TERMS_EXT = ".kzt"
POSTINGS_EXT = ".kzp"
POSITIONS_EXT = ".kzq"
OFFSETS_EXT = ".kzs"
OFFSETS_FIELD = "body"
# Whoosh's Positions format: a uint count, then the pickled position deltas.
_COUNT_SIZE = 4


class ArrayWriter:
    """Gathers one segment's long posting lists, term by term, straight into
    temporary files beside the segment (a writing process holds none of
    them in memory)."""

    def __init__(self, folder: Path, segment_id: str):
        self.folder = Path(folder)
        self.segment_id = segment_id
        self.count = 0
        self.positions_count = 0
        self.terms: dict[str, dict[bytes, tuple[int, int]]] = {}
        self.positions: dict[str, dict[bytes, tuple[int, int]]] = {}
        self._offset_ends = array("I")
        self._offset_count = 0
        self._docnums_path = self.folder / (segment_id + POSTINGS_EXT + ".tmp")
        self._weights_path = self.folder / (segment_id + ".kzw.tmp")
        self._positions_path = self.folder / (segment_id + POSITIONS_EXT + ".tmp")
        self._offsets_path = self.folder / (segment_id + OFFSETS_EXT + ".tmp")
        self._starts_path = self.folder / (segment_id + ".kzo.tmp")
        self._files = []
        try:
            self._docnums, self._weights, self._positions, self._starts = (
                self._open(path) for path in (self._docnums_path, self._weights_path,
                                              self._positions_path, self._starts_path))
        except BaseException:
            self.discard()
            raise

    def _open(self, path: Path):
        f = open(path, "wb")
        self._files.append(f)
        return f

    def add(self, fieldname: str, tbytes: bytes, docnums, weights, values=None) -> None:
        """One term's postings (document order); short lists are skipped.
        `values`: the postings' value bytes in Whoosh's Positions format,
        for a field with positions."""
        n = len(docnums)
        if n < MIN_POSTINGS:
            return
        self.terms.setdefault(fieldname, {})[tbytes] = (self.count, n)
        np.asarray(docnums, dtype=np.uint32).tofile(self._docnums)
        np.asarray(weights, dtype=np.float32).tofile(self._weights)
        self.count += n
        if values is not None:
            ends, positions = decode_positions(values)
            self.positions.setdefault(fieldname, {})[tbytes] = (self.positions_count,
                                                                len(positions))
            ends.tofile(self._positions)
            positions.tofile(self._positions)
            self.positions_count += n + len(positions)

    def add_offsets(self, starts) -> None:
        """The next document's character offsets of its words, by position
        (empty for a document without text)."""
        self._offset_count += len(starts)
        self._offset_ends.append(self._offset_count)
        if len(starts):
            np.asarray(starts, dtype=np.uint32).tofile(self._starts)

    def write(self) -> None:
        """The arrays first, the table last: a reader that finds the table
        finds complete arrays."""
        try:
            self._weights.close()
            with open(self._weights_path, "rb") as weights:
                shutil.copyfileobj(weights, self._docnums)
            self._starts.close()
            with open(self._offsets_path, "wb") as offsets:
                self._offset_ends.tofile(offsets)
                with open(self._starts_path, "rb") as starts:
                    shutil.copyfileobj(starts, offsets)
                offsets.flush()
                os.fsync(offsets.fileno())
            os.replace(self._offsets_path, self.folder / (self.segment_id + OFFSETS_EXT))
            for f, temporary, ext in ((self._docnums, self._docnums_path, POSTINGS_EXT),
                                      (self._positions, self._positions_path, POSITIONS_EXT)):
                f.flush()
                os.fsync(f.fileno())
                f.close()
                os.replace(temporary, self.folder / (self.segment_id + ext))
            header = {"version": FORMAT_VERSION, "count": self.count, "terms": self.terms,
                      "positions_count": self.positions_count, "positions": self.positions,
                      "offsets": (len(self._offset_ends), self._offset_count)}
            write_atomic(self.folder / (self.segment_id + TERMS_EXT),
                         pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            self.discard()

    def discard(self) -> None:
        """Close and remove the temporary files (after write(), or instead)."""
        for f in self._files:
            f.close()
        for path in (self._docnums_path, self._weights_path, self._positions_path,
                     self._starts_path, self._offsets_path):
            path.unlink(missing_ok=True)


def decode_positions(values) -> tuple[np.ndarray, np.ndarray]:
    """(ends, positions) as uint32 arrays from the value bytes of a posting
    list in Whoosh's Positions format: posting i's positions are
    positions[ends[i - 1]:ends[i]] (from 0 for the first)."""
    deltas = [pickle.loads(v[_COUNT_SIZE:] if v.endswith(b".") else v[_COUNT_SIZE:] + b".")
              for v in values]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    running = np.cumsum(np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total))
    # The deltas restart at each posting: subtract what the postings before
    # it added up to.
    before = np.concatenate(([0], running))[ends - counts]
    positions = running - np.repeat(before, counts)
    return ends.astype(np.uint32), positions.astype(np.uint32)


def read_table(folder: Path, segment_id: str) -> dict | None:
    """The segment's term table, or None when it has no arrays (or arrays of
    another format version)."""
    try:
        with open(Path(folder) / (segment_id + TERMS_EXT), "rb") as f:
            header = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    if not isinstance(header, dict) or header.get("version") != FORMAT_VERSION:
        return None
    return header


def read_postings(reader, fieldname: str, tbytes: bytes,
                  values: bool = False) -> tuple[array, array, list | None] | None:
    """(document numbers, weights, value bytes or None) of a term in one
    segment, deleted documents included, read through Whoosh a block at a
    time; None when the segment lacks the term."""
    from whoosh.reading import TermNotFound

    terms = getattr(reader, "_terms", None)
    if terms is None:  # an empty index's reader
        return None
    try:
        # The codec's own matcher: one term lookup (`in` and postings() are
        # two), and no filter for deletions. Those are the caller's
        # business, and Whoosh's filter skips a list's first postings of
        # deleted letters as it is made, so they were lost to BM25's
        # document frequency.
        matcher = terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    except TermNotFound:
        return None
    docnums, weights = array("I"), array("f")
    found = [] if values else None
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        docnums.extend(matcher._ids)
        weights.extend(matcher._weights)
        if values:
            matcher._read_values()
            found.extend(matcher._values)
        matcher._i = matcher._blocklength - 1
        matcher.next()
    return docnums, weights, found


def has_positions(field) -> bool:
    return bool(field.format) and field.format.supports("positions")


def complete(ix) -> int:
    """Write the arrays of every segment of `ix` that lacks usable ones
    (segments Whoosh's own writer made or merged during an update, or an
    index built before them); the cost is proportional to those segments.
    The arrays only make searching faster: a segment whose arrays cannot be
    written (a full disk) is searched without them. Returns how many were
    written; when any were, STAMP changes, so that a running server opens
    the index afresh and uses them."""
    from whoosh.reading import SegmentReader

    folder = Path(ix.storage.folder)
    written = 0
    toc = ix._read_toc()  # ix.schema would read it again each time
    for segment in toc.segments:
        segment_id = segment.segment_id()
        if read_table(folder, segment_id) is not None:
            continue
        reader = SegmentReader(ix.storage, toc.schema, segment)
        try:
            writer = ArrayWriter(folder, segment_id)
        except OSError:
            reader.close()
            continue
        try:
            for fieldname, tbytes in reader.all_terms():
                if reader.doc_frequency(fieldname, tbytes) < MIN_POSTINGS:
                    continue
                positions = has_positions(toc.schema[fieldname])
                writer.add(fieldname, tbytes,
                           *read_postings(reader, fieldname, tbytes, values=positions))
            _add_offsets(writer, reader, toc.schema)
            writer.write()
        except OSError:  # a full disk: this segment is searched without arrays
            writer.discard()
            continue
        except BaseException:  # no temporary files left behind, whatever stopped it
            writer.discard()
            raise
        finally:
            reader.close()
        written += 1
    if written:
        try:
            (folder / STAMP).write_text(str(time.time_ns()))
        except OSError:
            pass
    return written


def _add_offsets(writer: ArrayWriter, reader, schema) -> None:
    """Each document's word offsets, from its stored text analysed again
    (a segment Whoosh's own writer made has none)."""
    field = schema[OFFSETS_FIELD] if OFFSETS_FIELD in schema else None
    analyzer = getattr(field, "analyzer", None)
    if not hasattr(analyzer, "index_positions"):
        return
    for docnum in range(reader.doc_count_all()):
        starts: list[int] = []
        text = reader.stored_fields(docnum).get(OFFSETS_FIELD)
        if text:
            analyzer.index_positions(text, starts)
        writer.add_offsets(starts)
