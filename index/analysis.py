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
from pathlib import Path

import snowballstemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stopwords_for_language

# Bump when the analysis changes in a way that makes old indexes wrong.
ANALYSIS_REVISION = 2
# Compound parts are indexed with this mark, beside the whole word, so a
# query can weigh "wapens" inside "kernwapens" below "wapens" on its own.
PART_MARK = "~"
STEMMER_ALGORITHM = "dutch"
OVERRIDES_FILE = Path(__file__).with_name("stem_overrides.txt")

# Identifiers first (kst-33694-45, 21501-21, 2019Z01633), then plain words and
# numbers. Hyphenated words split into their parts (Noord-Holland -> noord,
# holland), so either part finds them.
TOKEN_PATTERN = (r"kst-\d+(?:-[A-Za-z0-9]+)+"
                 r"|\d+(?:[-/]\d+)+"
                 r"|\d{4}[A-Z]\d{4,6}"
                 r"|\w+")


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
            yield t
            if split is None or t.mode != "index" or t.stopped or len(t.text) < 7:
                continue
            parts = split(t.text)
            if parts:
                whole = t.text
                for part in parts:
                    t.text = PART_MARK + part
                    yield t
                t.text = whole


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
        self._cache: dict[str, str] = {}
        self._stemmer = None

    def __getstate__(self):
        # The cache and the stemmer are rebuilt on load; only the
        # configuration goes into the index.
        return {"overrides": self.overrides}

    def __setstate__(self, state):
        self.overrides = state["overrides"]
        self._cache = {}
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
        if len(self._cache) > 500_000:
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
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=DUTCH_STOPWORDS, minsize=1)
            | CompoundFilter(splitter) | DutchStemFilter())


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
