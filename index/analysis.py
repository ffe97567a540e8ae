"""The Dutch analyzer: one definition, used for indexing, querying and
highlighting (Whoosh applies a field's analyzer to query text too).

Whoosh pickles the schema, analyzer included, into the index: every class
here must stay importable at module level, and the analyzer records the
version of its parts so an index built with other parts can be refused.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import metadata
from itertools import compress
from operator import itemgetter
from pathlib import Path

import numpy as np
import snowballstemmer
import re

from whoosh.analysis import (Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter,
                             Token)
from whoosh.lang import stopwords_for_language

from .compounds import WORD_CACHE_SIZE

# Bump when the analysis changes in a way that makes old indexes wrong.
ANALYSIS_REVISION = 3
# Compound parts are indexed with this mark, beside the whole word, so a
# query can weigh "wapens" inside "kernwapens" below "wapens" on its own.
PART_MARK = "~"
STEMMER_ALGORITHM = "dutch"
OVERRIDES_FILE = Path(__file__).with_name("stem_overrides.txt")

# Identifiers first (kst-33694-45, 21501-21, 2019Z01633), then plain words and
# numbers. Hyphenated words split into their parts (Noord-Holland -> noord,
# holland), so either part finds them.
# (The lookahead changes nothing but speed: the regex engine tries the
# identifiers only where one can begin.)
TOKEN_PATTERN = (r"(?=[k\d])(?:kst-\d+(?:-[A-Za-z0-9]+)+"
                 r"|\d+(?:[-/]\d+)+"
                 r"|\d{4}[A-Z]\d{4,6})"
                 r"|\w+")


TOKEN_RE = re.compile(TOKEN_PATTERN, re.UNICODE)
# The same tokens with the text between them: gap, token, gap, ..., gap.
_TOKEN_SPLIT = re.compile(f"({TOKEN_PATTERN})", re.UNICODE)
_FIRST = itemgetter(0)


def fold(text: str) -> str:
    """Remove diacritics: technologieën, technologieén -> technologieen."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_overrides(path: Path = OVERRIDES_FILE) -> dict[str, str]:
    overrides = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            word, base = line.split()
            overrides[fold(word.lower())] = fold(base.lower())
    return overrides


DUTCH_STOPWORDS = frozenset(fold(w) for w in stopwords_for_language("nl"))


class FoldFilter(Filter):
    """Diacritic folding, after lowercasing."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


class CompoundFilter(Filter):
    """At index time, follow each compound with its parts, at the same
    position and over the same characters, marked with PART_MARK. Queries
    are not split: the query builder asks for parts explicitly."""

    def __init__(self, splitter=None):
        self.splitter = splitter

    def __eq__(self, other):
        return type(self) is type(other) and self.splitter is other.splitter

    def __call__(self, tokens):
        split = self.splitter.split if self.splitter is not None else None
        for t in tokens:
            # Read before yielding: the filters after this one change the
            # shared token (stemming) before this generator resumes.
            word = t.text
            yield t
            if split is None or t.mode != "index" or t.stopped or len(word) < 7:
                continue
            for part in split(word):
                t.text = PART_MARK + part
                yield t


# Stems by word, one cache for all stemmers with the same overrides: the
# index's analyzer and the topic model's stem the same words in a writing
# process, and each schema read from the index makes a stemmer of its own.
_STEM_CACHES: dict[frozenset, dict[str, str]] = {}


def _stem_cache(overrides: dict[str, str]) -> dict[str, str]:
    return _STEM_CACHES.setdefault(frozenset(overrides.items()), {})


class DutchStemFilter(Filter):
    """Snowball Dutch with a cache, run to a fixed point, plus overrides.

    Snowball 3 stems ``wapens`` to ``wapen`` but ``wapen`` to ``waap``;
    stemming until nothing changes brings the two together. Words it never
    joins with their base form (``technologieën``/``technologie``) are listed
    in stem_overrides.txt.
    """

    is_morph = True

    def __init__(self, overrides: dict[str, str] | None = None):
        self.overrides = dict(load_overrides() if overrides is None else overrides)
        self._cache = _stem_cache(self.overrides)
        self._stemmer = None

    def __getstate__(self):
        # The cache and the stemmer are rebuilt on load; only the
        # configuration goes into the index.
        return {"overrides": self.overrides}

    def __setstate__(self, state):
        self.overrides = state["overrides"]
        self._cache = _stem_cache(self.overrides)
        self._stemmer = None

    def __eq__(self, other):
        return type(self) is type(other) and self.overrides == other.overrides

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if self._stemmer is None:
            self._stemmer = snowballstemmer.stemmer(STEMMER_ALGORITHM)
        base = self.overrides.get(word, word)
        stem = base
        if not base.isdigit() and len(base) > 2:
            for _ in range(4):
                shorter = self._stemmer.stemWord(stem)
                if shorter == stem:
                    break
                stem = shorter
        if len(self._cache) > WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = stem
        return stem

    def __call__(self, tokens):
        stem = self.stem
        for t in tokens:
            if not t.stopped:
                text = t.text
                if text.startswith(PART_MARK):
                    t.text = PART_MARK + stem(text[1:])
                else:
                    t.text = stem(text)
            yield t


def analysis_version() -> dict:
    """What an index's analysis depends on; any change means: rebuild."""
    return {
        "revision": ANALYSIS_REVISION,
        "stemmer": f"snowball {STEMMER_ALGORITHM}",
        "snowballstemmer": _version("snowballstemmer"),
        "PyStemmer": _version("PyStemmer"),
        "overrides": len(load_overrides()),
        "overrides_sha1": _sha1(OVERRIDES_FILE.read_bytes()),
    }


def dutch_analyzer(splitter=None):
    """Tokenize, lowercase, fold, drop Dutch stop words, add compound parts
    (with a CompoundSplitter learned from the corpus), stem."""
    return DutchAnalyzer(splitter)


def dutch_filter_chain(splitter=None):
    """The same analysis as a chain of Whoosh filters: slower, kept as the
    reference the single-pass DutchAnalyzer is tested against."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=DUTCH_STOPWORDS, minsize=1)
            | CompoundFilter(splitter) | DutchStemFilter())


class DutchAnalyzer(Analyzer):
    """dutch_filter_chain() in one pass, with one cache lookup per word.

    Whoosh runs a filter chain as nested generators, six Python calls per
    token; indexing spends most of its time there. Here each distinct word
    is analysed once (lowercase, fold, stop word, stem, compound parts) and
    every later occurrence costs a dictionary lookup.
    """

    def __init__(self, splitter=None):
        self.splitter = splitter
        self.stemmer = DutchStemFilter()
        self._words: dict[str, tuple[str | None, tuple[str, ...]]] = {}
        # Folded word -> analysis, learnt ahead of the text (learn()); never
        # emptied, unlike the cache of raw words.
        self._known: dict[str, tuple[str | None, tuple[str, ...]]] = {}

    def __getstate__(self):
        return {"splitter": self.splitter, "stemmer": self.stemmer}

    def __setstate__(self, state):
        self.splitter = state["splitter"]
        self.stemmer = state["stemmer"]
        self._words = {}
        self._known = {}

    def __eq__(self, other):
        return (type(self) is type(other) and self.splitter is other.splitter
                and self.stemmer == other.stemmer)

    def analyse_word(self, raw: str) -> tuple[str | None, tuple[str, ...]]:
        """(stem or None for a stop word, marked stems of compound parts)
        of one word as it stands in the text."""
        return self._words.get(raw) or self._analyse(raw)

    def _analyse(self, raw: str) -> tuple[str | None, tuple[str, ...]]:
        """(stem, or None for a stop word; stems of compound parts, marked)."""
        word = fold(raw.lower())
        analysis = self._known.get(word) or self.analysis_of(word)
        # Stop words are remembered too: they are some 40% of a text's words.
        if len(self._words) > WORD_CACHE_SIZE:
            self._words.clear()
        self._words[raw] = analysis
        return analysis

    def analysis_of(self, word: str) -> tuple[str | None, tuple[str, ...]]:
        """analyse_word() of a word already lower case and folded."""
        if word in DUTCH_STOPWORDS:
            return None, ()
        stem = self.stemmer.stem(word)
        parts: tuple[str, ...] = ()
        if self.splitter is not None and len(word) >= 7:
            parts = tuple(PART_MARK + self.stemmer.stem(p) for p in self.splitter.split(word))
        return stem, parts

    def learn(self, analyses: dict[str, tuple[str | None, tuple[str, ...]]]) -> None:
        """Take the analysis_of() these words, made ahead of the text (by
        several processes at once: see index.builder), and keep it for
        good. The processes that write a fresh index share the words of
        most letters; each used to stem and split them all itself, and to
        do it again after its cache was emptied (45% of analysing the text,
        measured on the shared corpus)."""
        self._known.update(analyses)

    def learnt(self) -> dict[str, tuple[str | None, tuple[str, ...]]]:
        """What learn() was given (to keep beside the index)."""
        return self._known

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        words, analyse = self._words, self._analyse
        with_parts = mode == "index"
        # Positions as Whoosh's StopFilter(renumber=True) gives them: stop
        # words take no position, so "noodzaak van betekenisvolle" is a
        # phrase of two adjacent words, as the query analysis makes it.
        number, pos = start_pos - 1, None
        for match in TOKEN_RE.finditer(value):
            number += 1
            raw = match.group()
            stem, parts = words.get(raw) or analyse(raw)
            if stem is None and removestops:
                continue
            token.boost = 1.0
            if keeporiginal:
                token.original = raw
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            if stem is None:
                if positions:
                    token.pos = number
                token.text, token.stopped = fold(raw.lower()), True
                yield token
                continue
            pos = number if pos is None else pos + 1
            if positions:
                token.pos = pos
            token.text, token.stopped = stem, False
            yield token
            if with_parts:
                for part in parts:
                    token.text = part
                    yield token


    def query_terms(self, text: str) -> list[str]:
        """[token.text for token in self(text, mode="query")] without a Token
        per word: a search analyses each word in several fields, several
        times (tested equal)."""
        words, analyse = self._words, self._analyse
        stems = ((words.get(raw) or analyse(raw))[0] for raw in TOKEN_RE.findall(text))
        return [stem for stem in stems if stem is not None]

    def index_positions(self, value: str, starts: list | None = None) -> dict[str, list[int]]:
        """Term -> positions, as Whoosh's Positions format gathers them from
        ``self(value, mode="index", positions=True)``, without a Token per
        word: the index writer's fast path (tested equal). `starts`, when
        given, gets the character offset of each position's word
        (starts[p] for position p; the positions before the first word,
        which no term has, hold that word's offset)."""
        # Split, looked up, filtered and offset a list at a time (C code per
        # word); only the terms' positions are gathered word by word. A
        # loop over finditer() did it all per word, in Python.
        pieces = _TOKEN_SPLIT.split(value)   # gap, word, gap, word, ..., gap
        raws = pieces[1::2]
        analyses = list(map(self._words.get, raws))
        if None in analyses:
            analyse = self._analyse
            analyses = [known or analyse(raw) for known, raw in zip(analyses, raws)]
        stems = list(map(_FIRST, analyses))
        out: dict[str, list[int]] = {}
        get = out.get
        # Stop words take no position, those before the first word included
        # (Whoosh's StopFilter(renumber=True)), except that the first word
        # keeps its own number.
        pos = 0
        for stem in stems:
            if stem is not None:
                break
            pos += 1
        first = pos
        for stem, parts in compress(analyses, stems):
            found = get(stem)
            if found is None:
                out[stem] = [pos]
            else:
                found.append(pos)
            for part in parts:
                found = get(part)
                if found is None:
                    out[part] = [pos]
                else:
                    found.append(pos)
            pos += 1
        if starts is not None and pos > first:
            # Where each gap ends, the next word starts.
            ends = np.fromiter(map(len, pieces), np.int64, len(pieces)).cumsum()
            kept = ends[0:-1:2][np.fromiter(map(bool, stems), bool, len(stems))].tolist()
            starts.extend([kept[0]] * first)
            starts.extend(kept)
        return out


def plain_analyzer():
    """Same tokens without stemming: for exact-form matching."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=DUTCH_STOPWORDS, minsize=1))


@lru_cache(maxsize=None)
def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _sha1(data: bytes) -> str:
    import hashlib
    return hashlib.sha1(data).hexdigest()[:12]
