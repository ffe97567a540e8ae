"""The letters of the quality evaluation and the word statistics its query
generators need.

Letters are read once with the product's own readers (`bench.baselines.
read_letters`: one record per id, richest format first, exactly like the
builder) and cached as a pickle in the work folder, so all three engines index
the same records and a second run does not parse 16,000 files again.
"""
from __future__ import annotations

import pickle
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from corpus.letter import Letter
from index.analysis import DUTCH_STOPWORDS, fold

from .baselines import read_letters

SUBFOLDERS = ("letters", "kst-xml", "sgd-ocr")
CACHE_VERSION = 1
# Words as a reader would type them: letters only (no digits), lower-cased.
WORD_RE = re.compile(r"[^\W\d_]+")
# Postings are kept only for words this rare: the generators look for
# distinctive words, and common ones would cost memory for nothing.
RARE_DF = 60


def corpus_paths(corpus: Path) -> list[Path]:
    return [corpus / name for name in SUBFOLDERS if (corpus / name).exists()]


def load_letters(corpus: Path, workdir: Path, rebuild: bool = False) -> list[Letter]:
    cache = workdir / "letters.pkl"
    key = (CACHE_VERSION, str(corpus.resolve()))
    if cache.exists() and not rebuild:
        with open(cache, "rb") as handle:
            stored_key, letters = pickle.load(handle)
        if stored_key == key:
            return letters
    letters = [letter for _, letter in read_letters(corpus_paths(corpus), procs=2)]
    with open(cache, "wb") as handle:
        pickle.dump((key, letters), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return letters


def words_of(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def is_stopword(word: str) -> bool:
    return fold(word.lower()) in DUTCH_STOPWORDS


@dataclass
class WordStats:
    """Per-letter word counts (title + body), document frequencies, and the
    letters holding each rare word. Words are lower-cased and folded
    (`financiële` and `financiele` are one), as all three engines treat them
    alike once diacritics are removed."""
    counts: list[Counter]          # letter index -> folded word -> tf
    df: Counter                    # folded word -> number of letters
    postings: dict[str, list[int]]  # rare folded word -> letter indexes
    titles: list[str]              # lower-cased, folded titles

    @property
    def n(self) -> int:
        return len(self.counts)

    def letters_with_all(self, words) -> set[int]:
        """Letters containing every one of `words` (each must be rare)."""
        found = None
        for word in sorted(words, key=lambda w: self.df.get(w, 0)):
            docs = set(self.postings.get(fold(word.lower()), ()))
            found = docs if found is None else found & docs
            if not found:
                return set()
        return found or set()


def word_stats(letters: list[Letter], workdir: Path, rebuild: bool = False) -> WordStats:
    cache = workdir / "wordstats.pkl"
    key = (CACHE_VERSION, len(letters), letters[0].id if letters else "", RARE_DF)
    if cache.exists() and not rebuild:
        with open(cache, "rb") as handle:
            stored_key, stats = pickle.load(handle)
        if stored_key == key:
            return stats
    counts = [Counter(fold(w) for w in words_of(f"{letter.title or ''} {letter.body}"))
              for letter in letters]
    df = Counter()
    for counter in counts:
        df.update(counter.keys())
    postings: dict[str, list[int]] = {}
    for i, counter in enumerate(counts):
        for word in counter:
            if df[word] <= RARE_DF:
                postings.setdefault(word, []).append(i)
    titles = [fold((letter.title or "").lower()) for letter in letters]
    stats = WordStats(counts, df, postings, titles)
    with open(cache, "wb") as handle:
        pickle.dump((key, stats), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return stats
