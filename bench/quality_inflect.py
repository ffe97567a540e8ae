"""Other inflections of Dutch words, by simple spelling rules.

The rules below propose candidates; a candidate is used only when the corpus
itself contains it (at least MIN_ATTESTED times), so a rule that does not
apply to a word ("kind" -> "kinden") never produces a non-word. Of the
attested candidates the most frequent wins. The rules:

  1. -ing <-> -ingen, -heid <-> -heden       (regeling -> regelingen)
  2. -ie <-> -ies, -ie <-> -ieën             (organisatie -> organisaties)
  3. plural/infinitive -en -> base: drop -en, then undouble a doubled final
     consonant (budgetten -> budget), or double the vowel of an open
     syllable (resultaten -> resultaat), v -> f, z -> s (brieven -> brief)
  4. base -> -en plural: the same in reverse (budget -> budgetten,
     resultaat -> resultaten, brief -> brieven, land -> landen)
  5. -s plural <-> base for words ending in -el/-en/-er/-em/-je/-ie
     (wapens <-> wapen, tafels <-> tafel)
  6. -e adjective <-> base with the same spelling changes as 3/4
     (autonome <-> autonoom, illegale <-> illegaal, intensieve <-> intensief,
     volle <-> vol, Israëlische <-> Israëlisch, financiële <-> financieel);
     a short vowel before the last consonant may or may not be doubled
     (budgetten, verboden): both are proposed
  7. only when 1-6 give nothing attested: -e noun -> -es / -en
     (ziekte -> ziektes, ziekten)
"""
from __future__ import annotations

from index.analysis import fold

VOWELS = set("aeiouy")
MIN_ATTESTED = 5
MIN_LENGTH = 4


def _is_vowel(ch: str) -> bool:
    return fold(ch) in VOWELS


def _short_closed(stem: str) -> bool:
    """Ends in consonant, single vowel, consonant ("budget", "vol", "plan")."""
    return (len(stem) >= 3 and not _is_vowel(stem[-1]) and _is_vowel(stem[-2])
            and not _is_vowel(stem[-3]) and stem[-1] not in "wjh")


def _long_closed(stem: str) -> bool:
    """Ends in a doubled vowel and a consonant ("resultaat", "kanaal")."""
    return (len(stem) >= 4 and not _is_vowel(stem[-1]) and stem[-2] == stem[-3]
            and stem[-2] in "aeou" and (len(stem) == 4 or not _is_vowel(stem[-4])))


def _add_ending(base: str, ending: str) -> set[str]:
    """base + -e/-en with Dutch spelling: resultaat -> resultaten,
    budget -> budgetten (or verbod -> verboden: both are proposed),
    brief -> brieven, huis -> huizen, financieel -> financiële."""
    if base.endswith(("ieel", "ieer")):
        return {base[:-3] + "ë" + base[-1] + ending}
    stems = {base}
    if _long_closed(base):
        stems = {base[:-3] + base[-2] + base[-1]}
    elif _short_closed(base) and not base.endswith(("el", "er", "em", "en", "ig", "isch")):
        stems.add(base + base[-1])
    out = set()
    for stem in stems:
        if stem.endswith("f") and len(stem) > 2 and _is_vowel(stem[-2]):
            stem = stem[:-1] + "v"
        elif stem.endswith("s") and len(stem) > 2 and _is_vowel(stem[-2]):
            stem = stem[:-1] + "z"
        out.add(stem + ending)
    return out


def _strip_ending(word: str, ending: str) -> list[str]:
    """word minus -e/-en, with the spellings a base form may take."""
    stem = word[: -len(ending)]
    if len(stem) < 2:
        return []
    out = [stem]
    if len(stem) >= 3 and stem[-1] == stem[-2] and not _is_vowel(stem[-1]):
        out.append(stem[:-1])                          # budgett -> budget
    if (len(stem) >= 3 and not _is_vowel(stem[-1]) and _is_vowel(stem[-2])
            and not _is_vowel(stem[-3]) and stem[-2] in "aeou"):
        out.append(stem[:-1] + stem[-2] + stem[-1])  # resultat -> resultaat
    if len(stem) >= 3 and stem[-2] == "ë" and not _is_vowel(stem[-1]):
        out.append(stem[:-2] + "ee" + stem[-1])       # financiël -> financieel
    for base in list(out):
        if base.endswith("v"):
            out.append(base[:-1] + "f")
        elif base.endswith("z"):
            out.append(base[:-1] + "s")
    return out


def candidates(word: str) -> set[str]:
    """Other inflections by rules 1-6 (plural/singular, adjective -e)."""
    w = word
    out: set[str] = set()
    if w.endswith("ingen"):
        out.add(w[:-2])
    elif w.endswith("ing"):
        out.add(w + "en")
    if w.endswith("heden"):
        out.add(w[:-5] + "heid")
    elif w.endswith("heid"):
        out.add(w[:-4] + "heden")
    if w.endswith("ie"):
        out.update({w + "s", w + "ën"})
    if w.endswith("ies") and len(w) > 4:
        out.add(w[:-1])
    if w.endswith("ieën"):
        out.add(w[:-2])
    if w.endswith("en") and not w.endswith("ieën"):
        out.update(_strip_ending(w, "en"))
    if w.endswith("s") and w[:-1].endswith(("el", "en", "er", "em", "je", "ie", "ei")):
        out.add(w[:-1])
    if w.endswith(("el", "en", "er", "em", "je")):
        out.add(w + "s")
    if w.endswith("e") and not w.endswith("ie"):
        out.update(_strip_ending(w, "e"))
    if not w.endswith(("e", "en", "s")) or w.endswith(("isch", "ees", "aas", "oos", "ies")):
        out.update(_add_ending(w, "e"))
        out.update(_add_ending(w, "en"))
    out.discard(w)
    return {c for c in out if len(c) >= 3}


def noun_e_candidates(word: str) -> set[str]:
    """Rule 7, used only when rules 1-6 find nothing: ziekte -> ziektes."""
    return {word + "s", word + "n"} if word.endswith("e") and not word.endswith("ie") else set()


def inflect(word: str, vocabulary: dict[str, int]) -> str | None:
    """The most frequent attested other inflection of a lower-case word."""
    if len(word) < MIN_LENGTH or not word.isalpha():
        return None
    own = fold(word)
    for proposals in (candidates(word), noun_e_candidates(word)):
        found = [(vocabulary.get(fold(c), 0), c) for c in proposals]
        found = [(n, c) for n, c in found if n >= MIN_ATTESTED and fold(c) != own]
        if found:
            return max(found)[1]
    return None
