"""Known-item queries made from the corpus, one target letter each.

Kinds (see `make_queries`): subject, inflected, no_diacritics, typo (all
from KOOP motion titles), ocr_words (Staten-Generaal Digitaal OCR letters)
and compounds (any letter). Sampling is deterministic: candidates are
shuffled with the given seed and taken in that order until a kind has N.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

from corpus.letter import Letter
from index.analysis import fold
from index.compounds import LINKS

from .quality_corpus import WordStats, is_stopword, words_of
from .quality_inflect import inflect

KINDS = ("subject", "inflected", "no_diacritics", "ocr_words", "compounds", "typo")
# A subject is distinctive when no other letter's title contains it.
MAX_TITLE_MATCHES = 1
SUBJECT_WORDS = (3, 15)        # length range of a usable subject, in words
_TVV_RE = re.compile(r"\s*\(t\.v\.v\.[^)]*\)\s*$")
_DROP_RE = re.compile(r"[\"“”„()\[\]]")
_LEADING_HYPHEN_RE = re.compile(r"(?<!\S)-(?=\w)")
# Distinctive words: letters only, this long, in this many letters at most
# (at least 2, so that OCR garbage seen once is not taken for a word).
DISTINCT_MIN_LEN = 6
DISTINCT_DF = (2, 20)
PASSAGE_WORDS = 60
COMPOUND_MIN_LEN = 12
COMPOUND_MAX_DF = 30
PART_MIN_DF = 20
# Adverbs and particles the stop list lets through; they have no other
# inflection ("weer" -> "weren" would change the word, not its form).
NOT_INFLECTED = frozenset("""weer meer zeer veel heel even eens alle alles ofwel
    zowel beter verder vooral vaak later eerder binnen buiten samen""".split())


@dataclass
class Query:
    kind: str
    text: str
    target: str
    source: str = ""                      # what it was made from
    meta: dict = field(default_factory=dict)


def subject_of(letter: Letter) -> str | None:
    """The subject of a KOOP motion title: after the first " over ", without
    a trailing "(t.v.v. ...)", quotes and brackets dropped, and a hyphen at
    the start of a word dropped too ("IT- en cyberspecialisten en
    -reservisten", "de SLIM -regeling"): every engine would read it as syntax
    (kamerzoek as "without the word"), which a person retyping the subject
    would not mean."""
    if letter.format != "koop-xml" or not letter.title or " over " not in letter.title:
        return None
    subject = _TVV_RE.sub("", letter.title.split(" over ", 1)[1])
    subject = _LEADING_HYPHEN_RE.sub("", _DROP_RE.sub(" ", subject))
    subject = " ".join(subject.split())
    low, high = SUBJECT_WORDS
    return subject if low <= len(words_of(subject)) <= high else None


def _distinct_subject(subject: str, stats: WordStats) -> bool:
    key = fold(subject.lower())
    return sum(1 for title in stats.titles if key in title) <= MAX_TITLE_MATCHES


def inflect_text(text: str, vocabulary) -> tuple[str, list[tuple[str, str]]]:
    """Every content word that has an attested other inflection, changed;
    except adverbs the stop list misses ("weer" is not "weren") and a final
    infinitive: a motion's subject usually ends in its verb ("... verbieden"),
    and "verbied" would be a conjugation, not another form of the subject."""
    changed, out = [], []
    tokens = text.split()
    for n, token in enumerate(tokens):
        lower = token.lower()
        other = None
        final_verb = n == len(tokens) - 1 and lower.endswith("en")
        if lower.isalpha() and not is_stopword(lower) and lower not in NOT_INFLECTED \
                and not final_verb:
            other = inflect(lower, vocabulary)
        if other:
            changed.append((lower, other))
            out.append(other)
        else:
            out.append(token)
    return " ".join(out), changed


def make_typo(word: str, rng: random.Random) -> str:
    """One edit away, never at the first letter: delete, swap, replace, double."""
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("delete", "swap", "replace", "double"))
    if op == "delete":
        return word[:i] + word[i + 1:]
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "replace":
        letters = [c for c in "aeioutnsrdlkmgp" if c != word[i]]
        return word[:i] + rng.choice(letters) + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def distinctive_words(stats: WordStats, index: int, words=None) -> list[str]:
    """Folded words of a letter (or of `words` from it) by tf-idf, best first."""
    counts = stats.counts[index]
    low, high = DISTINCT_DF
    pool = {fold(w) for w in words} if words is not None else counts.keys()
    scored = [(counts[w] * math.log(stats.n / stats.df[w]), w) for w in pool
              if len(w) >= DISTINCT_MIN_LEN and low <= stats.df.get(w, 0) <= high
              and not is_stopword(w) and counts.get(w)]
    return [w for _, w in sorted(scored, reverse=True)]


def top_parts(splitter, word: str) -> tuple[str, ...]:
    """The top-level split of a compound (without the nested parts
    `CompoundSplitter.split` appends), or () when it is not one."""
    parts = splitter.split(word)
    for k in range(2, len(parts) + 1):
        if _joins(word, parts[:k]):
            return parts[:k]
    return ()


def _joins(word: str, parts) -> bool:
    if not parts:
        return word == ""
    if not word.startswith(parts[0]):
        return False
    rest = word[len(parts[0]):]
    if len(parts) == 1:
        return rest == ""
    return any(rest.startswith(link) and _joins(rest[len(link):], parts[1:]) for link in LINKS)


@dataclass
class Context:
    stats: WordStats
    splitter: object          # index.compounds.CompoundSplitter
    modern: set               # words of the KOOP letters: real words, not OCR fragments


def make_queries(letters: list[Letter], stats: WordStats, splitter, per_kind: int,
                 seed: int, kinds=KINDS) -> list[Query]:
    modern = set()
    for i, letter in enumerate(letters):
        if letter.format == "koop-xml":
            modern.update(stats.counts[i])
    ctx = Context(stats, splitter, modern)
    order = list(range(len(letters)))
    random.Random(seed).shuffle(order)
    makers = {"subject": _subject, "inflected": _inflected, "no_diacritics": _no_diacritics,
              "typo": _typo, "ocr_words": _ocr_words, "compounds": _compounds}
    queries = []
    for kind in kinds:
        rng = random.Random(f"{seed}-{kind}")
        made = 0
        for i in order:
            if made >= per_kind:
                break
            query = makers[kind](letters[i], i, ctx, rng)
            if query:
                query.kind, query.target = kind, letters[i].id
                queries.append(query)
                made += 1
    return queries


def _distinct_subject_of(letter, stats):
    subject = subject_of(letter)
    return subject if subject and _distinct_subject(subject, stats) else None


def _subject(letter, i, ctx, rng):
    subject = _distinct_subject_of(letter, ctx.stats)
    return Query("", subject, "", source=letter.title) if subject else None


def _inflected(letter, i, ctx, rng):
    subject = _distinct_subject_of(letter, ctx.stats)
    if not subject:
        return None
    text, changed = inflect_text(subject, ctx.stats.df)
    if not changed:
        return None
    return Query("", text, "", source=subject, meta={"changed": changed})


def _no_diacritics(letter, i, ctx, rng):
    subject = _distinct_subject_of(letter, ctx.stats)
    if not subject or fold(subject) == subject:
        return None
    return Query("", fold(subject), "", source=subject)


def _typo(letter, i, ctx, rng):
    subject = _distinct_subject_of(letter, ctx.stats)
    if not subject:
        return None
    tokens = subject.split()
    longest = max(range(len(tokens)), key=lambda k: (len(tokens[k]) if tokens[k].isalpha() else 0))
    word = tokens[longest]
    if not word.isalpha() or len(word) < 6:
        return None
    typo = make_typo(word, rng)
    if ctx.stats.df.get(fold(typo.lower()), 0):
        return None  # the "typo" is a real word of the corpus
    tokens[longest] = typo
    return Query("", " ".join(tokens), "", source=subject, meta={"word": word, "typo": typo})


def _ocr_words(letter, i, ctx, rng):
    stats = ctx.stats
    if not letter.id.startswith("sgd-"):
        return None
    body_words = words_of(letter.body)
    if len(body_words) < 150:
        return None
    start = rng.randrange(0, len(body_words) - PASSAGE_WORDS)
    passage = body_words[start:start + PASSAGE_WORDS]
    best = distinctive_words(stats, i, passage)
    k = rng.choice((3, 4))
    if len(best) < k:
        return None
    chosen = best[:k]
    if stats.letters_with_all(chosen) != {i}:
        return None
    # As typed: the spelling of the passage (diacritics kept).
    typed = {fold(w): w for w in passage}
    return Query("", " ".join(typed[w] for w in chosen), "", source=" ".join(passage))


def _compounds(letter, i, ctx, rng):
    stats, splitter = ctx.stats, ctx.splitter
    counts = stats.counts[i]
    found = []
    for word in counts:
        if (len(word) >= COMPOUND_MIN_LEN and 1 <= stats.df[word] <= COMPOUND_MAX_DF
                and word.isalpha()):
            parts = top_parts(splitter, word)
            if len(parts) == 2 and all(stats.df.get(p, 0) >= PART_MIN_DF
                                       and p in ctx.modern for p in parts):
                found.append((word, parts))
    if not found:
        return None
    word, parts = sorted(found)[rng.randrange(len(found))]
    others = [w for w in distinctive_words(stats, i)[:8]
              if w != word and not any(p in w for p in parts)]
    if not others:
        return None
    chosen = rng.sample(others, min(len(others), rng.choice((1, 2))))
    if stats.letters_with_all([word] + chosen) != {i}:
        return None
    return Query("", " ".join(list(parts) + chosen), "", source=word,
                 meta={"compound": word, "parts": list(parts), "others": chosen})
