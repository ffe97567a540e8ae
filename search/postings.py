"""Exact phrases checked on word positions with numpy, without Whoosh's
span matcher.

Whoosh checks a phrase document by document through a tree of span
matchers, decoding each posting's pickled positions in Python; for a phrase
of common words ("tweede kamer", in every letter) that took seconds at
200,000 letters. Here each word's positions come as flat arrays (from the
posting arrays beside each segment, or decoded from Whoosh's blocks for a
short list), as one sorted key per position (document number in the high
32 bits): following a phrase from word to word is a binary search of one
key array in another. Ranking then scores the words as a conjunction
restricted to the phrase's documents, which is what Whoosh's phrase matcher
scores too.
"""
from __future__ import annotations

import copy

import numpy as np
from whoosh import query as Q
from whoosh.matching import FilterMatcher, NullMatcher

from index.posting_arrays import has_positions

_NONE = np.zeros(0, dtype=np.int64)


def phrase_docs(index, phrase: Q.Phrase) -> np.ndarray | None:
    """Sorted numbers of the live documents of `index` (a VectorIndex) that
    contain the phrase: its words in order, each at most `slop` positions
    after the one before, as Whoosh's SpanNear2 has it. None for a phrase
    this module does not evaluate (a field without positions)."""
    schema = index.searcher.schema
    if (phrase.slop < 1 or phrase.fieldname not in schema
            or not has_positions(schema[phrase.fieldname]) or not phrase.words):
        return None
    return _phrase_docs(index, phrase, None)


def phrase_docs_among(index, phrase: Q.Phrase, docnums) -> np.ndarray:
    """Those of `docnums` (sorted document numbers) that contain the
    phrase; same rules as phrase_docs()."""
    return _phrase_docs(index, phrase, np.asarray(docnums, dtype=np.int64))


def _phrase_docs(index, phrase: Q.Phrase, among: np.ndarray | None) -> np.ndarray:
    field = index.searcher.schema[phrase.fieldname]
    terms = [field.to_bytes(word) for word in phrase.words]
    found = []
    for segment in index.segments:
        local = None
        if among is not None:
            lo, hi = np.searchsorted(among, [segment.offset, segment.offset + segment.size])
            if lo == hi:
                continue
            local = among[lo:hi] - segment.offset
        docs = _segment_phrase_docs(segment, phrase.fieldname, terms, phrase.slop, local)
        if len(docs):
            found.append(docs.astype(np.int64) + segment.offset)
    if not found:
        return _NONE
    out = np.concatenate(found)
    return out[index.live[out]]


def _segment_phrase_docs(segment, fieldname: str, terms: list[bytes], slop: int,
                         local: np.ndarray | None) -> np.ndarray:
    """The segment's document numbers (deleted ones included) with the
    phrase, among `local` when given."""
    words = []
    for tbytes in terms:
        found = segment.positions(fieldname, tbytes)
        if found is None:
            return _NONE
        words.append(found)
    shared = words[0][0]
    for docnums, _, _ in words[1:]:
        shared = np.intersect1d(shared, docnums, assume_unique=True)
    if local is not None:
        shared = np.intersect1d(shared, local, assume_unique=True)
    if len(terms) == 1 or not len(shared):
        return shared.astype(np.int64)
    # The positions each word can end the phrase so far at, as keys.
    ends = _keys(words[0], shared)
    for word in words[1:]:
        keys = _keys(word, shared)
        j = np.searchsorted(ends, keys - slop)
        reached = j < len(ends)
        reached[reached] = ends[j[reached]] <= keys[reached] - 1
        ends = keys[reached]
        if not len(ends):
            return _NONE
    return np.unique(ends >> 32)


def _keys(word, docs: np.ndarray) -> np.ndarray:
    """Sorted (document << 32 | position) of the word's positions in `docs`
    (sorted, each a document of the word)."""
    docnums, ends, positions = word
    ends = ends.astype(np.int64)
    if len(docs) == len(docnums):  # every posting: no gathering
        counts = np.diff(ends, prepend=0)
        return (np.repeat(docnums.astype(np.int64), counts) << 32) | positions
    at = np.searchsorted(docnums, docs)
    stop = ends[at]
    start = np.where(at > 0, ends[at - 1], 0)
    counts = stop - start
    first = np.cumsum(counts) - counts
    which = np.arange(int(counts.sum())) - np.repeat(first - start, counts)
    return (np.repeat(docs.astype(np.int64), counts) << 32) | positions[which]


class KnownPhrase(Q.And):
    """A phrase whose documents are already known: scored as the
    conjunction of its words, limited to those documents."""

    def __init__(self, phrase: Q.Phrase, docs: np.ndarray, top_searcher):
        super().__init__([Q.Term(phrase.fieldname, w) for w in phrase.words],
                         boost=phrase.boost)
        self.docs = docs
        self._top = top_searcher

    def matcher(self, searcher, context=None):
        if not len(self.docs):
            return NullMatcher()
        offset = 0 if searcher is self._top else self._top._offset_for_subsearcher(searcher)
        docs = self.docs
        local = set((docs[(docs >= offset) & (docs < offset + searcher.doc_count_all())]
                     - offset).tolist())
        if not local:
            return NullMatcher()
        return FilterMatcher(super().matcher(searcher, context), local)


def cached_phrase_docs(index, phrase: Q.Phrase, cache: dict) -> np.ndarray | None:
    """phrase_docs(), kept in `cache` under the phrase's repr (without boost)."""
    # with_boost copies deeply: only when there is a boost to take off.
    key = repr(phrase if phrase.boost == 1.0 else phrase.with_boost(1.0))
    if key not in cache:
        docs = phrase_docs(index, phrase)
        if docs is None:
            return None
        cache[key] = docs
    return cache[key]


class LazyPhrase(Q.Phrase):
    """A phrase that only adds to a score (the words-close-together bonus
    of an AndMaybe): checked only in the letters that could reach the page
    with it (see vectors.VectorSearch.top), not in every letter."""

    @classmethod
    def of(cls, phrase: Q.Phrase) -> "LazyPhrase":
        return cls(phrase.fieldname, phrase.words, slop=phrase.slop, boost=phrase.boost)


def with_known_phrases(q, index, cache: dict, lazy_bonus: bool = False):
    """`q` with every exact phrase replaced by a KnownPhrase (documents of
    `index`, a VectorIndex, from `cache`, computed when missing), for
    scoring. With `lazy_bonus`, the phrases of an AndMaybe's bonus become
    LazyPhrases instead."""
    if isinstance(q, LazyPhrase):
        return q
    if isinstance(q, Q.Phrase):
        docs = cached_phrase_docs(index, q, cache)
        return q if docs is None else KnownPhrase(q, docs, index.searcher)
    # AndMaybe and AndNot are CompoundQuery subclasses in whoosh-reloaded,
    # but their matchers read `a` and `b`: handled first.
    if isinstance(q, Q.BinaryQuery):
        a = with_known_phrases(q.a, index, cache, lazy_bonus)
        b = (_lazy(q.b) if lazy_bonus and isinstance(q, Q.AndMaybe)
             else with_known_phrases(q.b, index, cache, lazy_bonus))
        if a is q.a and b is q.b:
            return q
        clone = copy.copy(q)  # shallow: Whoosh's copy() is deep
        clone.a, clone.b = a, b
        clone.subqueries = (a, b)
        return clone
    if isinstance(q, Q.CompoundQuery) and not isinstance(q, KnownPhrase):
        subs = [with_known_phrases(s, index, cache, lazy_bonus) for s in q.subqueries]
        if all(a is b for a, b in zip(subs, q.subqueries)):
            return q
        clone = copy.copy(q)  # shallow: Whoosh's copy() is deep
        clone.subqueries = subs
        return clone
    return q


def _lazy(q):
    """`q` with its phrases (of fields with positions) made lazy."""
    if isinstance(q, Q.Phrase) and not isinstance(q, LazyPhrase):
        return LazyPhrase.of(q) if q.slop >= 1 and q.words else q
    if isinstance(q, Q.CompoundQuery) and not isinstance(q, (KnownPhrase, Q.BinaryQuery)):
        clone = copy.copy(q)  # shallow: Whoosh's copy() is deep
        clone.subqueries = [_lazy(s) for s in q.subqueries]
        return clone
    return q
