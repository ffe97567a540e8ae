""""Bedoelde u ...?": corrections from the index's own vocabulary.

Typos and OCR variants are corrected to words that occur in these letters,
preferring the closest (one edit before two) and then the most frequent.
Suggestions are offered, never applied silently.
"""
from __future__ import annotations

import numpy as np

from index.analysis import fold

MIN_COUNT = 3     # a correction must occur at least this often
MIN_LENGTH = 4    # shorter words are too easy to "correct" into others
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Speller:
    def __init__(self, counts: dict[str, int], earlier: KnownDeletions | None = None):
        """`earlier`: the deletions an earlier speller made, to use again
        when the words they file are the same."""
        self.all_words = frozenset(counts)
        self.counts = {w: n for w, n in counts.items() if n >= MIN_COUNT}
        self._deletes: _Deletions | None = None
        self._earlier = earlier

    def known(self, word: str) -> bool:
        """Whether the letters contain the word at all (any spelling that
        folds to it)."""
        return fold(word.lower()) in self.all_words

    def correct(self, word: str) -> str | None:
        """A better-attested spelling of `word`, or None."""
        key = fold(word.lower())
        if len(key) < MIN_LENGTH or not key.isalpha():
            return None
        own = self.counts.get(key, 0)
        for candidates in (self._edits1(key), self._edits2(key)):
            known = [c for c in candidates if self.counts.get(c, 0) > max(own * 10, 0)]
            if known:
                return max(known, key=lambda c: (self.counts[c], c))
        return None

    def _edits1(self, word: str) -> set[str]:
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        deletes = {a + b[1:] for a, b in splits if b}
        transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        inserts = {a + c + b for a, b in splits for c in _LETTERS}
        return (deletes | transposes | replaces | inserts) - {word}

    def _edits2(self, word: str) -> set[str]:
        """Words two edits away, found through shared deletions (SymSpell):
        every known word is filed under itself minus one letter, once."""
        if self._deletes is None:
            words = [known for known in self.counts if len(known) >= MIN_LENGTH]
            self._deletes = (self._earlier.of(words) if self._earlier is not None
                             else _Deletions(words))
        found = self._deletes.sharing(word)
        found.discard(word)
        return {f for f in found if _distance(word, f) <= 2}


class _Deletions:
    """Words filed under each of their _variants(), as sorted hashes of the
    variants beside the numbers of the words. A dictionary of the variants
    (a million at 200,000 letters) was built by every process on its first
    correction, in 2.4 s, and held 193 MB; these arrays take 0.8 s and
    20 MB (0.3 s for the shared corpus, against 0.8 s)."""

    def __init__(self, words: list[str]):
        self.words = words
        hashes: list[int] = []
        sizes = []
        for known in words:
            variants = _variants(known)
            sizes.append(len(variants))
            hashes.extend(map(hash, variants))
        keys = np.array(hashes, dtype=np.int64)
        owners = np.repeat(np.arange(len(words), dtype=np.int32), sizes)
        order = np.argsort(keys, kind="stable")
        self.keys, self.owners = keys[order], owners[order]

    def sharing(self, word: str) -> set[str]:
        """The words with a variant in common with `word`."""
        mine = _variants(word)
        wanted = np.array([hash(variant) for variant in mine], dtype=np.int64)
        starts = self.keys.searchsorted(wanted, "left").tolist()
        ends = self.keys.searchsorted(wanted, "right").tolist()
        found = set()
        for start, end in zip(starts, ends):
            for number in self.owners[start:end].tolist():
                known = self.words[number]
                # A hash two variants share by chance is no shared variant.
                if known not in found and not mine.isdisjoint(_variants(known)):
                    found.add(known)
        return found


class KnownDeletions:
    """The last _Deletions made, kept for the spellers of later versions of
    the index: an update seldom changes which words occur often enough to
    be suggested, and filing them again took 0.8 s at 200,000 letters, on
    the first misspelt search after every update."""

    def __init__(self):
        self._words: frozenset[str] | None = None
        self._deletions: _Deletions | None = None

    def of(self, words: list[str]) -> _Deletions:
        """_Deletions(words), made again only when the words differ."""
        key = frozenset(words)
        if key != self._words or self._deletions is None:
            self._words, self._deletions = key, _Deletions(words)
        return self._deletions


def _variants(word: str) -> set[str]:
    """The word and the word without one of its letters."""
    return {word[:i] + word[i + 1:] for i in range(len(word))} | {word}


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent
    transpositions), enough for typos."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
