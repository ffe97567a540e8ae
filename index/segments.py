"""Writing a fresh index fast: Whoosh segments written by several processes,
their postings gathered in memory.

Whoosh's own writer sends every posting through an external-sort pool
(pickled to disk and merged back) and then looks up each posting's field
length in the column it has just written; profiled on the shared corpus that
took more time than analysing the text. Here each process keeps its postings
in flat arrays, sorts the terms once and hands them to the same codec, so
the segments on disk are ordinary Whoosh segments. Memory is bounded by
starting a new segment every SEGMENT_POSTINGS postings.
"""
from __future__ import annotations

import gc
import multiprocessing
import zlib
from array import array
from collections import defaultdict
from operator import sub
from pickle import dumps
from queue import Empty
from typing import Callable, Sequence

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.formats import Positions
from whoosh.index import TOC, Index, clean_files
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import DutchAnalyzer
from .posting_arrays import OFFSETS_FIELD, ArrayWriter, has_positions
from .store import IndexBusy, WriteFailed

# Postings a process gathers before it writes them out as a segment. With
# the writer's other state, a process needs about 80 bytes per posting
# (measured on the scale corpus): some 280 MB here. The shared corpus fits
# in one segment per process (1.5 million postings each); 200,000 letters
# take about sixteen segments. With 4 million, the build of 200,000 letters
# peaked at 1,488 MB, 12 MB under the 1.5 GB it must stay below.
SEGMENT_POSTINGS = 3_500_000

# Segments are written as separate files, not as Whoosh's default compound
# file: whoosh-reloaded 2.7.5 opens each part of a compound file through
# BytesIO(memoryview), which copies it, so every process that opened the
# index held all postings and terms in memory (2.2 GB and 6 s to open at
# 200,000 letters). Separate files are read from the page cache on demand.


class _MemoryPostings:
    """Stands in for Whoosh's PostingPool: every posting in flat arrays
    (about 22 bytes each, against some 100 as Python objects), each term
    with the numbers of its postings, in the order they came."""

    def __init__(self):
        self.docnums = array("I")
        # Whoosh keeps weights as 4-byte floats in its posting blocks too.
        self.weights = array("f")
        self.ends = array("I")
        self.values = bytearray()
        # field -> term -> posting number, or an array of them (most terms
        # occur once: an int is a tenth of the size of an array).
        self.fields: dict[str, dict[bytes, object]] = defaultdict(dict)

    def __len__(self) -> int:
        return len(self.docnums)

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_posting(fieldname, tbytes, docnum, weight, vbytes)

    def add_posting(self, fieldname, tbytes, docnum, weight, vbytes) -> None:
        number = len(self.docnums)
        self.docnums.append(docnum)
        self.weights.append(weight)
        if vbytes:
            self.values += vbytes
        self.ends.append(len(self.values))
        terms = self.fields[fieldname]
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = number
        elif type(postings) is int:
            terms[tbytes] = array("I", (postings, number))
        else:
            postings.append(number)

    def postings(self, fieldname: str, tbytes: bytes):
        """(docnum, weight, value bytes) of one term, in document order."""
        numbers = self.fields[fieldname][tbytes]
        docnums, weights, ends, values = self.docnums, self.weights, self.ends, self.values
        for i in ((numbers,) if type(numbers) is int else numbers):
            yield docnums[i], weights[i], bytes(values[ends[i - 1] if i else 0:ends[i]])

    def values_of(self, numbers) -> list[bytes]:
        """The value bytes of the given postings."""
        ends, values = self.ends, self.values
        return [bytes(values[ends[i - 1] if i else 0:ends[i]]) for i in numbers]

    def cleanup(self) -> None:
        self.__init__()


class _SegmentBuilder(SegmentWriter):
    """A SegmentWriter without the lock (the parent holds it) whose postings
    stay in memory. Only adding documents is supported: it writes new
    segments of a fresh index, never deletes or merges."""

    def __init__(self, ix: Index):
        super().__init__(ix, _lk=False, compound=False)
        self.pool.cleanup()
        self.pool = _MemoryPostings()
        self._lengths: dict[str, dict[int, int]] = defaultdict(dict)
        self._fields = [(name, self.schema[name]) for name in self.schema.names()]
        # Written beside the segment while its documents come in (see
        # posting_arrays): nothing of them is held in memory.
        self.arrays = ArrayWriter(self.storage.folder, self.newsegment.segment_id())

    def add_document(self, **fields):
        perdoc, add = self.perdocwriter, self.pool.add_posting
        docnum = self.docnum
        perdoc.start_doc(docnum)
        starts: list[int] = []
        for name, field in self._fields:
            value = fields.get(name)
            if value is None:
                continue
            length = 0
            if field.indexed:
                scorable = field.scorable
                for tbytes, freq, weight, vbytes in _index(
                        field, value, starts if name == OFFSETS_FIELD else None):
                    if scorable:
                        length += freq
                    add(name, tbytes, docnum, weight, vbytes)
                if length:
                    self._lengths[name][docnum] = byte_to_length(length_to_byte(length))
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.arrays.add_offsets(starts)
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        try:
            self._write_postings(self.arrays)
            self.fieldwriter.close()
            self.arrays.write()
        except BaseException:
            self.arrays.discard()
            raise
        self.pool.cleanup()

    def _close_segment(self):
        self.arrays.discard()
        super()._close_segment()

    def _write_postings(self, arrays: ArrayWriter) -> None:
        writer, schema, pool = self.fieldwriter, self.schema, self.pool
        all_docnums = np.frombuffer(pool.docnums, dtype=np.uint32)
        all_weights = np.frombuffer(pool.weights, dtype=np.float32)
        for name in sorted(pool.fields):
            terms = pool.fields[name]
            field = schema[name]
            lengths = self._lengths.get(name, {}) if field.scorable else {}
            positions = has_positions(field)
            writer.start_field(name, field)
            postings = writer._postwriter
            postings._write_block = _BlockWriter(postings, field.format)
            for tbytes in sorted(terms):
                writer.start_term(tbytes)
                numbers = terms[tbytes]
                if type(numbers) is int:  # most terms occur once
                    docnum, weight, vbytes = next(pool.postings(name, tbytes))
                    writer.add(docnum, weight, vbytes, lengths.get(docnum, 0))
                    arrays.add(name, tbytes, (docnum,), (weight,),
                               (vbytes,) if positions else None)
                else:
                    chosen = np.frombuffer(numbers, dtype=np.uint32)
                    docnums, weights = all_docnums[chosen], all_weights[chosen]
                    ids = docnums.tolist()
                    values = pool.values_of(numbers)
                    _add_postings(postings, ids, weights.tolist(), values,
                                  [lengths.get(d, 0) for d in ids])
                    arrays.add(name, tbytes, docnums, weights, values if positions else None)
                writer.finish_term()
            writer.finish_field()


def _add_postings(writer, docnums: list, weights: list, values: list, lengths: list) -> None:
    """W3PostingsWriter.add_posting() for a whole posting list, a block at a
    time: the same blocks and block statistics, without a Python call and
    four type checks per posting (a fifth of a build's time)."""
    limit = writer._blocklimit
    total = len(docnums)
    for start in range(0, total, limit):
        if writer._ids:
            writer._write_block()
        stop = min(total, start + limit)
        writer._ids = array("I", docnums[start:stop])
        block_weights = weights[start:stop]
        writer._weights = array("f", block_weights)
        writer._maxweight = max(0, max(block_weights))
        writer._values = [v for v in values[start:stop] if v]
        known = [n for n in lengths[start:stop] if n]
        writer._minlength = min(known) if known else None
        writer._maxlength = max(known) if known else 0


class _BlockWriter:
    """W3PostingsWriter._write_block() with the same blocks in less time
    (the block codec was a quarter of writing a segment; most blocks hold
    one posting). One difference in the bytes: a block whose pickle is
    shorter than SMALL_BLOCK is stored uncompressed, which the reader
    supports (the compression level is in each block's header) and which
    is smaller too (zlib adds more than it saves on a few bytes)."""

    SMALL_BLOCK = 64

    def __init__(self, postings, format_):
        self.postings = postings
        fixed = format_.fixed_value_size()
        # _mini_values(): values as a tuple, none, or joined when of fixed size.
        self.values = "tuple" if fixed is None or fixed < 0 else ("none" if fixed == 0 else "join")

    def __call__(self, last: bool = False) -> None:
        w = self.postings
        postfile = w._postfile
        if not w._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        w._terminfo.add_block(w)
        ids, weights = w._ids, w._weights
        n = len(ids)
        first = weights[0]
        if weights.count(first) == n:
            mini_weights = None if first == 1.0 else first
        else:
            mini_weights = tuple(weights)
        if self.values == "tuple":
            mini_values = tuple(w._values)
        elif self.values == "none":
            mini_values = None
        else:
            mini_values = b"".join(w._values)
        mini_ids = (ids[0],) if n == 1 else (ids[0], *map(sub, ids[1:], ids[:-1]))
        databytes = dumps((mini_ids, mini_weights, mini_values), 2)
        comp = w._compression if len(databytes) >= self.SMALL_BLOCK else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps((n, ids[-1], w._maxweight, comp, length_to_byte(w._minlength),
                           length_to_byte(w._maxlength)), 2)
        length = len(infobytes) + len(databytes)
        postfile.write_int(-length if last else length)
        postfile.write(infobytes)
        postfile.write(databytes)
        w._blockcount += 1
        w._new_block()


def _index(field, value, starts: list | None = None):
    """field.index(value), with the Dutch analyzer's fast path for fields
    with positions (body and title: nearly all the work); `starts` gets the
    words' character offsets (see DutchAnalyzer.index_positions)."""
    analyzer = getattr(field, "analyzer", None)
    if isinstance(analyzer, DutchAnalyzer) and type(field.format) is Positions:
        boost = field.format.field_boost
        for word, positions in analyzer.index_positions(value, starts).items():
            yield (word.encode("utf-8"), len(positions), len(positions) * boost,
                   _encode_positions(positions))
        return
    yield from field.index(value)


def _encode_positions(positions: list[int]) -> bytes:
    """whoosh.formats.Positions.encode, with the deltas taken in C."""
    return pack_uint(len(positions)) + dumps(list(map(sub, positions, [0, *positions])), 2)


def write_segments(ix: Index, items: Sequence, make_document: Callable[[object], dict],
                   procs: int, progress: Callable[[int], None] | None = None) -> list:
    """Write one document per item (``make_document(item)``, called in the
    writing process) as new segments of `ix` and commit them. `procs`
    processes each write a share of `items`, inherited by fork rather than
    pickled. Nobody else may be writing to `ix`."""
    progress = progress or (lambda done: None)
    shares = _shares(len(items), procs)
    lock = ix.lock("WRITELOCK")
    if not lock.acquire(False):
        raise IndexBusy(f"De index in {ix.storage.folder} wordt al door een ander proces geschreven.")
    try:
        if len(shares) <= 1:
            try:
                segments = _write_share(ix, items, make_document, range(len(items)), progress)
            except Exception as exc:
                raise WriteFailed(_failure(exc)) from exc
        else:
            segments = _write_in_processes(ix, items, make_document, shares, progress)
        toc = ix._read_toc()
        segments = list(toc.segments) + segments
        generation = toc.generation + 1
        TOC(toc.schema, segments, generation).write(ix.storage, ix.indexname)
        clean_files(ix.storage, ix.indexname, generation, segments)
    finally:
        # Shared by every writing process (Whoosh names it after the index),
        # so it is removed only once all of them are done.
        ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()
        lock.release()
    return segments


def _shares(total: int, procs: int) -> list[range]:
    """Every procs-th item to each process. Contiguous halves of the shared
    corpus took 32 s and 86 s to write (its folders hold letters of very
    different lengths), so one process worked alone for most of the time."""
    # Forking for a few hundred letters costs more than it saves.
    procs = max(1, min(procs, total // 500 or 1))
    return [range(first, total, procs) for first in range(procs)]


def _write_share(ix, items, make_document, share: range, progress) -> list:
    segments = []
    numbers = iter(share)
    done = 0
    n = next(numbers, None)
    while n is not None:
        builder = _SegmentBuilder(ix)
        try:
            while n is not None and len(builder.pool) < SEGMENT_POSTINGS:
                builder.add_document(**make_document(items[n]))
                n = next(numbers, None)
                done += 1
                if done % 200 == 0:
                    progress(done)
            segments.append(builder._finalize_segment())
        except BaseException:
            builder._close_segment()
            raise
    progress(len(share))
    return segments


# What the forked writing processes inherit: (ix, items, make_document, queue).
_inherited: tuple | None = None


def _child(share: range) -> None:
    ix, items, make_document, queue = _inherited
    start = share.start
    try:
        segments = _write_share(ix, items, make_document, share,
                                lambda done: queue.put(("progress", start, done)))
        queue.put(("done", start, segments))
    except BaseException as exc:
        queue.put(("error", start, _failure(exc)))


def _failure(exc: BaseException) -> str:
    return (f"Schrijven van de index mislukt ({type(exc).__name__}: {exc}); "
            "de vorige index is bewaard.")


def _write_in_processes(ix, items, make_document, shares, progress) -> list:
    global _inherited
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    _inherited = (ix, items, make_document, queue)
    children = [ctx.Process(target=_child, args=(share,), daemon=True) for share in shares]
    results: dict[int, list] = {}
    done: dict[int, int] = {}
    # The children only read the parent's letters; with the collector kept
    # off them, their pages stay shared instead of being copied per child.
    gc.freeze()
    try:
        for child in children:
            child.start()
        while len(results) < len(shares):
            try:
                kind, start, payload = queue.get(timeout=0.5)
            except Empty:
                if any(child.exitcode not in (None, 0) for child in children):
                    raise WriteFailed("Een schrijfproces is onverwacht gestopt; de vorige index is bewaard.") from None
                continue
            if kind == "error":
                raise WriteFailed(payload)
            if kind == "progress":
                done[start] = payload
                progress(sum(done.values()))
            else:
                results[start] = payload
    finally:
        gc.unfreeze()
        _inherited = None
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
    return [segment for start in sorted(results) for segment in results[start]]
