"""Text clean-up for plain-text and Markdown letters.

Three steps, applied in this order by the text reader: ``strip_markdown``
(Markdown files only), ``repair_hyphenation`` and ``normalise_whitespace``.
Diacritics are kept: the analyzer folds them later, and the body is also
what users read.
"""
from __future__ import annotations

import html
import re

# --- Markdown --------------------------------------------------------------

# A footnote marker that starts a line is the footnote itself: keep its number.
_FOOTNOTE_LINE_RE = re.compile(r"^(\s*)<sup>\s*([^<]{1,6}?)\s*</sup>\s*", re.MULTILINE)
# A marker inside running text would glue its number to the word ("stelt1"),
# which harms both reading and search, so it is dropped.
_INLINE_SUP_RE = re.compile(r"<sup>\s*[^<]{1,6}?\s*</sup>")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_CODE_FENCE_RE = re.compile(r"^\s*(?:```|~~~).*$", re.MULTILINE)
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_EMPTY_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*$", re.MULTILINE)
_SETEXT_RULE_RE = re.compile(r"^[ \t]*(?:={3,}|-{3,})[ \t]*$", re.MULTILINE)
_HRULE_RE = re.compile(r"^[ \t]*(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$", re.MULTILINE)
_BLOCKQUOTE_RE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEF_RE = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]+\S+.*$", re.MULTILINE)
_BOLD_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_STAR_ITALIC_RE = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.DOTALL)
# Underscore emphasis only at word boundaries: snake_case and file_names stay.
_UNDERSCORE_ITALIC_RE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])", re.DOTALL)
_INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")
_HARD_BREAK_RE = re.compile(r"(?:[ \t]{2,}|\\)$", re.MULTILINE)
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def strip_markdown(text: str) -> str:
    """Markdown to plain text: the words stay, the syntax goes.

    Paragraph breaks (blank lines) and list markers are kept: both carry
    meaning for a reader. Horizontal rules become blank lines.
    """
    text = _CODE_FENCE_RE.sub("", text)
    text = _FOOTNOTE_LINE_RE.sub(r"\1\2 ", text)
    text = _INLINE_SUP_RE.sub("", text)
    text = _HTML_TAG_RE.sub("", text)
    text = _LINK_DEF_RE.sub("", text)
    text = _IMAGE_RE.sub(r"\1", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _REF_LINK_RE.sub(r"\1", text)
    text = _EMPTY_HEADING_RE.sub("", text)
    text = _HEADING_RE.sub(r"\1", text)
    text = _SETEXT_RULE_RE.sub("", text)
    text = _HRULE_RE.sub("", text)
    text = _BLOCKQUOTE_RE.sub("", text)
    text = _INLINE_CODE_RE.sub(r"\1", text)
    for _ in range(2):  # bold inside italic and vice versa
        text = _BOLD_RE.sub(r"\2", text)
        text = _STAR_ITALIC_RE.sub(r"\1", text)
        text = _UNDERSCORE_ITALIC_RE.sub(r"\1", text)
    text = _HARD_BREAK_RE.sub("", text)
    text = _ESCAPE_RE.sub(r"\1", text)
    return html.unescape(text)


# --- Hyphenation -----------------------------------------------------------

_LETTERS = r"[^\W\d_]"
# "vreemde-\nlingen": a word broken at the end of a line.
_LINE_END_RE = re.compile(r"(?<![\w-])(" + _LETTERS + r"+)-[ \t]*\n[ \t]*(" + _LETTERS + r"+)")
# "bescher-mende": OCR that lost its line breaks keeps the hyphen mid-line.
_MID_LINE_RE = re.compile(r"(?<![\w-])(" + _LETTERS + r"+)-(" + _LETTERS + r"+)(?![\w-])")
# Dutch writes these prefixes with a hyphen (niet-statelijk, oud-minister):
# without evidence to the contrary such a hyphen is real, not a line break.
_HYPHEN_PREFIXES = frozenset({"niet", "ex", "oud", "vice", "adjunct", "loco", "pseudo", "semi"})
_SOFT_HYPHEN = "\u00ad"


def repair_hyphenation(text: str) -> str:
    """Join words that line-end (or lost-line-break) hyphenation split.

    Evidence from the document itself decides first: a joined form that
    occurs elsewhere means join, a hyphenated form that occurs elsewhere
    means keep. Without evidence a break at a line end is joined when the
    second part is lower case (``vreemde-\\nlingen``) unless the first part
    is an acronym (``NAVO-\\npartners``); a hyphen in the middle of a line
    is only ever removed on evidence, since ``Noord-Holland`` and
    ``niet-statelijke`` look exactly like ``bescher-mende``.
    """
    text = text.replace(_SOFT_HYPHEN, "")
    if "-" not in text:
        return text
    evidence = _Evidence(text.lower())
    if "-\n" in text:
        text = _sub_at_hyphens(_LINE_END_RE, lambda m: _repair_line_end(m, evidence), text)
    return _sub_at_hyphens(_MID_LINE_RE, lambda m: _repair_mid_line(m, evidence), text)


class _Evidence:
    """What the document itself says about a word: whether it stands in
    the text on its own (a whole run of letters) or hyphenated as it is.
    Looked up per candidate in the lower-cased text rather than by
    collecting every word of it first: a letter has a few hyphens and some
    thousands of words."""

    def __init__(self, lowered: str):
        self.lowered = lowered

    def has_word(self, word: str) -> bool:
        return self._stands_alone(word, _LETTER_RE)

    def has_hyphenated(self, word: str) -> bool:
        return self._stands_alone(word, _WORD_OR_HYPHEN_RE)

    def _stands_alone(self, word: str, joins) -> bool:
        """Whether `word` occurs with no character matching `joins` right
        before or after it."""
        text, size = self.lowered, len(word)
        at = text.find(word)
        while at != -1:
            if not (at and joins.match(text, at - 1)) and not joins.match(text, at + size):
                return True
            at = text.find(word, at + 1)
        return False


_LETTER_RE = re.compile(_LETTERS)
_WORD_OR_HYPHEN_RE = re.compile(r"[\w-]")
_UP_TO_NON_LETTER_RE = re.compile(r"(?s).*[\W\d_]")


def _sub_at_hyphens(pattern: re.Pattern, repl, text: str) -> str:
    """pattern.sub(repl, text) for _LINE_END_RE and _MID_LINE_RE, tried only
    where they can match. Each match starts at a run of letters that
    follows no word character or hyphen and ends at a hyphen, so it can
    only start at the run of letters before a hyphen: a few places per
    letter, where the regex alone tried every character (a third of
    reading a file)."""
    pieces: list[str] = []
    done = 0  # matches do not overlap: none starts before the last one ends
    hyphen = text.find("-")
    while hyphen != -1:
        start = _word_start(text, hyphen)
        match = pattern.match(text, start) if done <= start < hyphen else None
        if match:
            pieces.append(text[done:start])
            pieces.append(repl(match))
            done = match.end()
            hyphen = text.find("-", done)
        else:
            hyphen = text.find("-", hyphen + 1)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _word_start(text: str, end: int) -> int:
    """Where the run of letters that ends at `end` starts (`end` if none)."""
    reach = 64
    while True:
        begin = max(0, end - reach)
        # Greedy: the last character before `end` that is not a letter.
        match = _UP_TO_NON_LETTER_RE.match(text, begin, end)
        if match:
            return match.end()
        if begin == 0:
            return 0
        reach *= 4  # all letters: the run may go on before the window


def _repair_line_end(match: re.Match, evidence: _Evidence) -> str:
    first, second = match.group(1), match.group(2)
    joined, kept = first + second, f"{first}-{second}"
    if evidence.has_word(joined.lower()):
        return first + second
    if evidence.has_hyphenated(kept.lower()):
        return kept
    if not second[0].islower() or first.lower() in _HYPHEN_PREFIXES:
        return kept
    if len(first) > 1 and first.isupper():  # NAVO-partners, EU-landen
        return kept
    return joined


def _repair_mid_line(match: re.Match, evidence: _Evidence) -> str:
    first, second = match.group(1), match.group(2)
    both_caps = first.isupper() and second.isupper()
    if not (second[0].islower() or both_caps):
        return match.group(0)
    if first.isupper() and not both_caps:  # NAVO-partners
        return match.group(0)
    if evidence.has_word((first + second).lower()):
        return first + second
    return match.group(0)


# --- Whitespace ------------------------------------------------------------

# Runs of spaces that are not already one plain space (most are).
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]{2,}"
                        r"|[\t\u00a0\u2000-\u200a\u202f\u3000]")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def normalise_whitespace(text: str) -> str:
    """One space between words, no spaces at line ends, at most one blank
    line between paragraphs. Line breaks themselves are kept: header lines
    are only recognisable as lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _INVISIBLE_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    # Every run of spaces is one space now, so a line's spaces at its end
    # or start are one " " before or after its line break (the text's own
    # ends go with strip()).
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def clean_text(text: str, *, markdown: bool = False) -> str:
    """The full clean-up a reader applies to a document's text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if markdown:
        text = strip_markdown(text)
    text = normalise_whitespace(text)
    return repair_hyphenation(text)
