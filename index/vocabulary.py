"""The corpus's own vocabulary: how often each word occurs.

Learned while indexing and kept beside the index. It feeds compound
splitting (which parts are real words) and spelling suggestions (which
corrections exist in these letters). Counts are integers, so a letter can be
taken out again exactly when it changes or leaves the index.
"""
from __future__ import annotations

import json
import pickle
import re
from collections import Counter
from pathlib import Path

from corpus.atomic import write_atomic

from .analysis import fold

# A pickle, as the index's own table of contents is (a folder whose files
# are not trusted cannot be opened as an index anyway): the shared corpus's
# 144,000 words are written and read in 0.06 s against JSON's 0.25 s, which
# every update that changes anything paid.
FILENAME = "vocabulary.pickle"
# Indexes built before 2026-12-03 have this instead; the next update
# replaces it.
JSON_FILENAME = "vocabulary.json"
# What updates added and took away since the vocabulary was last saved
# whole: reading and writing all 144,000 words of the shared corpus cost an
# update 0.07 s, however little it changed.
CHANGES_FILENAME = "vocabulary-changes.pickle"
# Changes are folded into the vocabulary once they hold this many words.
FOLD_AT = 50_000
# Letters only: numbers and identifiers are not spelled wrong, nor compounds.
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def count_words(text: str) -> Counter:
    """Folded, lower-case words of a text with their counts."""
    counts = Counter()
    count_more_words(counts, text)
    return fold_counts(counts)


def count_more_words(counts: Counter, text: str) -> None:
    """Add the lower-case words of a text to `counts`, not yet folded: a
    reading process counts all its letters' words in one Counter (C code
    per word) and folds it once, with fold_counts(), when it is done."""
    counts.update(_WORD_RE.findall(text.lower()))


def fold_counts(counts: Counter) -> Counter:
    """`counts` with each word folded (technologieën -> technologieen),
    changed in place and returned."""
    # Folded per distinct word, not per occurrence (a Python call each):
    # most words are ASCII, which folding leaves as they are.
    for word in [w for w in counts if not w.isascii()]:
        folded = fold(word)
        if folded != word:
            counts[folded] += counts.pop(word)
    return counts


class Vocabulary:
    def __init__(self, counts: Counter | None = None):
        self.counts: Counter = counts if counts is not None else Counter()

    def add(self, words: Counter, sign: int = 1) -> None:
        """`words` added (sign 1) or taken away (-1); also changes, whose
        counts may be negative."""
        if sign < 0:
            words = Counter({w: -n for w, n in words.items()})
        self.counts.update(words)
        for word in [w for w, n in words.items() if n < 0 and self.counts[w] <= 0]:
            del self.counts[word]

    def save(self, index_dir: Path) -> None:
        """The whole vocabulary, with no changes beside it."""
        index_dir = Path(index_dir)
        write_atomic(index_dir / FILENAME,
                     pickle.dumps(dict(self.counts), protocol=pickle.HIGHEST_PROTOCOL))
        (index_dir / CHANGES_FILENAME).unlink(missing_ok=True)
        (index_dir / JSON_FILENAME).unlink(missing_ok=True)

    @classmethod
    def load(cls, index_dir: Path) -> "Vocabulary":
        """The saved vocabulary with the changes saved since; empty when it
        is missing or damaged (then compounds are not split and nothing is
        suggested)."""
        vocabulary = cls._load_whole(index_dir)
        vocabulary.add(_load_changes(index_dir))
        return vocabulary

    @classmethod
    def _load_whole(cls, index_dir: Path) -> "Vocabulary":
        try:
            with open(Path(index_dir) / FILENAME, "rb") as handle:
                counts = pickle.load(handle)
        except FileNotFoundError:
            return cls._load_json(index_dir)
        except Exception:  # damaged: any of pickle's many errors
            return cls()
        return cls(Counter(counts)) if isinstance(counts, dict) else cls()

    @classmethod
    def _load_json(cls, index_dir: Path) -> "Vocabulary":
        try:
            with open(Path(index_dir) / JSON_FILENAME, encoding="utf-8") as handle:
                return cls(Counter(json.load(handle)))
        except (OSError, ValueError):
            return cls()


class VocabularyChanges:
    """What an update adds to the vocabulary and takes away, saved beside
    it without reading it: Vocabulary.load() adds them up."""

    def __init__(self):
        self.counts: Counter = Counter()

    def add(self, words: Counter, sign: int = 1) -> None:
        if sign > 0:
            self.counts.update(words)
        else:
            self.counts.subtract(words)

    def save(self, index_dir: Path) -> None:
        index_dir = Path(index_dir)
        changes = _load_changes(index_dir)
        changes.update(self.counts)
        changes = Counter({w: n for w, n in changes.items() if n})
        if len(changes) >= FOLD_AT or not (index_dir / FILENAME).exists():
            whole = Vocabulary._load_whole(index_dir)
            whole.add(changes)
            whole.save(index_dir)
            return
        write_atomic(index_dir / CHANGES_FILENAME,
                     pickle.dumps(dict(changes), protocol=pickle.HIGHEST_PROTOCOL))


def _load_changes(index_dir: Path) -> Counter:
    """The changes saved since the vocabulary was saved whole; none when
    the file is missing or damaged."""
    try:
        with open(Path(index_dir) / CHANGES_FILENAME, "rb") as handle:
            counts = pickle.load(handle)
    except Exception:  # missing, or damaged: any of pickle's many errors
        return Counter()
    return Counter(counts) if isinstance(counts, dict) else Counter()
