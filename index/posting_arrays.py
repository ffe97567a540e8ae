"""Every posting list of each segment, also as flat arrays beside it.

Whoosh stores a posting block as a pickled, zlib-compressed tuple whose
document numbers are delta-decoded in Python: about 2 µs per posting. A
word in most letters ("kamer": 15,000 postings in the shared corpus, 180,000
at 200,000 letters) then costs 30 ms to hundreds of ms to read per query,
more than everything else a search does. And finding a term at all, in
Whoosh's term table of Python objects, took 40 µs (absent) to 140 µs (a
short list) per segment: with several fields and segments, a tenth of a
typical search. Here every term's postings are also written as raw arrays
(document numbers as uint32, weights as float32) that the search layer maps
into memory and reads with numpy, and the terms as a sorted array of 64-bit
hashes: finding a term is a binary search, reading it a slice.

Fields with positions (body, title) also get each posting's word positions,
so that a phrase of common words ("tweede kamer", in every letter) is checked
with numpy rather than by decoding hundreds of thousands of pickled position
lists in Python.

The letter text (OFFSETS_FIELD) also gets, per document, the character
offset of the word at each position, so that snippets find the query's
words from their positions instead of analysing every word of every letter
shown (the largest cost of a typical search).

Five files per segment, named after it so Whoosh deletes them with the
segment when it merges or drops it:
  <segment>.kzt  pickled {"version", "count", "positions_count", "terms_count",
                          "offsets": (documents, total)}
  <segment>.kzh  `terms_count` uint64 term keys (term_key()), ascending, then
                 per key two uint32: its first posting and its number of
                 postings (AMBIGUOUS when two terms share the key: those are
                 read through Whoosh)
  <segment>.kzp  `count` uint32 document numbers, `count` float32 weights and
                 `count` uint32 position ends (posting i's positions end
                 there in .kzq; they start where posting i - 1's end), the
                 postings of each term together, in document order
  <segment>.kzq  `positions_count` uint32 word positions
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
from hashlib import blake2b
from itertools import chain
from pathlib import Path

import numpy as np

from corpus.atomic import write_atomic

from .store import ARRAYS_STAMP as STAMP

FORMAT_VERSION = 4
TERMS_EXT = ".kzt"
KEYS_EXT = ".kzh"
POSTINGS_EXT = ".kzp"
POSITIONS_EXT = ".kzq"
OFFSETS_EXT = ".kzs"
OFFSETS_FIELD = "body"
# The number of postings of a key that two terms share.
AMBIGUOUS = 0xFFFFFFFF
# Postings gathered before they are written out: one decoding of their
# positions and one write per file for many short lists.
_FLUSH_POSTINGS = 1 << 16
# Whoosh's Positions format: a uint count, then the pickled position deltas.
_COUNT_SIZE = 4


def term_key(fieldname: str, tbytes: bytes) -> int:
    """The 64-bit key a term is found by (the same in every process, unlike
    Python's hash())."""
    digest = blake2b(fieldname.encode("utf-8") + b"\0" + tbytes, digest_size=8).digest()
    return int.from_bytes(digest, "little")


class ArrayWriter:
    """Gathers one segment's posting lists, term by term, into temporary
    files beside the segment (a writing process holds 16 bytes per term of
    them in memory, and a bounded buffer of postings)."""

    def __init__(self, folder: Path, segment_id: str):
        self.folder = Path(folder)
        self.segment_id = segment_id
        self.count = 0
        self.positions_count = 0
        self._keys = array("Q")
        self._rows = array("I")  # per term: first posting, number of postings
        self._docnums, self._weights, self._values = array("I"), array("f"), []
        self._offset_ends = array("I")
        self._offset_count = 0
        self._starts = array("I")  # offsets not yet written
        self._files: dict[str, object] = {}
        try:
            for part in ("docnums", "weights", "ends", "positions", "starts"):
                path = self._temporary(part)
                self._files[part] = open(path, "wb")
        except BaseException:
            self.discard()
            raise

    def _temporary(self, part: str) -> Path:
        return self.folder / f"{self.segment_id}.kz-{part}.tmp"

    def add(self, fieldname: str, tbytes: bytes, docnums, weights, values=None) -> None:
        """One term's postings, in document order: document numbers and
        weights (sequences or numpy arrays); `values`, the postings' value
        bytes in Whoosh's Positions format, for a field with positions."""
        n = len(docnums)
        if not n:
            return
        self._keys.append(term_key(fieldname, tbytes))
        self._rows.append(self.count + len(self._docnums))
        self._rows.append(n)
        if isinstance(docnums, np.ndarray):
            self._docnums.frombytes(docnums.astype(np.uint32, copy=False).tobytes())
            self._weights.frombytes(np.asarray(weights, dtype=np.float32).tobytes())
        else:
            self._docnums.extend(docnums)
            self._weights.extend(weights)
        if values is None:
            self._values.extend([None] * n)
        else:
            self._values.extend(values)
        if len(self._docnums) >= _FLUSH_POSTINGS:
            self._flush()

    def _flush(self) -> None:
        if not self._docnums:
            return
        counts, positions = _decode(self._values)
        ends = np.cumsum(counts) + self.positions_count
        if len(ends) and ends[-1] > AMBIGUOUS:
            raise OverflowError("meer woordposities dan een segment kan bevatten")
        files = self._files
        self._docnums.tofile(files["docnums"])
        self._weights.tofile(files["weights"])
        ends.astype(np.uint32).tofile(files["ends"])
        positions.tofile(files["positions"])
        self.count += len(self._docnums)
        self.positions_count += len(positions)
        self._docnums, self._weights, self._values = array("I"), array("f"), []

    def add_terms(self, fieldname: str, terms: list, counts, docnums, weights,
                  position_counts=None, positions=None) -> None:
        """Many terms' postings at once, term after term, each term's in
        document order (numpy arrays; `counts` postings per term, and for a
        field with positions `position_counts` positions per posting)."""
        self._flush()  # postings added one term at a time come first
        if not len(terms):
            return
        self._keys.extend([term_key(fieldname, t) for t in terms])
        firsts = np.cumsum(counts, dtype=np.int64) - counts + self.count
        rows = np.empty((len(terms), 2), dtype=np.uint32)
        rows[:, 0], rows[:, 1] = firsts, counts
        self._rows.frombytes(rows.tobytes())
        if position_counts is None:
            ends = np.full(len(docnums), self.positions_count, dtype=np.int64)
            positions = np.zeros(0, dtype=np.uint32)
        else:
            ends = np.cumsum(position_counts, dtype=np.int64) + self.positions_count
        if len(ends) and ends[-1] > AMBIGUOUS:
            raise OverflowError("meer woordposities dan een segment kan bevatten")
        files = self._files
        np.asarray(docnums, dtype=np.uint32).tofile(files["docnums"])
        np.asarray(weights, dtype=np.float32).tofile(files["weights"])
        ends.astype(np.uint32).tofile(files["ends"])
        np.asarray(positions, dtype=np.uint32).tofile(files["positions"])
        self.count += len(docnums)
        self.positions_count += len(positions)

    def add_offsets(self, starts) -> None:
        """The next document's character offsets of its words, by position
        (empty for a document without text)."""
        self._offset_count += len(starts)
        self._offset_ends.append(self._offset_count)
        self._starts.extend(starts)
        if len(self._starts) >= _FLUSH_POSTINGS:
            self._flush_offsets()

    def _flush_offsets(self) -> None:
        self._starts.tofile(self._files["starts"])
        self._starts = array("I")

    def write(self) -> None:
        """The arrays first, the table last: a reader that finds the table
        finds complete arrays."""
        try:
            self._flush()
            self._flush_offsets()
            for f in self._files.values():
                f.close()
            base = self.folder / self.segment_id
            self._join(base.with_name(base.name + POSTINGS_EXT), ["docnums", "weights", "ends"])
            self._join(base.with_name(base.name + POSITIONS_EXT), ["positions"])
            self._join(base.with_name(base.name + OFFSETS_EXT), ["starts"],
                       head=self._offset_ends.tobytes())
            keys = np.frombuffer(self._keys, dtype=np.uint64)
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
            rows = np.frombuffer(self._rows, dtype=np.uint32).reshape(-1, 2)[order]
            shared = np.flatnonzero(keys[1:] == keys[:-1])
            rows[shared, 1] = rows[shared + 1, 1] = AMBIGUOUS
            write_atomic(base.with_name(base.name + KEYS_EXT), keys.tobytes() + rows.tobytes())
            header = {"version": FORMAT_VERSION, "count": self.count,
                      "positions_count": self.positions_count, "terms_count": len(keys),
                      "offsets": (len(self._offset_ends), self._offset_count)}
            write_atomic(base.with_name(base.name + TERMS_EXT),
                         pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            self.discard()

    def _join(self, target: Path, parts: list[str], head: bytes = b"") -> None:
        """`head` and the temporary parts, in order, as `target`."""
        temporary = target.with_name(target.name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(head)
            for part in parts:
                with open(self._temporary(part), "rb") as f:
                    shutil.copyfileobj(f, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)

    def discard(self) -> None:
        """Close and remove the temporary files (after write(), or instead)."""
        for f in self._files.values():
            f.close()
        for part in ("docnums", "weights", "ends", "positions", "starts"):
            self._temporary(part).unlink(missing_ok=True)
        base = self.folder / self.segment_id
        for ext in (POSTINGS_EXT, POSITIONS_EXT, OFFSETS_EXT):
            base.with_name(base.name + ext + ".tmp").unlink(missing_ok=True)


def _decode(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(positions per posting, all positions in order) from postings' value
    bytes in Whoosh's Positions format (None: a posting without positions)."""
    deltas = [() if v is None else
              pickle.loads(v[_COUNT_SIZE:] if v.endswith(b".") else v[_COUNT_SIZE:] + b".")
              for v in values]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    total = int(counts.sum())
    running = np.cumsum(np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total))
    # The deltas restart at each posting: subtract what the postings before
    # it added up to.
    ends = np.cumsum(counts)
    before = np.concatenate(([0], running))[ends - counts]
    return counts, (running - np.repeat(before, counts)).astype(np.uint32)


def decode_positions(values) -> tuple[np.ndarray, np.ndarray]:
    """(ends, positions) as uint32 arrays from the value bytes of a posting
    list in Whoosh's Positions format: posting i's positions are
    positions[ends[i - 1]:ends[i]] (from 0 for the first)."""
    counts, positions = _decode(values)
    return np.cumsum(counts).astype(np.uint32), positions


def read_table(folder: Path, segment_id: str) -> dict | None:
    """The segment's table header, or None when it has no arrays (or arrays
    of another format version)."""
    try:
        with open(Path(folder) / (segment_id + TERMS_EXT), "rb") as f:
            header = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("version") != FORMAT_VERSION:
        return None
    return header


class ArrayReader:
    """One segment's arrays, mapped from disk: the pages a search touches
    are read on demand and shared by every process through the page cache."""

    def __init__(self, keys, rows, docnums, weights, ends, positions, offset_ends, offsets,
                 mapped: list):
        self.keys, self.rows = keys, rows
        self.docnums, self.weights, self.ends, self.positions_file = (docnums, weights, ends,
                                                                      positions)
        self.offset_ends, self.offsets_file = offset_ends, offsets
        self._mapped = mapped

    @classmethod
    def open(cls, folder: Path, segment_id: str, documents: int) -> ArrayReader | None:
        """The segment's arrays; None when it has none (or none that fit)."""
        table = read_table(folder, segment_id)
        if table is None:
            return None
        base = Path(folder) / segment_id
        count, positions_count, terms = (table["count"], table["positions_count"],
                                         table["terms_count"])
        mapped = []
        try:
            keys = _map(base, KEYS_EXT, np.uint64, terms, 0, 16 * terms, mapped)
            rows = _map(base, KEYS_EXT, np.uint32, 2 * terms, 8 * terms, 16 * terms,
                        mapped).reshape(-1, 2)
            docnums = _map(base, POSTINGS_EXT, np.uint32, count, 0, 12 * count, mapped)
            weights = _map(base, POSTINGS_EXT, np.float32, count, 4 * count, 12 * count, mapped)
            ends = _map(base, POSTINGS_EXT, np.uint32, count, 8 * count, 12 * count, mapped)
            positions = _map(base, POSITIONS_EXT, np.uint32, positions_count, 0,
                             4 * positions_count, mapped)
            offset_ends = offsets = None
            with_offsets, total = table["offsets"]
            if with_offsets and with_offsets == documents:
                offsets = _map(base, OFFSETS_EXT, np.uint32, documents + total, 0,
                               4 * (documents + total), mapped)
                offset_ends = offsets[:documents]
        except (OSError, ValueError):
            _unmap(mapped)
            return None
        return cls(keys, rows, docnums, weights, ends, positions, offset_ends, offsets, mapped)

    def close(self) -> None:
        _unmap(self._mapped)
        self._mapped = []
        self.keys = self.rows = self.docnums = self.weights = self.ends = None
        self.positions_file = self.offset_ends = self.offsets_file = None

    def find(self, fieldname: str, tbytes: bytes) -> tuple[int, int] | None:
        """(first posting, number of postings) of the term; None when the
        segment lacks it; (0, AMBIGUOUS) when its key is shared (ask Whoosh)."""
        key = np.uint64(term_key(fieldname, tbytes))
        i = int(self.keys.searchsorted(key))
        if i == len(self.keys) or self.keys[i] != key:
            return None
        start, n = self.rows[i].tolist()
        return start, n

    def find_many(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """find() of many term keys (uint64) with one binary search: the
        (first posting, number of postings) rows of those the segment has,
        and their places in `keys`."""
        places = self.keys.searchsorted(keys).clip(max=max(len(self.keys) - 1, 0))
        present = np.flatnonzero(self.keys[places] == keys) if len(self.keys) else places[:0]
        return self.rows[places[present]], present

    def postings(self, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term's postings."""
        return self.docnums[start:start + n], self.weights[start:start + n]

    def positions(self, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(ends, positions) of a term's postings: posting i's positions are
        positions[ends[i - 1]:ends[i]] (from 0 for the first)."""
        first = int(self.ends[start - 1]) if start else 0
        ends = self.ends[start:start + n].astype(np.int64) - first
        return ends, self.positions_file[first:first + (int(ends[-1]) if n else 0)]

    def offsets(self, docnum: int) -> np.ndarray | None:
        """The character offset of the word at each position of the
        document's text; None when not written."""
        if self.offset_ends is None:
            return None
        stop = int(self.offset_ends[docnum])
        start = int(self.offset_ends[docnum - 1]) if docnum else 0
        base = len(self.offset_ends)
        return self.offsets_file[base + start:base + stop]


def _map(base: Path, ext: str, dtype, count: int, offset: int, size: int, mapped: list):
    """`count` items of `dtype` from `offset` of the file, which must be
    `size` bytes long (else it is not the table's)."""
    path = base.with_name(base.name + ext)
    if path.stat().st_size != size:
        raise ValueError(f"{path.name}: niet de omvang die de tabel noemt")
    if not count:
        return np.zeros(0, dtype=dtype)
    out = np.memmap(path, dtype=dtype, mode="r", shape=(count,), offset=offset)
    mapped.append(out)
    # Read as a plain array: slicing a memmap runs numpy's Python-level
    # memmap code on every slice (a tenth of the search's array reads).
    return out.view(np.ndarray)


def _unmap(arrays) -> None:
    # A map keeps its own file descriptor (and a deleted file's space).
    for mapped in arrays:
        if mapped is not None and getattr(mapped, "_mmap", None) is not None:
            mapped._mmap.close()
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
    return _matcher_postings(matcher, values)


def _matcher_postings(matcher, values: bool) -> tuple[array, array, list | None]:
    if not hasattr(matcher, "_read_ids"):  # postings inlined in the term table
        ids = list(matcher._ids)
        weights = list(matcher._weights) if matcher._weights else [1.0] * len(ids)
        return (array("I", ids), array("f", weights),
                list(matcher._values) if values else None)
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
            _add_postings(writer, reader, toc.schema)
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


def _add_postings(writer: ArrayWriter, reader, schema) -> None:
    """Every term's postings, in the order of Whoosh's term table (walked
    once, rather than a lookup per term)."""
    terms = getattr(reader, "_terms", None)
    if terms is None:  # an empty segment
        return
    fields = {}
    for (fieldname, tbytes), terminfo in terms.items():
        if fieldname not in fields:
            field = schema[fieldname]
            fields[fieldname] = (field.format, has_positions(field))
        format_, positions = fields[fieldname]
        matcher = terms._codec.postings_reader(terms._postfile, terminfo, format_,
                                               term=(fieldname, tbytes))
        writer.add(fieldname, tbytes, *_matcher_postings(matcher, positions))


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
