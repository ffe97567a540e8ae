"""Writing a fresh index fast: Whoosh segments written by several processes,
their postings gathered in memory.

Whoosh's own writer sends every posting through an external-sort pool
(pickled to disk and merged back) and then looks up each posting's field
length in the column it has just written; profiled on the shared corpus that
took more time than analysing the text. Here each process keeps its postings
in flat arrays (word positions raw), sorts the terms once and writes each
field's posting lists a chunk of terms at a time: gathered with numpy, then
encoded as Whoosh's own term table entries and posting blocks by one loop
per term (_TermWriter), so the segments on disk are ordinary Whoosh
segments (the same postings as Whoosh's writer gives: tested). Memory is
bounded by starting a new segment every SEGMENT_POSTINGS postings.
"""
from __future__ import annotations

import gc
import multiprocessing
from hashlib import md5
import zlib
from array import array
from collections import defaultdict
from itertools import accumulate, chain, islice, repeat
from operator import sub
from pickle import dumps
from typing import AbstractSet, Callable, Iterable, Iterator, Sequence

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.formats import Positions
from whoosh.index import TOC, Index, clean_files
from whoosh.reading import SegmentReader
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import DutchAnalyzer
from . import facet_codes
from .children import messages as child_messages, stop as stop_children
from .posting_arrays import (AMBIGUOUS, OFFSETS_FIELD, ArrayReader, ArrayWriter, has_positions,
                             read_postings, term_key)
from .runs import run_indexes
from .store import IndexBusy, WriteFailed

# Postings a process gathers before it writes them out as a segment. With
# the writer's other state, a process needs about 80 bytes per posting
# (measured on the scale corpus): some 280 MB here. The shared corpus fits
# in one segment per process (1.5 million postings each); 200,000 letters
# take about sixteen segments. With 4 million, the build of 200,000 letters
# peaked at 1,488 MB, 12 MB under the 1.5 GB it must stay below.
SEGMENT_POSTINGS = 3_500_000

# A document may carry its OFFSETS_FIELD text already analysed, under this
# key (not a field): (term -> positions, each position's character offset)
# as the field's DutchAnalyzer.index_positions() gives them.
ANALYSED_BODY = "_analysed_body"

# Segments are written as separate files, not as Whoosh's default compound
# file: whoosh-reloaded 2.7.5 opens each part of a compound file through
# BytesIO(memoryview), which copies it, so every process that opened the
# index held all postings and terms in memory (2.2 GB and 6 s to open at
# 200,000 letters). Separate files are read from the page cache on demand.


class _MemoryPostings:
    """Stands in for Whoosh's PostingPool: every posting in flat arrays,
    each term with the numbers of its postings, in the order they came.

    A posting's data is a run of `data` (it ends at ``ends[i]`` and starts
    where posting i - 1's ends): the raw word positions for a field with
    positions, else the number of its value bytes in `value_table`. Whoosh's
    encoding of positions (a pickle per posting) is made only when the
    segment is written, and the posting arrays take the raw positions as
    they are: they used to unpickle what had just been pickled."""

    def __init__(self):
        self.docnums = array("I")
        # Whoosh keeps weights as 4-byte floats in its posting blocks too.
        self.weights = array("f")
        self.ends = array("I")
        self.data = array("I")
        self.value_table: list[bytes] = []
        self._value_numbers: dict[bytes, int] = {}
        # field -> term -> posting number, or an array of them (most terms
        # occur once: an int is a tenth of the size of an array).
        self.fields: dict[str, dict[bytes, object]] = defaultdict(dict)

    def __len__(self) -> int:
        return len(self.docnums)

    def _add(self, fieldname, tbytes, docnum, weight) -> None:
        number = len(self.docnums)
        self.docnums.append(docnum)
        self.weights.append(weight)
        self.ends.append(len(self.data))
        terms = self.fields[fieldname]
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = number
        elif type(postings) is int:
            terms[tbytes] = array("I", (postings, number))
        else:
            postings.append(number)

    def add_positions(self, fieldname, tbytes, docnum, weight, positions) -> None:
        self.data.extend(positions)
        self._add(fieldname, tbytes, docnum, weight)

    def add_words(self, fieldname: str, docnum: int, words: dict[str, list[int]],
                  boost: float) -> int:
        """add_positions() for each word of a document's field (word ->
        positions, as DutchAnalyzer.index_positions gives them): the
        postings of nearly all words go this way. The arrays are extended a
        document at a time (C code per posting); only the terms' posting
        numbers are kept word by word. The terms stay str here (encoded
        once per term when written). Returns the field's length (its
        positions)."""
        docnums, data, ends = self.docnums, self.data, self.ends
        terms = self.fields[fieldname]
        get = terms.get
        number = len(docnums)
        counts = list(map(len, words.values()))
        length = len(data)
        data.extend(chain.from_iterable(words.values()))
        ends.extend(islice(accumulate(counts, initial=length), 1, None))
        docnums.extend(repeat(docnum, len(counts)))
        self.weights.extend(counts if boost == 1.0 else [n * boost for n in counts])
        for word in words:
            postings = get(word)
            if postings is None:
                terms[word] = number
            elif type(postings) is int:
                terms[word] = array("I", (postings, number))
            else:
                postings.append(number)
            number += 1
        return len(data) - length

    def add_value(self, fieldname, tbytes, docnum, weight, vbytes) -> None:
        number = self._value_numbers.get(vbytes)
        if number is None:
            number = self._value_numbers[vbytes] = len(self.value_table)
            self.value_table.append(vbytes)
        self.data.append(number)
        self._add(fieldname, tbytes, docnum, weight)

    def cleanup(self) -> None:
        self.__init__()


# Values per field whose postings a writing process remembers.
_REMEMBERED_VALUES = 4096


class _SegmentBuilder(SegmentWriter):
    """A SegmentWriter without the lock (the parent holds it) whose postings
    stay in memory. Only adding documents is supported: it writes new
    segments, never deletes (write_segments does) or merges."""

    def __init__(self, ix: Index):
        super().__init__(ix, _lk=False, compound=False)
        self.pool.cleanup()
        self.pool = _MemoryPostings()
        # field -> each document's field length as Whoosh's length byte.
        self._length_bytes: dict[str, bytearray] = defaultdict(bytearray)
        self._fields = [(name, self.schema[name]) for name in self.schema.names()]
        self._known_postings: dict[str, dict] = defaultdict(dict)
        for name, field in self._fields:
            if has_positions(field) and type(field.format) is not Positions:
                # Its postings would need more than positions (characters...).
                raise ValueError(f"veld {name}: alleen het formaat Positions wordt ondersteund")
        # Written beside the segment while its documents come in (see
        # posting_arrays): nothing of them is held in memory.
        self.arrays = ArrayWriter(self.storage.folder, self.newsegment.segment_id())

    def add_document(self, **fields):
        perdoc, pool = self.perdocwriter, self.pool
        docnum = self.docnum
        perdoc.start_doc(docnum)
        starts: list[int] = []
        for name, field in self._fields:
            value = fields.get(name)
            if value is None:
                continue
            length = 0
            if field.indexed:
                analyzer = getattr(field, "analyzer", None)
                if has_positions(field) and isinstance(analyzer, DutchAnalyzer):
                    if name != OFFSETS_FIELD:
                        words = analyzer.index_positions(value)
                    elif ANALYSED_BODY in fields:
                        words, known_starts = fields[ANALYSED_BODY]
                        starts.extend(known_starts)
                    else:
                        words = analyzer.index_positions(value, starts)
                    length = pool.add_words(name, docnum, words, field.format.field_boost)
                elif has_positions(field):
                    decode = field.format.decode_positions
                    for tbytes, freq, weight, vbytes in field.index(value):
                        length += freq
                        pool.add_positions(name, tbytes, docnum, weight, decode(vbytes))
                else:
                    for tbytes, freq, weight, vbytes in self._postings_of(name, field, value):
                        length += freq
                        pool.add_value(name, tbytes, docnum, weight, vbytes)
                if not field.scorable:
                    length = 0
                if length:
                    lengths = self._length_bytes[name]
                    lengths.extend(bytes(docnum + 1 - len(lengths)))
                    lengths[docnum] = length_to_byte(length)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.arrays.add_offsets(starts)
        self._added = True
        self.docnum += 1

    def _postings_of(self, name: str, field, value) -> list[tuple]:
        """field.index(value), remembered per field for its first
        _REMEMBERED_VALUES values: most fields other than the text repeat
        their values (a year, a dossier, a sender), and Whoosh analyses each
        through a chain of generators: indexing these fields of the shared
        corpus took 1.8 s, and 0.65 s so (one-off script)."""
        known = self._known_postings[name]
        postings = known.get(value)
        if postings is None:
            postings = list(field.index(value))
            if len(known) < _REMEMBERED_VALUES:
                known[value] = postings
        return postings

    def _flush_segment(self):
        self.perdocwriter.close()
        try:
            self._write_postings()
            self.fieldwriter.close()
            self.arrays.write()
        except BaseException:
            self.arrays.discard()
            raise
        self.pool.cleanup()

    def _close_segment(self):
        self.arrays.discard()
        super()._close_segment()

    def _write_postings(self) -> None:
        pool = self.pool
        columns = _PoolColumns(pool)
        for name in sorted(pool.fields):
            field = self.schema[name]
            terms = pool.fields[name]
            names = sorted(terms)  # str (add_words) in code point order: UTF-8's order
            order = array("I")
            counts = array("I")
            for tbytes in names:
                numbers = terms[tbytes]
                if type(numbers) is int:  # most terms occur once
                    order.append(numbers)
                    counts.append(1)
                else:
                    order.extend(numbers)
                    counts.append(len(numbers))
            # Its term table is no longer needed: the order says it all.
            del pool.fields[name], terms
            if names and type(names[0]) is str:
                names = [term.encode("utf-8") for term in names]
            lengths = self._length_bytes.get(name) if field.scorable else None
            _write_field(self.fieldwriter, self.arrays, name, field, names,
                         np.frombuffer(counts, dtype=np.uint32),
                         np.frombuffer(order, dtype=np.uint32), columns,
                         np.frombuffer(lengths, dtype=np.uint8) if lengths else None)


class _PoolColumns:
    """The pool's arrays as numpy views."""

    def __init__(self, pool: _MemoryPostings):
        self.docnums = np.frombuffer(pool.docnums, dtype=np.uint32)
        self.weights = np.frombuffer(pool.weights, dtype=np.float32)
        self.ends = np.frombuffer(pool.ends, dtype=np.uint32)
        self.data = np.frombuffer(pool.data, dtype=np.uint32)
        self.value_table = pool.value_table

    def data_runs(self, chosen):
        """Where the chosen postings' data starts, and how long it is."""
        stops = self.ends[chosen].astype(np.int64)
        before = chosen.astype(np.int64) - 1
        starts = np.where(before >= 0, self.ends[np.maximum(before, 0)], 0).astype(np.int64)
        return starts, stops - starts


# Postings of one field gathered at a time when a segment is written: the
# field's whole lists at once would take some 100 MB per process at 3.5
# million postings.
_CHUNK_POSTINGS = 1 << 16


def _write_field(fieldwriter, arrays: ArrayWriter, name: str, field, names: list,
                 counts, order, columns: _PoolColumns, lengths) -> None:
    """One field's terms, in term order, into Whoosh's term table and
    posting file and into the posting arrays, a chunk of terms at a time."""
    positional = has_positions(field)
    fieldwriter.start_field(name, field)
    terms = _TermWriter(fieldwriter, field.format)
    firsts = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
    begin = 0
    while begin < len(names):
        # Terms up to _CHUNK_POSTINGS postings further on (at least one).
        end = max(begin + 1, int(np.searchsorted(firsts, firsts[begin] + _CHUNK_POSTINGS,
                                                 side="right")) - 1)
        chosen = order[firsts[begin]:firsts[end]]
        chunk_counts = counts[begin:end]
        docnums = columns.docnums[chosen]
        weights = columns.weights[chosen]
        starts, sizes = columns.data_runs(chosen)
        data = columns.data[run_indexes(starts, sizes)]
        if positional:
            values = _position_values(data, sizes)
            arrays.add_terms(name, names[begin:end], chunk_counts, docnums, weights,
                             sizes, data)
        else:
            table = columns.value_table
            values = [table[i] for i in data.tolist()]
            arrays.add_terms(name, names[begin:end], chunk_counts, docnums, weights)
        terms.write(names[begin:end], chunk_counts.tolist(), docnums.tolist(),
                    weights.tolist(), values,
                    lengths[docnums].tolist() if lengths is not None else None)
        begin = end
    fieldwriter.finish_field()


# Whoosh's value bytes of a posting at one position, by position: most
# postings (a word once in a letter) are one of a few thousand.
class _SinglePositions(dict):
    def __missing__(self, delta: int) -> bytes:
        value = pack_uint(1) + dumps([delta], 2)
        if len(self) < 100_000:
            self[delta] = value
        return value


_SINGLE_POSITION = _SinglePositions()
# pickle.dumps(list, 2) of 2 to _BATCH ints: the list (memoised), a mark,
# each int (K: one byte, M: two, J: four), appends, stop. Longer lists are
# pickled in batches of _BATCH and left to pickle.
_LIST_START = np.frombuffer(b"\x80\x02]q\x00(", dtype=np.uint8)
_LIST_END = np.frombuffer(b"e.", dtype=np.uint8)
_BATCH = 1000


def _position_values(positions, sizes) -> list[bytes]:
    """whoosh.formats.Positions.encode() of each posting's run of positions
    (pack_uint(count) + the pickled list of position deltas), the same
    bytes. The postings at several positions are encoded together with
    numpy: one pickle.dumps() each took 1.7 s of the shared corpus's 8.7 s
    of writing postings in one process (one-off script)."""
    sizes = sizes.astype(np.int64)
    deltas = positions.astype(np.int64)
    deltas[1:] -= positions[:-1]
    firsts = np.cumsum(sizes) - sizes
    present = sizes > 0
    deltas[firsts[present]] = positions[firsts[present]]
    values = np.empty(len(sizes), dtype=object)
    single = sizes == 1
    values[single] = list(map(_SINGLE_POSITION.__getitem__, deltas[firsts[single]].tolist()))
    several = (sizes > 1) & (sizes <= _BATCH)
    values[several] = _encoded_lists(deltas, firsts[several], sizes[several])
    for i in np.flatnonzero(~single & ~several).tolist():   # none, or very many
        run = deltas[firsts[i]:firsts[i] + sizes[i]].tolist()
        values[i] = pack_uint(len(run)) + dumps(run, 2)
    return values.tolist()


def _encoded_lists(deltas, firsts, sizes) -> list[bytes]:
    """pack_uint(size) + pickle.dumps(list, 2) of each run of deltas (of 2
    to _BATCH non-negative ints below 2**31)."""
    if not len(sizes):
        return []
    items = deltas[run_indexes(firsts, sizes)]
    widths = np.where(items < 256, 2, np.where(items < 65536, 3, 5))
    head = 4 + len(_LIST_START)
    # Each run's bytes: pack_uint(size), the list's start, its items, its end.
    owner = np.repeat(np.arange(len(sizes)), sizes)
    item_bytes = np.bincount(owner, weights=widths, minlength=len(sizes)).astype(np.int64)
    lengths = head + item_bytes + len(_LIST_END)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    out[starts[:, None] + np.arange(4)] = (
        sizes[:, None] >> np.array([24, 16, 8, 0])) & 255      # big-endian uint
    out[starts[:, None] + np.arange(4, head)] = _LIST_START
    out[(ends - len(_LIST_END))[:, None] + np.arange(len(_LIST_END))] = _LIST_END
    # Where each item goes: after its run's head and the items before it.
    before = np.cumsum(widths) - widths
    run_first = np.cumsum(sizes) - sizes
    at = starts[owner] + head + before - before[run_first][owner]
    out[at] = np.where(widths == 2, ord("K"), np.where(widths == 3, ord("M"), ord("J")))
    out[at + 1] = items & 255
    wide = widths > 2
    out[at[wide] + 2] = (items[wide] >> 8) & 255
    widest = widths == 5
    out[at[widest] + 3] = (items[widest] >> 16) & 255
    out[at[widest] + 4] = (items[widest] >> 24) & 255
    blob = out.tobytes()
    return [blob[a:b] for a, b in zip(starts.tolist(), ends.tolist())]


_TERMINFO = W3TermInfo._struct
# A block's postings are pickled with protocol 3, which has bytes of its
# own: protocol 2 (Whoosh's) writes each posting's value bytes as a call to
# _codecs.encode of a str. Whoosh's reader unpickles any protocol.
_DATA_PROTOCOL = 3


class _TermWriter:
    """W3FieldWriter's start_term / add / finish_term for whole posting
    lists, writing the same term table entries and posting blocks as
    Whoosh's codec, with the file offsets counted here rather than asked of
    the file (a seek per call: a fifth of writing a segment) and without a
    Python call and four type checks per posting. Differences in the
    bytes: blocks are compressed at COMPRESSION rather than Whoosh's level
    3, and a block whose pickle is shorter than SMALL_BLOCK is stored
    uncompressed, which the reader supports (the compression level is in
    each block's header). Searches read postings from the posting arrays,
    so these blocks are read rarely; compressing them took 1.4 s of the
    shared corpus's 8.7 s of writing postings in one process, and 1.0 s so,
    for a posting file 1.5 MB larger (one-off script). And the value bytes
    of a posting at one position are shared (_SINGLE_POSITION), so a
    block's pickle refers back to a repeated value instead of repeating it:
    the same tuple when read, and a posting file 5% smaller."""

    SMALL_BLOCK = 256
    COMPRESSION = 1

    def __init__(self, fieldwriter, format_):
        self.table = fieldwriter._tindex
        self.postfile = fieldwriter._postfile
        self.prefix = pack_ushort(fieldwriter._fieldid)
        codec = fieldwriter._codec
        self.blocklimit = codec._blocklimit
        self.compression = self.COMPRESSION
        fixed = format_.fixed_value_size()
        # _mini_values(): values as a tuple, none, or joined when of fixed size.
        self.values = "tuple" if fixed is None or fixed < 0 else ("none" if fixed == 0 else "join")

    def write(self, names, counts, docnums, weights, values, lengths) -> None:
        """Terms with their postings, one after another in each list."""
        table, prefix = self.table, self.prefix
        hashes = table.buckets
        positions = table.index
        entries = bytearray()
        entry_at = table.dbfile.tell()
        blocks = bytearray()
        post_at = self.postfile.tell()
        level, small, values_as = self.compression, self.SMALL_BLOCK, self.values
        start = 0
        key = b""
        for tbytes, count in zip(names, counts):
            offset = post_at + len(blocks)
            blocks += WHOOSH3_HEADER_MAGIC
            if count == 1:
                # Two terms in three: one block of one posting, written here
                # without the general case's slices and loops.
                docnum, weight = docnums[start], weights[start]
                if values_as == "tuple":
                    mini_values = (values[start],)
                else:
                    mini_values = None if values_as == "none" else values[start]
                databytes = dumps(((docnum,), None if weight == 1.0 else weight, mini_values),
                                  _DATA_PROTOCOL)
                comp = level if len(databytes) >= small else 0
                if comp:
                    databytes = zlib.compress(databytes, comp)
                max_weight = weight if weight > 0 else 0
                min_byte = max_byte = lengths[start] if lengths is not None else 0
                infobytes = dumps((1, docnum, max_weight, comp, min_byte, max_byte), 2)
                blocks += pack_int(-(len(infobytes) + len(databytes)))
                blocks += infobytes
                blocks += databytes
                total_weight = weight
                last_docnum = docnum
            else:
                total_weight, max_weight, min_byte, max_byte = self._blocks(
                    blocks, start, start + count, docnums, weights, values, lengths)
                last_docnum = docnums[start + count - 1]
            # W3TermInfo.to_bytes(), then OrderedHashWriter.add()
            info = _TERMINFO.pack(0, total_weight, count, min_byte, max_byte, max_weight,
                                  docnums[start], last_docnum)
            info += pack_long(offset) + pack_int(post_at + len(blocks) - offset)
            key = prefix + tbytes
            at = entry_at + len(entries)
            positions.append(at)
            entries += _LENGTHS.pack(len(key), len(info))
            entries += key
            entries += info
            h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
            hashes[h & 255].append((h, at))
            start += count
        self.postfile.write(bytes(blocks))
        table.dbfile.write(bytes(entries))
        table.lastkey = key

    def _blocks(self, blocks: bytearray, start: int, stop: int, docnums, weights, values,
                lengths) -> tuple:
        """W3PostingsWriter's blocks of one term's postings (start..stop),
        added to `blocks`; the W3TermInfo.add_block() statistics: (total
        weight, maximum weight, minimum and maximum length byte)."""
        limit, level, small, values_as = (self.blocklimit, self.compression, self.SMALL_BLOCK,
                                          self.values)
        total_weight = 0
        max_weight = 0
        min_byte = max_byte = 0
        for first in range(start, stop, limit):
            last = min(stop, first + limit)
            n = last - first
            ids = docnums[first:last]
            block_weights = weights[first:last]
            weight = block_weights[0]
            if n == 1 or block_weights.count(weight) == n:
                mini_weights = None if weight == 1.0 else weight
            else:
                mini_weights = tuple(block_weights)
            if values_as == "tuple":
                mini_values = tuple(values[first:last])
            elif values_as == "none":
                mini_values = None
            else:
                mini_values = b"".join(values[first:last])
            mini_ids = (ids[0],) if n == 1 else (ids[0], *map(sub, ids[1:], ids[:-1]))
            databytes = dumps((mini_ids, mini_weights, mini_values), _DATA_PROTOCOL)
            comp = level if len(databytes) >= small else 0
            if comp:
                databytes = zlib.compress(databytes, comp)
            block_max = max(0, max(block_weights))
            if lengths is not None:
                known = [b for b in lengths[first:last] if b]
                block_min, block_top = (min(known), max(known)) if known else (0, 0)
            else:
                block_min = block_top = 0
            infobytes = dumps((n, ids[-1], block_max, comp, block_min, block_top), 2)
            size = len(infobytes) + len(databytes)
            blocks += pack_int(-size if last == stop else size)
            blocks += infobytes
            blocks += databytes
            total_weight += sum(block_weights)
            if block_max > max_weight:
                max_weight = block_max
            if block_min and (not min_byte or block_min < min_byte):
                min_byte = block_min
            if block_top > max_byte:
                max_byte = block_top
        return total_weight, max_weight, min_byte, max_byte


def write_segments(ix: Index, items: Sequence, make_document: Callable[[object], dict],
                   procs: int, progress: Callable[[int], None] | None = None,
                   delete: Sequence[tuple[str, str]] = (),
                   drop: AbstractSet[str] = frozenset()) -> list:
    """Write one document per item (``make_document(item)``, called in the
    writing process) as new segments of `ix` and commit them. `procs`
    processes write them, each taking the next batch of items (WRITE_BATCH,
    fewer when there are few) when done with its last (the items are
    inherited by fork rather than pickled).
    The documents holding one of the `delete` terms ((field, text)
    pairs, each naming one document at most: an update's old versions)
    leave the index in the same commit, so a reader never sees a letter
    twice or not at all, as do the segments whose ids are in `drop`,
    whole. Nobody else may be writing to `ix`."""
    progress = progress or (lambda done: None)
    procs = _processes(len(items), procs)
    lock = ix.lock("WRITELOCK")
    if not lock.acquire(False):
        raise IndexBusy(f"De index in {ix.storage.folder} wordt al door een ander proces geschreven.")
    try:
        if procs <= 1:
            try:
                segments = _write_share(ix, items, make_document, range(len(items)), progress)
            except Exception as exc:
                raise WriteFailed(_failure(exc)) from exc
        else:
            segments = _write_in_processes(ix, items, make_document, procs, progress)
        toc = ix._read_toc()
        segments = _with_deletions(ix, toc, delete, drop) + segments
        generation = toc.generation + 1
        TOC(toc.schema, segments, generation).write(ix.storage, ix.indexname)
        clean_files(ix.storage, ix.indexname, generation, segments)
    finally:
        # Shared by every writing process (Whoosh names it after the index),
        # so it is removed only once all of them are done.
        ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()
        lock.release()
    return segments


def _with_deletions(ix: Index, toc: TOC, terms: Sequence[tuple[str, str]],
                    drop: AbstractSet[str] = frozenset()) -> list:
    """The index's segments but those in `drop`, with every document that
    holds one of the terms marked deleted, as Whoosh's writer marks them:
    in the segment, saved with the table of contents. Segments left
    without a document are dropped (their files go with the commit): when
    every letter is written again (corpus.files.READER_REVISION), the old
    segments would otherwise double the index on disk and be visited by
    every search."""
    segments = [segment for segment in toc.segments if segment.segment_id() not in drop]
    for segment, _, docnum in live_documents(ix.storage, toc.schema, segments, terms):
        segment.delete_document(docnum)
    return [segment for segment in segments if segment.doc_count()]


def live_documents(storage, schema, segments: Sequence, terms: Iterable[tuple[str, str]]
                   ) -> Iterator[tuple[object, tuple[str, str], int]]:
    """(segment, term, document number) of the documents not deleted that
    hold the terms, each of which names one document at most (an id, a
    source): a term found is not looked for in the segments after. Found
    in each segment's posting arrays at once, with one binary search:
    looked up one by one in Whoosh's term table, deleting the old versions
    of 2,000 letters at 200,000 took 0.22-0.27 s, now 0.06 s."""
    remaining = list(dict.fromkeys(terms))
    for segment in segments:
        if not remaining:
            return
        found: set[tuple[str, str]] = set()
        for term, docnum in _segment_documents(storage, schema, segment, remaining):
            if not segment.is_deleted(docnum):
                found.add(term)
                yield segment, term, docnum
        remaining = [term for term in remaining if term not in found]


def _segment_documents(storage, schema, segment, terms: list[tuple[str, str]]):
    """(term, document number) of each of the segment's postings of the
    terms, deleted documents included."""
    tbytes = [schema[field].to_bytes(text) for field, text in terms]
    arrays = ArrayReader.open(storage.folder, segment.segment_id(), segment.doc_count_all())
    if arrays is not None:
        try:
            keys = np.array([term_key(field, raw) for (field, _), raw in zip(terms, tbytes)],
                            dtype=np.uint64)
            rows, places = arrays.find_many(keys)
            if not (rows[:, 1] == AMBIGUOUS).any():
                for (start, n), place in zip(rows.tolist(), places.tolist()):
                    for docnum in arrays.docnums[start:start + n].tolist():
                        yield terms[place], docnum
                return
        finally:
            arrays.close()
    # No arrays yet (index.posting_arrays.complete) or two terms sharing
    # a key: Whoosh's term table.
    reader = SegmentReader(storage, schema, segment)
    try:
        for term, raw in zip(terms, tbytes):
            found = read_postings(reader, term[0], raw)
            if found is not None:
                for docnum in found[0]:
                    yield term, docnum
    finally:
        reader.close()


# Fewer letters than this per process, and forking costs more than it
# saves. Alternated on the shared corpus (Intel machine, 2026-12-04), a
# whole update of 160 letters took 1.04-1.12 s written by two processes
# against 1.14-1.30 s by one, of 64 letters 0.90-0.96 s against 0.93-1.01 s.
# (Until then 500 a process: measured on another machine, before the
# writing processes analysed the letters themselves.)
LETTERS_PER_PROCESS = 50


def _processes(total: int, procs: int) -> int:
    return max(1, min(procs, total // LETTERS_PER_PROCESS or 1))


# Items a writing process takes at a time. With a fixed share each (every
# procs-th item), one would wait idle for the other whenever the other's
# core is slowed down for a while, which on a shared machine happens
# (rounds of the same build took 20 s and 28 s here; in the runs measured
# the two finished within half a second of each other either way).
# Contiguous halves of the shared corpus took 32 s and 86 s to write (its
# folders hold letters of very different lengths).
WRITE_BATCH = 32


def _write_share(ix, items, make_document, numbers: Iterable[int], progress) -> list:
    """Documents of the items with these numbers as segments."""
    segments = []
    numbers = iter(numbers)
    done = 0
    n = next(numbers, None)
    while n is not None:
        builder = _SegmentBuilder(ix)
        titles = []   # the dossier titles, for the segment's facet codes
        try:
            while n is not None and len(builder.pool) < SEGMENT_POSTINGS:
                document = make_document(items[n])
                titles.append(document.get("dossier_title") or "")
                builder.add_document(**document)
                n = next(numbers, None)
                done += 1
                if done % 200 == 0:
                    progress(done)
            segment = builder._finalize_segment()
        except BaseException:
            builder._close_segment()
            raise
        # Coded here, by the process that wrote the segment: once, and by
        # every writing process at the same time.
        facet_codes.write(ix.storage, builder.schema, segment, titles)
        segments.append(segment)
    progress(done)
    return segments


# What the forked writing processes inherit: (ix, items, make_document,
# tasks, queue).
_inherited: tuple | None = None


def _child(number: int) -> None:
    ix, items, make_document, tasks, queue = _inherited

    def taken():
        for first, stop in iter(tasks.get, None):
            yield from range(first, stop)

    try:
        segments = _write_share(ix, items, make_document, taken(),
                                lambda done: queue.put(("progress", number, done)))
        queue.put(("done", number, segments))
    except BaseException as exc:
        queue.put(("error", number, _failure(exc)))


def _failure(exc: BaseException) -> str:
    return (f"Schrijven van de index mislukt ({type(exc).__name__}: {exc}); "
            "de vorige index is bewaard.")


def _write_in_processes(ix, items, make_document, procs: int, progress) -> list:
    global _inherited
    ctx = multiprocessing.get_context("fork")
    tasks, queue = ctx.SimpleQueue(), ctx.Queue()
    _inherited = (ix, items, make_document, tasks, queue)
    children = [ctx.Process(target=_child, args=(number,), daemon=True)
                for number in range(procs)]
    results: dict[int, list] = {}
    done: dict[int, int] = {}

    def died():
        return WriteFailed("Een schrijfproces is onverwacht gestopt; de vorige index is bewaard.")

    # The children only read the parent's letters; with the collector kept
    # off them, their pages stay shared instead of being copied per child.
    gc.freeze()
    try:
        for child in children:
            child.start()
        # Smaller batches for a small update, so that its processes finish
        # together: 160 letters in batches of 32 went 96 to one, 64 to the
        # other.
        batch = max(1, min(WRITE_BATCH, len(items) // (4 * procs)))
        for first in range(0, len(items), batch):
            tasks.put((first, min(first + batch, len(items))))
        for _ in children:
            tasks.put(None)
        for kind, number, payload in child_messages(queue, children, died):
            if kind == "error":
                raise WriteFailed(payload)
            if kind == "progress":
                done[number] = payload
                progress(sum(done.values()))
            else:
                results[number] = payload
                if len(results) == procs:
                    break
    finally:
        gc.unfreeze()
        _inherited = None
        stop_children(children)
    return [segment for number in sorted(results) for segment in results[number]]
