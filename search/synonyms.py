"""Synonyms and abbreviations of government language, expanded at query time.

The list lives in an editable text file (index/synonyms.txt by default): one
group of equivalent terms per line, separated by commas. A query term that
belongs to a group is searched together with the group's other terms, and
the response says which ones ("ook gezocht op ...").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.analysis import dutch_analyzer

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "index" / "synonyms.txt"
_ANALYZER = dutch_analyzer()


def normalise(text: str) -> tuple[str, ...]:
    """A term as matched: its stems, so "drones" meets "drone" and case,
    diacritics and stop words do not matter."""
    return tuple(t.text for t in _ANALYZER(text, mode="query"))


@dataclass(frozen=True)
class Synonyms:
    # normalised term -> the display forms of the other terms in its groups
    alternatives: dict[tuple[str, ...], tuple[str, ...]]
    longest: int

    def lookup(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return self.alternatives.get(words, ())


def parse_synonyms(text: str) -> Synonyms:
    alternatives: dict[tuple[str, ...], list[str]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        terms = [t.strip() for t in line.split(",") if t.strip()]
        if len(terms) < 2:
            continue
        for term in terms:
            key = normalise(term)
            if not key:
                continue
            others = alternatives.setdefault(key, [])
            for other in terms:
                # Another inflection of the same term adds nothing to search.
                if normalise(other) != key and other not in others:
                    others.append(other)
    longest = max((len(k) for k in alternatives), default=1)
    return Synonyms({k: tuple(v) for k, v in alternatives.items()}, longest)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Synonyms:
    return parse_synonyms(Path(path).read_text(encoding="utf-8"))


def load_synonyms(path: str | Path | None = None) -> Synonyms:
    """The synonyms file, re-read when it changes on disk (no restart)."""
    path = Path(path or DEFAULT_FILE)
    try:
        return _load(str(path), path.stat().st_mtime)
    except OSError:
        return Synonyms({}, 1)
