"""Matching and BM25F scoring over whole posting arrays, with numpy.

Whoosh decodes its posting blocks and walks its matcher tree one posting at
a time in Python; for a word in most letters that costs tens of milliseconds
on the shared corpus and hundreds at 200,000 letters. Here a query's
documents are a boolean array over all document numbers and its scores a
float array: an Or of masks is `|`, an And `&`, a sum of scores one numpy
addition. Term postings
come from the flat arrays the index writes beside each segment
(`index.posting_arrays`), or, for short lists and segments without them,
from Whoosh's own blocks.

The scores are Whoosh's: BM25F with the searcher's parameters on the
postings' weights and the byte-coded field lengths Whoosh stores, boosts
applied where Whoosh's matchers apply them (a compound query of one
subquery, an AndMaybe and an AndNot ignore their own boost). One deliberate
difference: Whoosh's DisjunctionMax matcher takes the maximum of both sides'
*current* scores even when one side sits on another document; here it is the
maximum over the sides that match the document.

Query types this module does not score raise `Unsupported`; the caller then
falls back to Whoosh.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from pathlib import Path

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import NumericColumn
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from index import posting_arrays

from .postings import KnownPhrase, LazyPhrase
from .query import BoundedPrefix

# Whoosh's field length for each of its length bytes.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """A query this module cannot score exactly as Whoosh would."""


class _Segment:
    """One segment's postings: from its arrays (index.posting_arrays), or
    through Whoosh where it has none."""

    def __init__(self, reader, offset: int):
        self.reader = reader
        self.offset = offset
        self.size = reader.doc_count_all()
        storage = reader.storage()
        folder = getattr(storage, "folder", None)
        self.arrays = (posting_arrays.ArrayReader.open(Path(folder),
                                                       reader.segment().segment_id(), self.size)
                       if folder is not None else None)
        # Terms looked up before: a dictionary lookup instead of hashing
        # and a binary search (searches repeat their words' fields and
        # words). Bounded by FOUND_TERMS, dropped with this version.
        self._found: dict = {}

    def close(self) -> None:
        if self.arrays is not None:
            self.arrays.close()
            self.arrays = None

    def find(self, fieldname: str, tbytes: bytes):
        """(first posting, number of postings) of the term in the arrays;
        None when the segment lacks it; _WHOOSH when Whoosh must be asked."""
        if self.arrays is None:
            return _WHOOSH
        key = (fieldname, tbytes)
        if key in self._found:
            return self._found[key]
        found = self.arrays.find(fieldname, tbytes)
        if found is not None and found[1] == posting_arrays.AMBIGUOUS:
            found = _WHOOSH
        if len(self._found) >= FOUND_TERMS:
            self._found.clear()
        self._found[key] = found
        return found

    def offsets(self, docnum: int) -> np.ndarray | None:
        """The character offset of the word at each position of the
        document's text (see posting_arrays); None when not written."""
        return self.arrays.offsets(docnum) if self.arrays is not None else None

    def postings(self, fieldname: str, tbytes: bytes):
        """(segment document numbers, weights) of a term, deleted documents
        included; None when the segment lacks the term."""
        found = self.find(fieldname, tbytes)
        if found is not _WHOOSH:
            return None if found is None else self.arrays.postings(*found)
        found = posting_arrays.read_postings(self.reader, fieldname, tbytes)
        if found is None:
            return None
        ids, weights, _ = found
        return np.asarray(ids, dtype=np.uint32), np.asarray(weights, dtype=np.float32)

    def position_source(self, fieldname: str, tbytes: bytes):
        """A function giving a document's positions of the term (an
        ascending array, empty when the document lacks it); None when the
        segment lacks the term."""
        found = self.positions(fieldname, tbytes)
        if found is None:
            return None
        docnums, ends, positions = found

        def positions_in(docnum: int) -> np.ndarray:
            i = int(docnums.searchsorted(docnum))
            if i == len(docnums) or docnums[i] != docnum:
                return positions[:0]
            return positions[int(ends[i - 1]) if i else 0:int(ends[i])]
        return positions_in

    def positions(self, fieldname: str, tbytes: bytes):
        """(segment document numbers, ends, positions) of a term of a field
        with positions (see posting_arrays.decode_positions), deleted
        documents included; None when the segment lacks the term."""
        found = self.find(fieldname, tbytes)
        if found is not _WHOOSH:
            if found is None:
                return None
            return (self.arrays.postings(*found)[0], *self.arrays.positions(*found))
        found = posting_arrays.read_postings(self.reader, fieldname, tbytes, values=True)
        if found is None:
            return None
        ids, _, values = found
        return (np.asarray(ids, dtype=np.uint32), *posting_arrays.decode_positions(values))


# Terms a segment remembers having looked up (about 200 bytes each).
FOUND_TERMS = 100_000
# _Segment.find(): the term is to be read through Whoosh.
_WHOOSH = object()


class VectorIndex:
    """What one opened version of the index needs for vector matching:
    its segments' arrays, which documents are live, field lengths."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        self.segments = []
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            self.segments.append(_Segment(reader, offset))
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                self.live[deleted + offset] = False
        self.complete = bool(self.live.all())  # no deleted letters
        self._lengths: dict[str, np.ndarray] = {}
        # Grows with the words searched for, one int each: bounded by the
        # vocabulary, and dropped with this version of the index.
        self._frequencies: dict[tuple[str, str], int] = {}
        weighting = searcher.weighting
        self.bm25 = weighting if type(weighting) is BM25F else None

    def close(self) -> None:
        for segment in self.segments:
            segment.close()

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Whoosh's doc_frequency() (postings in all segments, deleted
        letters' included), known once the term's postings were read."""
        if (fieldname, text) not in self._frequencies:
            self.postings(fieldname, text)
        return self._frequencies[(fieldname, text)]

    def postings(self, fieldname: str, text: str):
        """(global document numbers, weights) of the term, live documents only."""
        if fieldname not in self.searcher.schema:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        try:
            tbytes = self.searcher.schema[fieldname].to_bytes(text)
        except ValueError:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        ids, weights = [], []
        for segment in self.segments:
            found = segment.postings(fieldname, tbytes)
            if found is not None:
                ids.append(found[0].astype(np.int64) + segment.offset)
                weights.append(found[1])
        # Whoosh's document frequency: postings of deleted letters included.
        self._frequencies[(fieldname, text)] = sum(len(part) for part in ids)
        if not ids:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        ids_all = np.concatenate(ids) if len(ids) > 1 else ids[0]
        weights_all = np.concatenate(weights) if len(weights) > 1 else np.asarray(weights[0])
        if self.complete:
            return ids_all, weights_all
        keep = self.live[ids_all]
        if not keep.all():
            ids_all, weights_all = ids_all[keep], weights_all[keep]
        return ids_all, weights_all

    def locator(self, terms):
        """A function giving, for a document number, where the `terms` (of
        the letter text) stand in it: {character offset: [terms there]}
        from the index's positions and word offsets, or None when the
        index cannot say (a segment without offsets, a prefix term)."""
        if any(term.endswith("*") for term in terms):
            return lambda docnum: None
        field = self.searcher.schema[posting_arrays.OFFSETS_FIELD]
        encoded = [(term, field.to_bytes(term)) for term in sorted(terms)]
        starts = [segment.offset for segment in self.segments]
        lists: dict = {}  # (segment number, term) -> its postings there

        def locate(docnum: int):
            number = bisect_right(starts, docnum) - 1
            segment = self.segments[number]
            local = docnum - segment.offset
            offsets = segment.offsets(local)
            if offsets is None:
                return None
            found: dict[int, list[str]] = {}
            for term, tbytes in encoded:
                key = (number, term)
                if key not in lists:
                    lists[key] = segment.position_source(posting_arrays.OFFSETS_FIELD, tbytes)
                if lists[key] is None:
                    continue
                positions = lists[key](local)
                if not len(positions):
                    continue
                if positions[-1] >= len(offsets):
                    return None  # offsets that do not fit: analyse the text instead
                for offset in offsets[positions].tolist():
                    found.setdefault(offset, []).append(term)
            return found
        return locate

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length of the field as Whoosh scores it."""
        if fieldname not in self._lengths:
            out = np.ones(self.size, dtype=np.float64)
            for segment in self.segments:
                reader, n = segment.reader, segment.reader.doc_count_all()
                # The whoosh3 codec keeps lengths as a column of one byte per
                # document; read whole rather than a call per document.
                perdoc = getattr(reader, "_perdoc", None)
                column = (perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                          if perdoc is not None and n else None)
                if column is None:
                    codes = np.zeros(n, dtype=np.uint8)
                else:
                    codes = _length_codes(column, n)
                part = _LENGTH_OF_BYTE[codes]
                part[codes == 0] = 1.0  # Whoosh's default for a missing length
                out[segment.offset:segment.offset + n] = part
            self._lengths[fieldname] = out
        return self._lengths[fieldname]


def _length_codes(column, n: int) -> np.ndarray:
    """The n length bytes of a segment's lengths column (Whoosh's
    NumericColumn("B")): its stored bytes read at once, the column's
    default after them, as iterating it gives them with a read per
    document (0.16 s a field at 200,000 letters; now 0.01-0.02 s)."""
    if type(column) is not NumericColumn.Reader or getattr(column, "_typecode", None) != "B":
        return np.fromiter(column, dtype=np.uint8, count=n)
    stored = min(column._count, n)
    codes = np.full(n, column._default, dtype=np.uint8)
    if stored:
        codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), np.uint8)
    return codes


_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


class VectorSearch:
    """One search's evaluation: masks and scores of queries, with each
    leaf read once. `fallback(query)` gives the documents of a query type
    without its own rule here (a set of document numbers), `phrase_docs`
    those of an exact phrase (None for one it cannot check)."""

    def __init__(self, index: VectorIndex, fallback, phrase_docs, phrase_cache: dict,
                 phrase_docs_among=None):
        self.index = index
        self.fallback = fallback
        self.phrase_docs = phrase_docs
        self.phrase_docs_among = phrase_docs_among
        self._optimistic = False
        self._memo: dict | None = None
        self._plain_nodes: set[int] = set()
        self._lazy_checked: dict = {}
        self._lazy_found: dict = {}
        self._none = np.zeros(index.size, dtype=bool)
        # Documents of each exact phrase, shared with the scoring queries'
        # KnownPhrase (see postings.with_known_phrases).
        self.phrase_cache = phrase_cache
        self._postings: dict = {}
        self._masks: dict = {}
        self._term_values: dict = {}

    # -- documents -----------------------------------------------------------

    def mask(self, q: Q.Query) -> np.ndarray:
        if isinstance(q, (Q.Or, Q.DisjunctionMax)):
            out = np.zeros(self.index.size, dtype=bool)
            for sub in q.subqueries:
                out |= self.mask(sub)
            return out
        if isinstance(q, LazyPhrase):
            if self._optimistic:  # wherever all its words are
                return self._all_words(q)
            return self._lazy_found.get(_key(q), self._none)
        if isinstance(q, KnownPhrase):
            out = self._docs_mask(q.docs)
            for sub in q.subqueries:
                out &= self.mask(sub)
            return out
        if isinstance(q, Q.And):
            if not q.subqueries:
                return np.zeros(self.index.size, dtype=bool)
            out = self.mask(q.subqueries[0]).copy()
            for sub in q.subqueries[1:]:
                out &= self.mask(sub)
            return out
        if isinstance(q, Q.AndNot):
            return self.mask(q.a) & ~self.mask(q.b)
        if isinstance(q, Q.AndMaybe):
            return self.mask(q.a)
        if isinstance(q, Q.Every) and not q.fieldname:
            return self.index.live
        key = _key(q)
        if key not in self._masks:
            if isinstance(q, Q.Term):
                ids, _ = self._term(q)
                out = np.zeros(self.index.size, dtype=bool)
                out[ids] = True
            elif isinstance(q, Q.Phrase) and (docs := self.phrase_docs(q)) is not None:
                out = self._docs_mask(docs)
            elif _expandable(q):
                out = np.zeros(self.index.size, dtype=bool)
                for term in self._expansion(q):
                    out |= self.mask(term)
            else:
                out = self._docs_mask(self.fallback(q))
            self._masks[key] = out
        return self._masks[key]

    def docs(self, q: Q.Query) -> np.ndarray:
        """Sorted document numbers of the query."""
        return np.flatnonzero(self.mask(q))

    def _docs_mask(self, docs) -> np.ndarray:
        out = np.zeros(self.index.size, dtype=bool)
        if isinstance(docs, np.ndarray):
            out[docs] = True
        elif docs:
            out[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        return out & self.index.live

    def _term(self, q: Q.Term):
        key = (q.fieldname, q.text)
        if key not in self._postings:
            self._postings[key] = self.index.postings(q.fieldname, q.text)
        return self._postings[key]

    # -- scores --------------------------------------------------------------

    def scores(self, q: Q.Query) -> np.ndarray:
        """Each document's score for the query (meaningful where it matches)."""
        memo = self._memo
        # Only the query's own nodes, alive while it is ranked: the id of a
        # passing temporary (a phrase's word terms) is reused by the next.
        if memo is None or id(q) not in self._plain_nodes:
            return self._scores(q)
        if id(q) not in memo:
            memo[id(q)] = self._scores(q)
        return memo[id(q)]

    def _scores(self, q: Q.Query) -> np.ndarray:
        if isinstance(q, KnownPhrase):
            return self._sum(q, q.subqueries)
        if isinstance(q, LazyPhrase):
            # Scored as a KnownPhrase: its words as a conjunction.
            return self._sum(q, _words(q))
        if isinstance(q, (Q.Or, Q.And)):
            if isinstance(q, Q.Or) and (q.scale or q.minmatch):
                raise Unsupported(repr(q))
            return self._sum(q, q.subqueries)
        if isinstance(q, Q.DisjunctionMax):
            if q.tiebreak:
                raise Unsupported(repr(q))
            if len(q.subqueries) == 1:
                return self.scores(q.subqueries[0])
            out = np.zeros(self.index.size)
            for sub in q.subqueries:
                np.maximum(out, np.where(self.mask(sub), self.scores(sub), 0.0), out=out)
            return out * q.boost if q.boost != 1.0 else out
        if isinstance(q, Q.AndNot):
            return self.scores(q.a)
        if isinstance(q, Q.Every) and not q.fieldname:
            # Whoosh's ListMatcher over every document, weighted by the boost.
            return self.index.live * float(q.boost)
        if isinstance(q, Q.AndMaybe):
            return self.scores(q.a) + np.where(self.mask(q.b), self.scores(q.b), 0.0)
        if isinstance(q, Q.Term):
            return self._term_scores(q)
        if type(q) is BoundedPrefix:
            # Whoosh scores a prefix as its boost (a constant score).
            return self.mask(q) * float(q.boost)
        if _expandable(q) and q.constantscore:
            # Whoosh's MultiTerm.matcher: one term is scored as that term
            # (without the range's boost), several as a constant boost.
            terms = self._expansion(q)
            if len(terms) == 1:
                return self.scores(terms[0])
            return self.mask(q) * float(q.boost)
        raise Unsupported(repr(q))

    def _expansion(self, q) -> list[Q.Term]:
        """The terms a range or prefix stands for in this index."""
        field = self.index.searcher.schema[q.fieldname]
        reader = self.index.searcher.reader()
        return [Q.Term(q.fieldname, field.from_bytes(b)) for b in q._btexts(reader) if b]

    def _sum(self, q, subs) -> np.ndarray:
        out = np.zeros(self.index.size)
        for sub in subs:
            if isinstance(sub, Q.Term):
                # Nothing where the term does not occur (_term_scores).
                out += self.scores(sub)
                continue
            # Only where the subquery matches: an And's or a filtered
            # phrase's sum holds partial scores elsewhere.
            out += np.where(self.mask(sub), self.scores(sub), 0.0)
        # Whoosh applies a compound query's boost only around a tree of two
        # or more subqueries.
        if len(subs) > 1 and q.boost != 1.0:
            out *= q.boost
        return out

    def _term_scores(self, q: Q.Term) -> np.ndarray:
        ids, weights = self._term(q)
        out = np.zeros(self.index.size)
        if not len(ids):
            return out
        key = (q.fieldname, q.text)
        if key not in self._term_values:  # a word is scored in several tiers
            self._term_values[key] = self._bm25(q, ids, weights)
        values = self._term_values[key]
        out[ids] = values * q.boost if q.boost != 1.0 else values
        return out

    def _bm25(self, q: Q.Term, ids, weights) -> np.ndarray:
        searcher = self.index.searcher
        field = searcher.schema[q.fieldname]
        w = weights.astype(np.float64)
        if not field.scorable:
            return w
        bm25 = self.index.bm25
        if bm25 is None:
            raise Unsupported("weighting")
        B = bm25._field_B.get(q.fieldname, bm25.B)
        K1 = bm25.K1
        n = self.index.doc_frequency(q.fieldname, q.text)
        idf = math.log(searcher.doc_count_all() / (n + 1)) + 1
        avgfl = searcher.avg_field_length(q.fieldname) or 1
        fl = self.index.lengths(q.fieldname)[ids]
        # Whoosh's bm25(), operation for operation.
        return idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * fl / avgfl)))

    def top(self, q: Q.Query, among: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """The best `limit` of the documents `among` (sorted numbers), by
        score, equal scores in document order.

        LazyPhrases (a bonus for words close together) are checked only in
        the letters that could still reach the top: each letter's score is
        first bounded from above as if every phrase whose words it has were
        there; letters are checked best bound first, in growing batches,
        until the `limit`-th exact score beats every unchecked bound.
        """
        if not len(among):
            return []
        lazies = [leaf for leaf in _walk(q) if isinstance(leaf, LazyPhrase)]
        schema = self.index.searcher.schema
        if any(p.fieldname not in schema or not schema[p.fieldname].format.supports("positions")
               for p in lazies):
            raise Unsupported("phrase without positions")
        if lazies and any(getattr(n, "boost", 1.0) <= 0 for n in _walk(q)):
            # The bound below holds only while every part adds a score >= 0.
            raise Unsupported("boost <= 0")
        if not lazies:
            scored = self.scores(q)[among]
            order = np.lexsort((among, -scored))[:limit]
            return [(int(among[i]), float(scored[i])) for i in order]
        # The parts without a lazy phrase score the same in every round:
        # computed once (by node, for this query only).
        self._plain_nodes = set()
        _collect_plain(q, self._plain_nodes)
        self._memo = {}
        try:
            self._optimistic = True
            try:
                upper = self.scores(q)[among]
            finally:
                self._optimistic = False
            order = np.lexsort((among, -upper))
            checked, batch = 0, max(2 * limit, 20)
            while True:
                self._check(lazies, np.sort(among[order[checked:checked + batch]]))
                checked = min(len(among), checked + batch)
                exact = self.scores(q)[among]
                done = order[:checked]
                best = done[np.lexsort((among[done], -exact[done]))][:limit]
                if checked == len(among) or (
                        len(best) == limit and exact[best[-1]] > upper[order[checked]]):
                    return [(int(among[i]), float(exact[i])) for i in best]
                batch *= 2
        finally:
            self._memo, self._plain_nodes = None, set()

    def _check(self, lazies, docnums: np.ndarray) -> None:
        """Find out which of `docnums` hold each lazy phrase."""
        for phrase in lazies:
            key = _key(phrase)
            checked = self._lazy_checked.setdefault(key, np.zeros(self.index.size, dtype=bool))
            found = self._lazy_found.setdefault(key, np.zeros(self.index.size, dtype=bool))
            todo = docnums[~checked[docnums] & self._all_words(phrase)[docnums]]
            checked[docnums] = True
            if len(todo):
                found[self.phrase_docs_among(phrase, todo)] = True

    def _all_words(self, phrase: Q.Phrase) -> np.ndarray:
        out = self.mask(_words(phrase)[0]).copy()
        for term in _words(phrase)[1:]:
            out &= self.mask(term)
        return out


def _words(phrase: Q.Phrase) -> list[Q.Term]:
    return [Q.Term(phrase.fieldname, w) for w in phrase.words]


def _walk(q: Q.Query):
    yield q
    for sub in (q.a, q.b) if isinstance(q, Q.BinaryQuery) else getattr(q, "subqueries", ()):
        yield from _walk(sub)


def _collect_plain(q: Q.Query, plain: set[int]) -> bool:
    """Add to `plain` the ids of the nodes of `q` without a LazyPhrase
    below them; True when `q` itself is one."""
    subs = (q.a, q.b) if isinstance(q, Q.BinaryQuery) else getattr(q, "subqueries", ())
    results = [_collect_plain(sub, plain) for sub in subs]
    if isinstance(q, LazyPhrase) or not all(results):
        return False
    plain.add(id(q))
    return True


def _expandable(q: Q.Query) -> bool:
    return (isinstance(q, (Q.TermRange, Q.Prefix)) and type(q) is not BoundedPrefix
            and q.fieldname in _ID_LIKE)


# Fields whose ranges and prefixes are expanded here: few terms each (years,
# dossier numbers). A prefix of the text is a BoundedPrefix, matched as Whoosh does.
_ID_LIKE = ("year", "dossier", "vergaderjaar", "date", "kamerstuk", "id")


def _key(q: Q.Query):
    # A term's key without copying the query (with_boost copies deeply).
    if type(q) is Q.Term:
        return ("term", q.fieldname, q.text)
    if getattr(q, "boost", 1.0) == 1.0 or not hasattr(q, "with_boost"):
        return repr(q)
    return repr(q.with_boost(1.0))
