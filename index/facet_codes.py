"""Each segment's facet values coded as numbers, kept in a file beside it.
And each letter's dossier title, from which the dossiers' titles are told.

Searches count facets with numpy over these codes (search.facets). Coding
them from Whoosh's columns took every process that opens the index 0.8-0.9 s
at 200,000 letters: every `kamerzoek search` on the command line, and every
server's start. A segment never changes (deleting a letter only marks it),
so it is coded once, by the process that writes it, and the codes are kept
in <segment>.kzf, named after it so that Whoosh removes the file with the
segment. A segment without the file (an index made before, a disk that was
full) is coded from its columns when opened, as before.
"""
from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path
from typing import Iterable

import numpy as np
from whoosh.columns import VarBytesColumn
from whoosh.reading import SegmentReader

from corpus.atomic import write_atomic

from .schema import FACET_FIELDS, MULTI_VALUED, UNKNOWN

# Raised when the coding changes, so that files coded otherwise are not read.
FORMAT_VERSION = 2
EXT = ".kzf"
# Whatever a missing, damaged or foreign file may raise when unpickled.
_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError,
               ImportError, TypeError, IndexError)


@dataclass
class Facet:
    """One facet of a segment: its (document, value) pairs as parallel
    arrays of numbers, and the value each number stands for."""
    labels: list[str]
    codes: np.ndarray          # int64, a value's number per pair
    docs: np.ndarray | None    # int64, the document of each pair; None: pair i is document i


@dataclass
class SegmentCodes:
    size: int                  # documents in the segment, deleted ones included
    facets: dict[str, Facet]   # by facet name (index.schema.FACET_FIELDS)
    dates: list[str]           # each document's date
    # Each document's dossier title ("" when it has none; None when not
    # known: a segment coded when opened, see code()).
    titles: Facet


def code(reader, titles: list[str | None] | None = None) -> SegmentCodes:
    """The codes of one segment (a Whoosh segment reader), from its columns,
    with its documents' dossier `titles` if given. Without them every title
    is None: reading them all from the stored records made the first
    `kamerzoek search` of an index without codes take 12 s at 200,000
    letters; a search reads the titles of the dossiers it shows instead."""
    facets = {}
    for name, fieldname in FACET_FIELDS.items():
        column = _column(reader, fieldname)
        if name in MULTI_VALUED:
            facets[name] = _coded_multi(_split_all(column, MULTI_VALUED[name]))
        else:
            facets[name] = _coded_single(column)
    dates = _column(reader, "date")
    if titles is None:
        titles = [None] * len(dates)
    return SegmentCodes(len(dates), facets, dates,
                        _coded_single([None if t is None else shown_title(t) for t in titles]))


def shown_title(title: str | None) -> str:
    """A dossier title as it is shown: OCR letters break lines inside it."""
    return " ".join((title or "").split())


def save(folder: Path, segment_id: str, codes: SegmentCodes) -> None:
    # A short header first: telling whether a segment has codes that fit
    # (complete(), every update) reads only that.
    header = {"version": FORMAT_VERSION, "size": codes.size, "facets": sorted(codes.facets)}
    write_atomic(Path(folder) / (segment_id + EXT),
                 pickle.dumps(header) + pickle.dumps(codes, protocol=pickle.HIGHEST_PROTOCOL))


def load(folder: Path, segment_id: str, size: int) -> SegmentCodes | None:
    """The segment's codes on file, or None when there are none that fit a
    segment of `size` documents with today's facets."""
    try:
        with open(Path(folder) / (segment_id + EXT), "rb") as f:
            if not _fits(pickle.load(f), size):
                return None
            codes = pickle.load(f)
    except _UNREADABLE:
        return None
    return codes if isinstance(codes, SegmentCodes) and codes.size == size else None


def has_codes(folder: Path, segment_id: str, size: int) -> bool:
    try:
        with open(Path(folder) / (segment_id + EXT), "rb") as f:
            return _fits(pickle.load(f), size)
    except _UNREADABLE:
        return False



def _fits(header, size: int) -> bool:
    return (isinstance(header, dict) and header.get("version") == FORMAT_VERSION
            and header.get("size") == size and header.get("facets") == sorted(FACET_FIELDS))


def write(storage, schema, segment, titles: list[str] | None = None) -> bool:
    """Code a segment (`titles`: its documents' dossier titles, when the
    writer has them; else read from the stored records) and keep the codes
    beside it. False when they could not be written (a full disk: the
    segment is coded when opened instead)."""
    reader = SegmentReader(storage, schema, segment)
    try:
        codes = code(reader, titles if titles is not None else _stored_titles(reader))
    finally:
        reader.close()
    try:
        save(Path(storage.folder), segment.segment_id(), codes)
    except OSError:
        return False
    return True


def complete(ix) -> int:
    """Code the segments of `ix` that have no codes on file (made by Whoosh's
    own writer, or by a kamerzoek from before); how many were written."""
    folder = Path(ix.storage.folder)
    toc = ix._read_toc()
    written = 0
    for segment in toc.segments:
        if not has_codes(folder, segment.segment_id(), segment.doc_count_all()):
            written += write(ix.storage, toc.schema, segment)
    return written


def _column(reader, fieldname: str) -> list:
    """Every document's value of the field's column, as Whoosh's
    column_reader() gives them."""
    field = reader.schema[fieldname]
    raw = _raw_values(reader.column_reader(fieldname, translate=False))
    # A value is decoded once: most recur (years, types, senders).
    decoded: dict[bytes, object] = {}
    return [decoded[value] if value in decoded
            else decoded.setdefault(value, field.from_column_value(value))
            for value in raw]


def _stored_titles(reader) -> list[str]:
    """Each document's dossier title, from its stored record: for a segment
    written by a kamerzoek from before the codes were kept, once."""
    return [json.loads(reader.stored_fields(docnum)["record"]).get("dossier_title") or ""
            for docnum in range(reader.doc_count_all())]


def _raw_values(column) -> Iterable[bytes]:
    """The column's values as bytes. Whoosh reads a VarBytesColumn a value
    at a time, a seek and a read each; here its data is read at once. With
    the decoding and splitting of each distinct value once, the facet table
    of 200,000 letters took 0.9 s to make instead of 2.7-2.8 s."""
    lengths = getattr(column, "_lengths", None)
    if type(column) is not VarBytesColumn.Reader or lengths is None:
        return column
    ends = list(accumulate(lengths))
    data = column._dbfile.get(column._basepos, ends[-1]) if ends else b""
    return [data[start:end] for start, end in zip([0, *ends], ends)]


def _coded_single(column: list) -> Facet:
    codes: dict[str, int] = {}
    numbers = np.fromiter((codes.setdefault(v, len(codes)) for v in column),
                          dtype=np.int64, count=len(column))
    return Facet(list(codes), numbers, None)


def _coded_multi(column: list[tuple[str, ...]]) -> Facet:
    codes: dict[str, int] = {}
    # Coded once per distinct set of values (_split_all shares them).
    coded: dict[tuple, tuple] = {}
    rows = [coded[values] if values in coded else coded.setdefault(
                values, tuple(codes.setdefault(v, len(codes)) for v in values))
            for values in column]
    sizes = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    docs = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
    numbers = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(sizes.sum()))
    return Facet(list(codes), numbers, docs)


def _split_all(column: list, separator: str) -> list[tuple[str, ...]]:
    """_split() of each value, once per distinct value (a few thousand
    combinations of topics or senders among 200,000 letters)."""
    done: dict = {}
    out = []
    for value in column:
        if not isinstance(value, (str, bytes)):
            out.append(tuple(_split(value, separator)))
            continue
        parts = done.get(value)
        if parts is None:
            parts = done[value] = tuple(_split(value, separator))
        out.append(parts)
    return out


def _split(value, separator: str) -> list[str]:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in value] or [UNKNOWN]
    parts = [p.strip() for p in (value or "").split(separator) if p.strip()]
    return parts or [UNKNOWN]
