"""Exact phrases found from posting lists read a block at a time, without
Whoosh's span matcher.

Whoosh checks a phrase document by document through a tree of span
matchers; for a phrase of common words ("tweede kamer", in most letters)
that took about a second, twice per search (once to count, once to rank).
Here the phrase's words' posting lists are read a block at a time, their
documents intersected as sets, and only the shared documents' positions
decoded. Ranking then scores the words as a conjunction restricted to those
documents, which is what Whoosh's phrase matcher scores too.
"""
from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate, repeat
from pickle import loads

from whoosh import query as Q
from whoosh.matching import FilterMatcher, NullMatcher
from whoosh.system import _INT_SIZE


def phrase_docs(searcher, phrase: Q.Phrase) -> set[int] | None:
    """Document numbers containing the phrase (its words in order, each at
    most `slop` positions after the one before, as Whoosh's SpanNear2 has
    it); None for a phrase this module does not evaluate (a field without
    positions)."""
    field = searcher.schema[phrase.fieldname] if phrase.fieldname in searcher.schema else None
    if (phrase.slop < 1 or field is None or not field.format
            or not field.format.supports("positions") or not phrase.words):
        return None
    found: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        found.update(offset + d for d in _leaf_phrase_docs(leaf.reader(), field, phrase))
    return found


def phrase_docs_among(searcher, phrase: Q.Phrase, docnums) -> set[int]:
    """Those of `docnums` (sorted document numbers) that contain the phrase,
    reading only the posting blocks that hold them: cheap for a few dozen
    letters however common the words. Same rules as phrase_docs()."""
    field = searcher.schema[phrase.fieldname]
    terms = [field.to_bytes(word) for word in phrase.words]
    near = _adjacent if phrase.slop == 1 else _within_slop
    found: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docnums if offset <= d < end]
        if not local or any((phrase.fieldname, t) not in reader for t in terms):
            continue
        per_word = [_values_at(reader.postings(phrase.fieldname, t), local) for t in terms]
        for docnum in local:
            if all(docnum in values for values in per_word) and (
                    len(terms) == 1 or near([_positions(values[docnum]) for values in per_word],
                                            phrase.slop)):
                found.add(offset + docnum)
    return found


def _values_at(matcher, docnums: list[int]) -> dict[int, bytes]:
    """The posting values of the given (sorted) documents that have one."""
    out = {}
    for docnum in docnums:
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            out[docnum] = matcher.value()
    return out


def _leaf_phrase_docs(reader, field, phrase: Q.Phrase) -> list[int]:
    terms = [field.to_bytes(word) for word in phrase.words]
    if any((phrase.fieldname, t) not in reader for t in terms):
        return []
    postings = [dict(_postings(_unfiltered(reader.postings(phrase.fieldname, t))))
                for t in terms]
    shared = set(min(postings, key=len))
    for values in postings:
        shared.intersection_update(values)
    if reader.has_deletions():
        shared.difference_update(reader.deleted_docs_set)
    if len(terms) == 1:
        return list(shared)
    near = _adjacent if phrase.slop == 1 else _within_slop
    return [docnum for docnum in shared
            if near([_positions(values[docnum]) for values in postings], phrase.slop)]


def _adjacent(positions: list, slop: int) -> bool:
    starts = set(positions[0])
    for i in range(1, len(positions)):
        starts.intersection_update(p - i for p in positions[i])
        if not starts:
            return False
    return True


def _within_slop(positions: list, slop: int) -> bool:
    """Whoosh's SpanNear2(ordered=True, mindist=1): each word 1 to `slop`
    positions after the end of the span matched so far."""
    ends = set(positions[0])
    for following in positions[1:]:
        following = sorted(following)
        reached = set()
        for end in ends:
            j = bisect_left(following, end + 1)
            while j < len(following) and following[j] <= end + slop:
                reached.add(following[j])
                j += 1
        if not reached:
            return False
        ends = reached
    return True


def _unfiltered(matcher):
    """The codec's own matcher inside the filter Whoosh puts around the
    postings of a segment with deletions (which reads a posting at a time);
    the caller leaves the deleted letters out."""
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _postings(matcher, values: bool = True):
    """(docnum, value or None) pairs of one posting list, a block at a time
    (the whoosh3 codec's leaf matcher; any other matcher, such as the filter
    a segment with deletions wraps around it, a posting at a time)."""
    if not hasattr(matcher, "_read_values"):
        while matcher.is_active():
            yield matcher.id(), (matcher.value() if values else None)
            matcher.next()
        return
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if values and matcher._values is None:
            matcher._read_values()
        yield from zip(matcher._ids, matcher._values if values else repeat(None))
        matcher._i = matcher._blocklength - 1
        matcher.next()


def _positions(value: bytes):
    # The Positions format: a uint count, then the pickled position deltas
    # (see whoosh.formats.Positions.decode_positions).
    data = value[_INT_SIZE:]
    return accumulate(loads(data if data.endswith(b".") else data + b"."))


class KnownPhrase(Q.And):
    """A phrase whose documents are already known: scored as the
    conjunction of its words, limited to those documents."""

    def __init__(self, phrase: Q.Phrase, docs: set[int], top_searcher):
        super().__init__([Q.Term(phrase.fieldname, w) for w in phrase.words],
                         boost=phrase.boost)
        self.docs = docs
        self._top = top_searcher

    def matcher(self, searcher, context=None):
        if not self.docs:
            return NullMatcher()
        offset = 0 if searcher is self._top else self._top._offset_for_subsearcher(searcher)
        limit = searcher.doc_count_all()
        local = {d - offset for d in self.docs if 0 <= d - offset < limit}
        if not local:
            return NullMatcher()
        return FilterMatcher(super().matcher(searcher, context), local)


def cached_phrase_docs(searcher, phrase: Q.Phrase, cache: dict) -> set[int] | None:
    """phrase_docs(), kept in `cache` under the phrase's repr (without boost)."""
    key = repr(phrase.with_boost(1.0))
    if key not in cache:
        docs = phrase_docs(searcher, phrase)
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


def with_known_phrases(q, searcher, cache: dict, lazy_bonus: bool = False):
    """`q` with every exact phrase replaced by a KnownPhrase (documents from
    `cache`, computed when missing), for scoring. With `lazy_bonus`, the
    phrases of an AndMaybe's bonus become LazyPhrases instead."""
    if isinstance(q, LazyPhrase):
        return q
    if isinstance(q, Q.Phrase):
        docs = cached_phrase_docs(searcher, q, cache)
        return q if docs is None else KnownPhrase(q, docs, searcher)
    # AndMaybe and AndNot are CompoundQuery subclasses in whoosh-reloaded,
    # but their matchers read `a` and `b`: handled first.
    if isinstance(q, Q.BinaryQuery):
        a = with_known_phrases(q.a, searcher, cache, lazy_bonus)
        b = (_lazy(q.b) if lazy_bonus and isinstance(q, Q.AndMaybe)
             else with_known_phrases(q.b, searcher, cache, lazy_bonus))
        if a is q.a and b is q.b:
            return q
        clone = q.copy()
        clone.a, clone.b = a, b
        clone.subqueries = (a, b)
        return clone
    if isinstance(q, Q.CompoundQuery) and not isinstance(q, KnownPhrase):
        subs = [with_known_phrases(s, searcher, cache, lazy_bonus) for s in q.subqueries]
        if all(a is b for a, b in zip(subs, q.subqueries)):
            return q
        clone = q.copy()
        clone.subqueries = subs
        return clone
    return q


def _lazy(q):
    """`q` with its phrases (of fields with positions) made lazy."""
    if isinstance(q, Q.Phrase) and not isinstance(q, LazyPhrase):
        return LazyPhrase.of(q) if q.slop >= 1 and q.words else q
    if isinstance(q, Q.CompoundQuery) and not isinstance(q, (KnownPhrase, Q.BinaryQuery)):
        clone = q.copy()
        clone.subqueries = [_lazy(s) for s in q.subqueries]
        return clone
    return q
