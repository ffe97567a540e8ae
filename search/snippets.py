"""Snippets: the passages of a letter that match, with the matches marked.

HTML snippets are fully escaped letter text with only `<mark>` added; the
plain form turns the marks into whatever a terminal uses.
"""
from __future__ import annotations

import html
import re

from whoosh import highlight

SNIPPET_CHARS = 220
OPENING_LINE = 60  # a header line is shorter than this; a sentence is not
SNIPPETS_PER_HIT = 2
# Highlighting scans the stored text; beyond this many characters of a very
# long document it stops looking, which keeps a page of hits fast.
SCAN_CHARS = 150_000


class MarkFormatter(highlight.Formatter):
    """`<mark>match</mark>`, everything else escaped (quotes included)."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=True)

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=True) + "</mark>"


def configure(results) -> None:
    results.fragmenter = highlight.ContextFragmenter(
        maxchars=SNIPPET_CHARS, surround=80, charlimit=SCAN_CHARS)
    results.formatter = MarkFormatter()
    results.scorer = highlight.BasicFragmentScorer()
    results.order = highlight.SCORE


def hit_snippets(hit, top: int = SNIPPETS_PER_HIT) -> list[str]:
    text = hit.highlights("body", top=top)
    if text:
        return ["… " + _tidy(part) + " …" for part in text.split(MarkFormatter.between)
                if part.strip()]
    return [opening(hit.get("body", ""))]


def opening(body: str, chars: int = SNIPPET_CHARS) -> str:
    """The start of a letter's running text, escaped: the snippet when
    nothing in it matched. The header lines (vergaderjaar, dossier, number,
    heading) repeat the metadata shown beside the snippet, so they are
    skipped: the text starts at the first line that reads like a sentence."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if len(line) >= OPENING_LINE), 0)
    text = re.sub(r"\s+", " ", " ".join(lines[start:])).strip()
    if len(text) > chars:
        text = text[:chars].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=True)


def plain(snippet_html: str, start: str = "", end: str = "") -> str:
    """An HTML snippet as terminal text; matches wrapped in `start`/`end`."""
    text = snippet_html.replace("<mark>", "\0").replace("</mark>", "\1")
    text = html.unescape(text)
    return text.replace("\0", start).replace("\1", end)


def _tidy(fragment: str) -> str:
    return re.sub(r"\s+", " ", fragment).strip()
