"""Dutch compound splitting: `massavernietigingswapens` -> massa,
vernietiging, wapens.

A word is split into parts that occur on their own in the corpus often
enough, allowing the Dutch linking elements (`s`, `e`, `en`) between them.
Among the possible splits the one whose parts are most frequent wins
(the geometric mean of their counts, after Koehn and Knight 2003), and fewer
parts beat more. The parts are indexed beside the whole word, at the same
position, so `wapens` finds the compound while phrases and highlighting keep
working.
"""
from __future__ import annotations

import math
from array import array

# Words remembered by each word cache (splits here, stems and analysed words
# in analysis.py); a full cache is emptied rather than kept in order. Each
# writing process has all three: at 200,000 entries they held some 100 MB
# per process, at 50,000 a quarter of that, and frequent words come back
# within a few letters anyway. (The words a fresh build learns ahead,
# DutchAnalyzer.learn, are a table apart, made once in the main process and
# shared by the writing processes: some 200 bytes a word, 13 MB for the
# shared corpus's 64,000 recurring words; the build of 200,000 letters
# peaked at 1,258 MB with it.)
WORD_CACHE_SIZE = 50_000

MIN_WORD = 7        # shorter words are rarely compounds worth splitting
MIN_PART = 4
MIN_PART_COUNT = 5  # a part must occur this often on its own
LINKS = ("", "s", "e", "en")
MAX_PARTS = 4
# Prefixes and suffixes that also occur as OCR fragments or abbreviations:
# never a part of their own ("ont-wapen-ing").
NOT_PARTS = frozenset("""heid lijk isch ische sten over onder door mede niet
    sing ging ting king ding ling lingen ringen tion tions onderge""".split())
PART_PENALTY = 0.25  # per part: of two well-attested splits, the coarser wins


class CompoundSplitter:
    def __init__(self, counts: dict[str, int]):
        self._counts: dict[str, int] | None = {
            w: n for w, n in counts.items()
            if n >= MIN_PART_COUNT and len(w) >= MIN_PART and w not in NOT_PARTS}
        self._packed = None
        self._cache: dict[str, tuple[str, ...]] = {}

    # The splitter is pickled into the index's schema, which Whoosh unpickles
    # every time it opens the index (some twenty times in an update). As a
    # dict of 29,000 words that took 5 ms each time; packed as two byte
    # strings it is unpacked only where words are split.
    def __getstate__(self):
        words = "\n".join(self.counts).encode("utf-8")
        return {"words": words, "numbers": array("Q", self.counts.values()).tobytes()}

    def __setstate__(self, state):
        self._cache = {}
        if "counts" in state:   # indexes built before 2026-12-03
            self._counts, self._packed = state["counts"], None
        else:
            self._counts, self._packed = None, (state["words"], state["numbers"])

    @property
    def counts(self) -> dict[str, int]:
        if self._counts is None:
            words, numbers = self._packed
            self._counts = dict(zip(words.decode("utf-8").split("\n") if words else (),
                                    array("Q", numbers)))
            self._packed = None
        return self._counts

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound, or () when it is not one."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts: tuple[str, ...] = ()
        if len(word) >= MIN_WORD and word.isalpha():
            # Split when the parts are, on average, more common than the whole
            # word: "jeugd" and "zorg" are, "verdedi" and "ging" (an OCR line
            # break in "verdediging") are not.
            best = self._best(word, MAX_PARTS)
            if best and len(best[1]) > 1:
                parts = best[1]
                # Parts of parts too: kernwapen|beleid also yields kern, wapen.
                nested = [p for part in parts for p in self.split(part)]
                parts = tuple(dict.fromkeys(parts + tuple(nested)))
        if len(self._cache) > WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = parts
        return parts

    def _best(self, word: str, budget: int):
        """(score, parts) of the best way to write `word` as known parts."""
        counts = self.counts
        candidates = []
        if word in counts:
            candidates.append((math.log(counts[word]) - PART_PENALTY, (word,)))
        if budget > 1:
            for cut in range(MIN_PART, len(word) - MIN_PART + 1):
                head = word[:cut]
                if head not in counts:
                    continue
                for link in LINKS:
                    rest = word[cut:]
                    if not rest.startswith(link) or len(rest) - len(link) < MIN_PART:
                        continue
                    tail = self._best(rest[len(link):], budget - 1)
                    if tail:
                        parts = (head,) + tail[1]
                        score = sum(math.log(counts[p]) for p in parts) / len(parts)
                        # One part fewer is worth a lot: prefer the coarsest split.
                        candidates.append((score - PART_PENALTY * len(parts), parts))
        return max(candidates) if candidates else None
