"""Facet counts from per-document value tables.

Whoosh's grouped search reads column values document by document for every
query (and highlighting on grouped results is very slow). Instead the facet
values of every document are coded as numbers when its segment is written
(index.facet_codes) and read once per opened index, and a query's counts
are a bincount over its matching documents: counts over all matches, never
over a truncated page.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from index import facet_codes
from index.facet_codes import Facet, shown_title
from index.schema import FACET_FIELDS, MULTI_VALUED, UNKNOWN

# A multi-valued facet gathers the pairs of the chosen documents when they
# are fewer than 1/_FEW of all (else it filters all pairs by the mask).
_FEW = 4
# Letters read per dossier for its title where the titles are not coded
# (see DossierTitles).
TITLE_SAMPLE = 100


class FacetTable:
    """Every document's facet values, coded as numbers once per opened
    index, so that a query's counts are one numpy bincount per facet over
    its matching documents."""

    def __init__(self, reader, known: dict[str, _SegmentFacets] | None = None,
                 folder: Path | None = None):
        """`known`: the segments coded for an earlier version of the index,
        by segment id, which this one uses again and updates. An update
        adds a segment or two; coding every segment again made the first
        search after an update at 200,000 letters take 1.34 s, now 0.57 s
        (the table 0.8-0.9 s, now 0.06 s). `folder`: the index's, where
        the segments' codes are kept (index.facet_codes)."""
        parts = []
        # An index without letters has no segments, and Whoosh's reader for
        # it has no columns at all.
        if reader.doc_count_all():
            for leaf, _ in reader.leaf_readers():
                segment = leaf.segment()
                key = segment.segment_id() if segment is not None else None
                part = known.get(key) if known is not None and key else None
                parts.append((key, part or _SegmentFacets(leaf, folder)))
        if known is not None:
            known.clear()
            known.update((key, part) for key, part in parts if key)
        self._facets = {name: _Coded.joined([part.facets[name] for _, part in parts],
                                            multi=name in MULTI_VALUED)
                        for name in FACET_FIELDS}
        self.titles = _Coded.joined([part.titles for _, part in parts], multi=False)
        self.dates: list[str] = [date for _, part in parts for date in part.dates]
        self.size = len(self.dates)

    def documents(self, name: str, live: np.ndarray) -> _Groups:
        """Value -> the numbers of the `live` documents (a boolean array)
        with it, ascending, for a facet of one value per document."""
        coded = self._facets[name]
        if coded.docs is not None:
            raise ValueError(f"{name} has several values per document")
        docnums = np.flatnonzero(live[:len(coded.codes)])
        codes = coded.codes[docnums]
        order = np.argsort(codes, kind="stable")
        return _Groups(coded.labels, codes[order], docnums[order])

    def count(self, chosen: np.ndarray, names, limit: int | None = None,
              unlimited: tuple[str, ...] = (),
              truncated: dict[str, int] | None = None,
              docnums: np.ndarray | None = None) -> dict[str, dict[str, int]]:
        """Counts per value over the documents `chosen` (a boolean array
        over document numbers; `docnums`, when the caller has them, their
        numbers), most frequent first, at most ``limit`` values per facet
        except for the facets named in ``unlimited``. A facet cut short is
        entered in ``truncated`` with its number of distinct values."""
        if docnums is None:
            docnums = np.flatnonzero(chosen)
        out = {}
        for name in names:
            keep = None if name in unlimited else limit
            counts, distinct = self._facets[name].count(chosen, docnums, keep)
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:keep])
            if truncated is not None and len(out[name]) < distinct:
                truncated[name] = distinct
        return out


class _Groups:
    """Documents grouped by value: each value's document numbers are a
    slice of one sorted array (an array per value, made by np.split, took
    0.13 s for the 20,000 dossiers at 200,000 letters)."""

    def __init__(self, labels: list[str], codes: np.ndarray, docnums: np.ndarray):
        self._docnums = docnums
        bounds = (np.flatnonzero(np.diff(codes)) + 1).tolist()
        starts, ends = [0, *bounds], [*bounds, len(codes)]
        firsts = codes[starts].tolist() if len(codes) else []
        self._ranges = {labels[code]: (start, end)
                        for code, start, end in zip(firsts, starts, ends)}

    def __len__(self) -> int:
        return len(self._ranges)

    def __iter__(self):
        return iter(self._ranges)

    def get(self, value: str, default: np.ndarray | None = None) -> np.ndarray | None:
        found = self._ranges.get(value)
        return default if found is None else self._docnums[found[0]:found[1]]


class _SegmentFacets:
    """One segment's facets, each coded with numbers of its own, and its
    dates: as kept beside the segment when it was written, or coded from
    its columns. Deleting letters does not change them (the tables hold
    deleted letters too), so they hold as long as the segment exists."""

    def __init__(self, leaf, folder: Path | None):
        segment = leaf.segment()
        codes = None
        if folder is not None and segment is not None:
            codes = facet_codes.load(folder, segment.segment_id(), leaf.doc_count_all())
        if codes is None:
            codes = facet_codes.code(leaf)
        self.facets = {name: _Coded(facet, codes.size) for name, facet in codes.facets.items()}
        self.titles = _Coded(codes.titles, codes.size)   # each letter's dossier title
        self.dates: list[str] = codes.dates


class _Coded:
    """One facet: each (document, value) pair as two parallel arrays of
    numbers, and the value of each number."""

    def __init__(self, facet: Facet, size: int):
        self.size = size   # documents
        self.labels = facet.labels
        self.codes = facet.codes
        self.docs = facet.docs   # None: one value per document, pair i is document i
        if self.docs is not None:
            # Document d's pairs are first[d]:first[d + 1] (pairs are in
            # document order).
            self.first = np.searchsorted(self.docs, np.arange(size + 1))

    @classmethod
    def joined(cls, parts: list[_Coded], multi: bool) -> _Coded:
        """The facet of segments one after the other, each value numbered
        where it first occurs, as coding their documents in one go numbers
        it."""
        if len(parts) == 1:
            return parts[0]
        out = cls(Facet([], _NONE, _NONE if multi else None), 0)
        numbers: dict[str, int] = {}
        codes, docs = [out.codes], [out.docs]
        for part in parts:
            renumbered = np.fromiter((numbers.setdefault(label, len(numbers))
                                      for label in part.labels),
                                     dtype=np.int64, count=len(part.labels))
            codes.append(renumbered[part.codes])
            if multi:
                docs.append(part.docs + out.size)
            out.size += part.size
        out.labels = list(numbers)
        out.codes = np.concatenate(codes)
        if multi:
            out.docs = np.concatenate(docs)
            out.first = np.searchsorted(out.docs, np.arange(out.size + 1))
        return out

    def count(self, chosen: np.ndarray, docnums: np.ndarray,
              keep: int | None = None) -> tuple[dict[str, int], int]:
        """(counts of the chosen documents' values, how many distinct values
        they have); `docnums` are the chosen documents' numbers. With
        `keep`, only the values that can be among the `keep` most frequent
        (ties at the cut included): a dossier facet has thousands of
        values, and sorting them all in Python cost more than counting."""
        if self.docs is None:
            picked = self.codes[docnums]
        elif len(docnums) * _FEW < len(chosen):
            # Each chosen document's run of pairs, end to end.
            starts = self.first[docnums]
            sizes = self.first[docnums + 1] - starts
            runs = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
            picked = self.codes[runs + np.arange(len(runs))]
        else:
            picked = self.codes[chosen[self.docs]]
        tally = np.bincount(picked, minlength=len(self.labels))
        present = np.flatnonzero(tally)
        if keep and len(present) > keep:
            cut = np.partition(tally[present], len(present) - keep)[len(present) - keep]
            wanted = present[tally[present] >= cut]
        else:
            wanted = present
        labels = self.labels
        return dict(zip([labels[i] for i in wanted.tolist()], tally[wanted].tolist())), len(present)


class DossierTitles:
    """Each dossier number's title as most of its letters give it.

    The title is given per letter, and OCR letters may misspell or lack it.
    The dossier's letters are a slice of the table's grouping by dossier,
    and their titles are counted from the codes kept with each segment
    (index.facet_codes): every live letter of the dossier counts. Until
    2026-12-04 a sample of up to 100 letters was read from their stored
    records instead, about 0.3 s of the first search at 200,000
    letters; and after an update a changed letter shifted its dossier's
    sample, and its title was read again.
    """

    def __init__(self, table: FacetTable, live: np.ndarray, stored_fields):
        self._table = table
        self._live = live   # which documents are not deleted
        # docnum -> a letter's stored fields: for letters whose titles were
        # not coded (a segment without codes on file).
        self._stored_fields = stored_fields
        self._letters: _Groups | None = None
        self._titles: dict[str, str | None] = {}

    def titles(self, dossiers) -> dict[str, str]:
        """Dossier number -> title, for those of ``dossiers`` that have one."""
        found = {}
        for dossier in dossiers:
            if dossier not in self._titles:
                self._titles[dossier] = self._most_common(dossier)
            if self._titles[dossier]:
                found[dossier] = self._titles[dossier]
        return found

    def _most_common(self, dossier: str) -> str | None:
        if dossier == UNKNOWN:
            return None
        if self._letters is None:
            # Live letters only: a deleted letter's row stays in the table.
            self._letters = self._table.documents("dossier", self._live)
        docnums = self._letters.get(dossier, _NONE)
        titles = self._table.titles
        codes = titles.codes[docnums]
        counts: Counter = Counter()
        found, sizes = np.unique(codes, return_counts=True)
        for code, count in zip(found.tolist(), sizes.tolist()):
            title = titles.labels[code]
            if title is None:
                # Letters whose titles are not coded: read from a sample of
                # them spread over the dossier, each standing for its share
                # (all of them took the first search of an index without
                # codes at 200,000 letters 5.4-5.7 s, a sample 1.6-1.9 s).
                uncoded = docnums[codes == code]
                sample = uncoded[::-(-len(uncoded) // TITLE_SAMPLE)]
                for docnum in sample.tolist():
                    record = json.loads(self._stored_fields(docnum)["record"])
                    counts[shown_title(record.get("dossier_title"))] += len(uncoded) / len(sample)
            else:
                counts[title] += count
        counts.pop("", None)
        # Ties go to the alphabetically first title, the same on every run.
        return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None


_NONE = np.zeros(0, dtype=np.int64)
