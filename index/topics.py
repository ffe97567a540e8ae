"""Topics (TaxonomieBeleidsagenda themes) for letters that carry none.

Letters whose metadata or sidecar names their themes teach a TopicModel; the
model then gives a theme to the others, in two ways:

* dossier: letters of one dossier share its topic (in the labelled KOOP XML
  every dossier's letters carry the same themes), so a letter of a dossier
  with labelled letters gets the themes at least half of them carry;
* model: otherwise a (complement) naive Bayes classifier over the stemmed
  words of title, dossier title and body picks the single most likely theme,
  but only when it is confident enough; else the letter keeps no topic. One
  theme, not several: a second guess is right less often than the first,
  and an inferred topic should rather be missing than wrong.

All state is integer counts, so ``add(letter, sign=-1)`` undoes ``add``
exactly and the model can follow an index that changes letter by letter.
"""
from __future__ import annotations

import json
import math
import pickle
import re
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from corpus.atomic import write_atomic
from corpus.letter import Letter

from .analysis import (DUTCH_STOPWORDS, PART_MARK, TOKEN_PATTERN, DutchStemFilter,
                       analysis_version, fold)
from .runs import run_indexes

GIVEN_SOURCES = ("metadata", "sidecar")
FORMAT = 1
# What save() stores of a model.
_COUNTS = ("dossier_letters", "dossier_themes", "theme_letters", "theme_words", "words")
# The counts depend on these; a saved model built with others is refused.
TITLE_WEIGHT = 3       # a title word counts this much more than a body word
MAX_BODY_CHARS = 30_000  # about 4,000 words: plenty to know the topic
_FEATURES = {"analysis": analysis_version(), "title_weight": TITLE_WEIGHT,
             "max_body_chars": MAX_BODY_CHARS, "words": "distinct, alphabetic, 2+",
             "body_end": "word end"}

_TOKEN = re.compile(TOKEN_PATTERN)
_SPACE = re.compile(r"\s")
_STEMMER = DutchStemFilter()
_ANALYSED: dict[str, str] = {}   # raw word -> stem, "" for a stop word


def analyse(text: str) -> list[str]:
    """The tokens dutch_analyzer() gives, so the model's words are the
    index's words; the tests hold the two equal."""
    return [t for t in map(_analyse_word, _TOKEN.findall(text)) if t]


def _analyse_word(raw: str) -> str:
    # Whoosh's analyzer makes a Token object per word; this does the same
    # steps once per distinct word, several times faster.
    token = _ANALYSED.get(raw)
    if token is None:
        if len(_ANALYSED) > 300_000:    # bound the memory OCR noise can take
            _ANALYSED.clear()
        word = fold(raw.lower())
        token = _ANALYSED[raw] = "" if word in DUTCH_STOPWORDS else _STEMMER.stem(word)
    return token


def features(letter: Letter, body_stems: Iterable[str] | None = None) -> Counter:
    """Weighted words of a letter: what the model learns and judges.

    A body word counts once however often it occurs (cross-validation
    preferred presence to counts: repeats say more about length than
    topic); a word of the title or dossier title counts TITLE_WEIGHT more.
    Only the body's first MAX_BODY_CHARS count, up to the end of the word
    there (body_text_end()). `body_stems`, when given, are the distinct
    stems of those words as the index's analyzer gave them (the index
    writer has them anyway), so the body is not analysed a second time.
    """
    if body_stems is None:
        body_stems = _analysed_body_stems(letter.body)
    counts = Counter(body_stems)
    heads = " ".join(t for t in (letter.title, letter.dossier_title) if t)
    for word in set(analyse(heads)):
        counts[word] += TITLE_WEIGHT
    # Numbers (dates, dossier and article numbers, amounts) and single
    # letters (OCR debris) name no topic; leaving them out keeps the model
    # small and old scans from matching on page numbers.
    for word in [w for w in counts if len(w) < 2 or not w.isalpha()]:
        del counts[word]
    return counts


def _analysed_body_stems(body: str) -> set[str]:
    raws = set(_TOKEN.findall(body, 0, body_text_end(body)))
    return set(map(_analyse_word, raws))


def body_stems(body: str, terms: dict[str, list[int]], starts: list[int]) -> Iterable[str]:
    """The distinct stems of the words features() reads in `body`, from the
    index analyzer's terms and word offsets of it
    (DutchAnalyzer.index_positions), compound parts and numbers included:
    features() leaves those out. Lazy for a long body: a letter with given
    topics, or of a dossier the model knows, needs none."""
    if len(body) <= MAX_BODY_CHARS:
        return terms.keys()
    end = body_text_end(body)
    return (term for term, positions in terms.items() if starts[positions[0]] < end)


def body_text_end(body: str) -> int:
    """Where the part of a body that the model reads ends: at the first
    white space from MAX_BODY_CHARS on. No word runs across white space,
    so the words before it are the text's own words, none of them cut."""
    if len(body) <= MAX_BODY_CHARS:
        return len(body)
    match = _SPACE.search(body, MAX_BODY_CHARS)
    return match.start() if match else len(body)


@dataclass(frozen=True)
class Lesson:
    """What a labelled letter teaches the model: its dossier, its themes and
    its features(). Made where the letter is read (a reading process), so
    the process that learns from it neither receives its text nor analyses
    it: in the main process of a build that took 1.4 s of the read phase."""
    dossier: str | None
    themes: tuple[str, ...]
    counts: Counter

    @classmethod
    def of(cls, letter: Letter) -> "Lesson":
        themes = tuple(dict.fromkeys(letter.topics))
        return cls(letter.dossier, themes, features(letter) if themes else Counter())


@dataclass(frozen=True)
class _Rows:
    """The classifier's per-word weights as one sparse table: word ->
    row number; row r's entries are starts[r] .. starts[r] + sizes[r]
    of themes (theme numbers) and weights."""
    words: dict
    starts: np.ndarray
    sizes: np.ndarray
    themes: np.ndarray
    weights: np.ndarray

    def table(self) -> "_Rows":
        return self


class _PartialRows:
    """The rows of the words asked for so far, computed as they are asked
    for (``words.get``, as _known_features() asks), and table() as a
    _Rows. An update scores a few letters: the rows of every word the model
    knows took it 0.48 s at 200,000 letters (86,700 words)."""

    def __init__(self, model_words: dict, column: dict[str, int], alpha: float):
        self._model_words, self._column, self._alpha = model_words, column, alpha
        self._numbers: dict[str, int] = {}
        self._starts, self._sizes = array("q"), array("q")
        self._themes, self._weights = array("H"), array("d")
        self._table: _Rows | None = None

    @property
    def words(self) -> "_PartialRows":
        return self

    def get(self, word: str) -> int | None:
        number = self._numbers.get(word)
        if number is None:
            per_word = self._model_words.get(word)
            if per_word is None:
                return None
            number = self._numbers[word] = len(self._sizes)
            self._table = None
            row = _weight_row(per_word, self._column, self._alpha)
            self._starts.append(len(self._weights))
            self._sizes.append(len(row))
            for theme, weight in row:
                self._themes.append(theme)
                self._weights.append(weight)
        return number

    def table(self) -> _Rows:
        # Copies, made again only after rows were added: a view would keep
        # the arrays from growing (BufferError).
        if self._table is None:
            self._table = _Rows(self, np.array(self._starts, dtype=np.int64),
                                np.array(self._sizes, dtype=np.int64),
                                np.array(self._themes, dtype=np.uint16),
                                np.array(self._weights, dtype=np.float64))
        return self._table


def _weight_row(per_word: dict[str, int], column: dict[str, int],
                alpha: float) -> list[tuple[int, float]]:
    """A word's (theme number, weight) entries: see _scoring_weights()."""
    seen = sum(per_word.values()) + alpha
    return [(column[t], math.log(seen / (seen - n))) for t, n in per_word.items() if n]


class TopicModel:
    """Dossier -> theme counts plus a naive Bayes theme classifier.

    ``add(letter)`` / ``add(letter, sign=-1)`` learn / unlearn a letter with
    given topics; ``predict(letter)`` -> (themes, source); ``scores(letter)``
    -> the classifier's themes with confidence; ``save``/``load`` store the
    counts as a pickle; ``to_dict``/``from_dict`` as JSON (models saved
    before 2026-12-03; the tests compare models by it).
    """

    # Chosen by cross-validation over dossiers (bench/topic_accuracy.py).
    # Add-alpha smoothing of word counts per theme.
    alpha = 1.0
    # The model's best theme is given only when its tempered probability
    # reaches this; below it the letter gets no topic. For letters of
    # unseen dossiers 0.5 labels 57% at 73% right (0.7: 44% at 79%).
    threshold = 0.5
    # Naive Bayes adds up evidence from every word as if each were new, so
    # raw probabilities are all but 0 or 1. Scaling the log-odds by
    # scale / tokens ** temper_power gives a confidence that can be
    # thresholded, and that is not higher for a letter merely for being long.
    scale = 3.0
    temper_power = 0.5

    def __init__(self) -> None:
        # Plain dicts, not Counters: loading a model built one Counter per
        # word, which cost more than reading the file.
        self.dossier_letters: dict[str, int] = {}         # dossier -> labelled letters
        self.dossier_themes: dict[str, dict] = {}         # dossier -> theme -> letters
        self.theme_letters: dict[str, int] = {}           # theme -> labelled letters
        self.theme_words: dict[str, int] = {}             # theme -> summed word weight
        self.words: dict[str, dict] = {}                  # word -> theme -> weight
        self._cache: tuple | None = None                  # scoring weights
        self._partial: tuple | None = None                # some of them

    # -- learning -----------------------------------------------------------

    def add(self, letter: Letter | Lesson, sign: int = 1) -> None:
        """Learn from a letter with given topics (or from its Lesson);
        sign=-1 unlearns it.

        A letter without topics teaches nothing and is ignored.
        """
        if sign not in (1, -1):
            raise ValueError("sign must be 1 or -1")
        lesson = letter if isinstance(letter, Lesson) else Lesson.of(letter)
        dossier, themes, counts = lesson.dossier, lesson.themes, lesson.counts
        if not themes:
            return
        if sign < 0 and not self._has_learnt(dossier, themes, counts):
            # Checked before touching anything, so a wrong call leaves the
            # model as it was instead of half unlearnt.
            raise ValueError(f"{getattr(letter, 'id', dossier)}: unlearning a letter that was "
                             "not learnt")
        self._cache = self._partial = None
        if dossier:
            _bump(self.dossier_letters, dossier, sign)
            _bump_all(self.dossier_themes, dossier, themes, sign)
        total = sum(counts.values())
        for theme in themes:
            _bump(self.theme_letters, theme, sign)
            _bump(self.theme_words, theme, sign * total)
        for word, n in counts.items():
            _bump_all(self.words, word, themes, sign * n)

    def _has_learnt(self, dossier, themes, counts) -> bool:
        if any(self.theme_letters.get(t, 0) < 1 for t in themes):
            return False
        if dossier and any(self.dossier_themes.get(dossier, {}).get(t, 0) < 1
                           for t in themes):
            return False
        return all(self.words.get(w, {}).get(t, 0) >= n
                   for w, n in counts.items() for t in themes)

    # -- predicting ---------------------------------------------------------

    def predict(self, letter: Letter, *, use_dossier: bool = True,
                body_stems: Iterable[str] | None = None
                ) -> tuple[tuple[str, ...], str | None]:
        """(themes, source) inferred for a letter, ignoring its own topics.

        Source "dossier": the themes carried by at least half the dossier's
        labelled letters (several when the dossier has several). Source
        "model": the single best theme of the classifier, when confident.
        Nothing fits: ((), None). use_dossier=False skips the dossier step
        (to measure the classifier alone). body_stems: see features().
        """
        if use_dossier and letter.dossier in self.dossier_themes:
            return self.dossier_topics(letter.dossier), "dossier"
        scores = self.scores(letter, body_stems)
        if not scores:
            return (), None
        best, confidence = scores[0]
        if confidence < self.threshold:
            return (), None
        return (best,), "model"

    def dossier_topics(self, dossier: str) -> tuple[str, ...]:
        themes = self.dossier_themes[dossier]
        half = self.dossier_letters[dossier] / 2
        ranked = sorted(themes.items(), key=lambda item: (-item[1], item[0]))
        return tuple(t for t, n in ranked if n >= half) or (ranked[0][0],)

    def scores(self, letter: Letter, body_stems: Iterable[str] | None = None
               ) -> list[tuple[str, float]]:
        """Themes with their tempered probability, most likely first; empty
        when the letter shares no word with the labelled letters."""
        themes, rows, log_norm = self._weights()
        found = _known_features(letter, body_stems, rows.words)
        if not found:
            return []
        rows = rows.table()
        seen = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
        counts = list(found.values())
        tokens = sum(counts)
        sizes = rows.sizes[seen]
        entries = run_indexes(rows.starts[seen], sizes)
        sums = np.bincount(rows.themes[entries],
                           rows.weights[entries] * np.repeat(counts, sizes),
                           minlength=len(themes)).tolist()
        scale = self.scale / tokens ** self.temper_power
        logits = [(total + tokens * norm) * scale for total, norm in zip(sums, log_norm)]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        return sorted(((t, e / total) for t, e in zip(themes, exp)),
                      key=lambda item: (-item[1], item[0]))

    def _weights(self) -> tuple:
        """(themes, rows, log_norm) to score with: every word's rows once
        computed (a build's writing processes score thousands of letters),
        else those of the words asked for (an update scores a few)."""
        if self._cache is not None or self.words is None:
            return self._scoring_weights()
        if self._partial is None:
            themes, log_norm = self._theme_norms()
            column = {t: i for i, t in enumerate(themes)}
            self._partial = (themes, _PartialRows(self.words, column, self.alpha), log_norm)
        return self._partial

    def _scoring_weights(self) -> tuple:
        # Complement naive Bayes (Rennie et al., 2003) judges a theme by how
        # badly the letter fits all *other* themes' letters; it copes better
        # than plain naive Bayes with themes of very different sizes (+4
        # points in cross-validation here). Its log-likelihood for theme t,
        #   sum_w n_w log(N_w - N_tw + a) - n log(N - N_t + a V),
        # splits into a part equal for every theme (dropped), a per-word
        # weight log((N_w + a) / (N_w - N_tw + a)), zero for themes the word
        # was never seen with, and a per-theme normaliser.
        if self._cache is not None:
            return self._cache
        themes, log_norm = self._theme_norms()
        column = {t: i for i, t in enumerate(themes)}
        # Sparse: the themes the word was seen with and their weights. A
        # dense row of floats per word took hundreds of MB per writing
        # process at 200,000 letters.
        words: dict[str, int] = {}
        sizes, theme_numbers, weights = array("I"), array("H"), array("d")
        for word, per_word in self.words.items():
            words[word] = len(sizes)
            row = _weight_row(per_word, column, self.alpha)
            sizes.append(len(row))
            for number, weight in row:
                theme_numbers.append(number)
                weights.append(weight)
        sizes = np.frombuffer(sizes, dtype=np.uint32).astype(np.int64)
        rows = _Rows(words, np.cumsum(sizes) - sizes, sizes,
                     np.frombuffer(theme_numbers, dtype=np.uint16),
                     np.frombuffer(weights, dtype=np.float64))
        self._cache = (themes, rows, log_norm)
        return self._cache

    def _theme_norms(self) -> tuple[list[str], list[float]]:
        """The themes in column order and their normalisers."""
        themes = sorted(self.theme_letters)
        vocabulary = len(self.words)
        total = sum(self.theme_words.values())
        return themes, [math.log(total - self.theme_words.get(t, 0) + self.alpha * vocabulary)
                        for t in themes]

    def keep_only_scoring(self) -> None:
        """Let go of the word counts once the model is saved and has learnt
        all it will: predicting needs only the scoring weights. At 200,000
        letters the counts were the largest thing a build's main process
        held while its writing processes ran."""
        self._scoring_weights()
        self.words = None

    # -- storing ------------------------------------------------------------

    def to_dict(self) -> dict:
        themes = sorted(self.theme_letters)
        index = {t: i for i, t in enumerate(themes)}
        return {
            "format": FORMAT, "features": _FEATURES, "themes": themes,
            "theme_letters": [self.theme_letters[t] for t in themes],
            "theme_words": [self.theme_words.get(t, 0) for t in themes],
            "dossiers": {d: [self.dossier_letters[d], dict(sorted(c.items()))]
                         for d, c in sorted(self.dossier_themes.items())},
            # word -> [theme index, weight, theme index, weight, ...]
            "words": {w: [x for t, n in sorted(c.items()) for x in (index[t], n)]
                      for w, c in sorted(self.words.items())},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "TopicModel":
        """Raises ValueError for a model of another format or feature set:
        its counts cannot be mixed with new ones, so rebuild it."""
        if data.get("format") != FORMAT or data.get("features") != _FEATURES:
            raise ValueError("topic model was built with other settings; rebuild it")
        model = cls()
        themes = data["themes"]
        model.theme_letters = dict(zip(themes, data["theme_letters"]))
        model.theme_words = dict(zip(themes, data["theme_words"]))
        for dossier, (letters, counts) in data["dossiers"].items():
            model.dossier_letters[dossier] = letters
            model.dossier_themes[dossier] = dict(counts)
        for word, flat in data["words"].items():
            model.words[word] = {themes[flat[i]]: flat[i + 1] for i in range(0, len(flat), 2)}
        return model

    def save(self, path: str | Path) -> None:
        """As a pickle of its counts: an update that changed anything saved
        the model as JSON in 0.05-0.07 s of the shared corpus and read it
        in 0.04-0.08 s, the loops of to_dict and from_dict included."""
        state = {"format": FORMAT, "features": _FEATURES}
        state.update((name, getattr(self, name)) for name in _COUNTS)
        write_atomic(path, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))

    @classmethod
    def load(cls, path: str | Path) -> "TopicModel":
        """A model save()d, or one saved as JSON before (to_dict). Raises
        OSError, or ValueError for a file that holds no model of these
        settings (see from_dict)."""
        with open(path, "rb") as handle:
            data = handle.read()
        if data.startswith(b"{"):
            try:
                return cls.from_dict(json.loads(data))
            except (KeyError, TypeError, AttributeError, IndexError) as exc:
                raise ValueError(f"topic model incomplete: {exc!r}") from None
        try:
            state = pickle.loads(data)
        except Exception as exc:   # damaged: any of pickle's many errors
            raise ValueError(f"topic model unreadable: {exc}") from None
        if (not isinstance(state, dict) or state.get("format") != FORMAT
                or state.get("features") != _FEATURES):
            raise ValueError("topic model was built with other settings; rebuild it")
        if not all(isinstance(state.get(name), dict) for name in _COUNTS):
            raise ValueError("topic model incomplete")
        model = cls()
        for name in _COUNTS:
            setattr(model, name, state[name])
        return model


def _known_features(letter: Letter, body_stems: Iterable[str] | None,
                    rows: dict[str, int]) -> dict[int, int]:
    """features() of the letter, only the words in `rows` (word -> row), as
    row -> weight. Every word the model knows passed features()'s filters
    when it was learnt, so looking the words up first makes filtering the
    others (most words of a letter) unnecessary: scoring took half the time
    (one-off script, the shared corpus's 11,500 letters to score)."""
    known = rows.get
    if body_stems is None:
        body_stems = _analysed_body_stems(letter.body)
    found = dict.fromkeys(map(known, body_stems), 1)
    found.pop(None, None)
    heads = " ".join(t for t in (letter.title, letter.dossier_title) if t)
    for row in set(map(known, analyse(heads))):
        if row is not None:
            found[row] = found.get(row, 0) + TITLE_WEIGHT
    return found


def with_topics(letter: Letter, model: TopicModel,
                body_stems: Iterable[str] | None = None) -> Letter:
    """The letter with inferred topics if none were given.

    Given topics stay as they are; an earlier inference is redone, since the
    model may have learnt since. body_stems: see features().
    """
    if letter.topic_source in GIVEN_SOURCES and letter.topics:
        return letter
    topics, source = model.predict(letter, body_stems=body_stems)
    return letter.with_changes(topics=topics, topic_source=source)


def _bump(counter: dict, key: str, delta: int) -> None:
    # Zero counts are deleted, so the model (and its file) holds only what
    # some letter still contributes.
    value = counter.get(key, 0) + delta
    if value:
        counter[key] = value
    else:
        # Absent when it was 0 and stays 0 (a labelled letter without a
        # word the model reads).
        counter.pop(key, None)


def _bump_all(table: dict[str, dict], key: str, themes, delta: int) -> None:
    inner = table.setdefault(key, {})
    for theme in themes:
        _bump(inner, theme, delta)
    if not inner:
        del table[key]
