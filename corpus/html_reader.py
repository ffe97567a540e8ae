"""HTML from officielebekendmakingen.nl -> Letter.

The official rendering carries the same `<meta>` vocabulary as the XML in its
`<head>` and the document in `<div id="broodtekst">`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from .errors import ReadError
from .kamerstuk import find_references
from .koop_metadata import collect_meta, fields_from_meta, settle_date
from .letter import Letter

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br",
               "table", "ul", "ol", "dt", "dd", "blockquote", "section", "article"}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template"}


class _OfficialHTML(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str, str]] = []
        self.all_text: list[str] = []
        self.main_text: list[str] = []
        self._skip_depth = 0
        self._main_depth = 0  # >0 while inside div#broodtekst

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name"):
            self.meta.append((attrs["name"], attrs.get("scheme", ""), attrs.get("content", "")))
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        if self._main_depth:
            if tag == "div":
                self._main_depth += 1
        elif tag == "div" and attrs.get("id") == "broodtekst":
            self._main_depth = 1
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _SKIP_TAGS:
            self._skip_depth -= 1
        if tag == "div" and self._main_depth:
            self._main_depth -= 1

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self._skip_depth:
            self._skip_depth -= 1
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        if tag == "div" and self._main_depth:
            self._main_depth -= 1

    def handle_data(self, data):
        if not self._skip_depth:
            self._emit(data)

    def _emit(self, text):
        self.all_text.append(text)
        if self._main_depth:
            self.main_text.append(text)


def parse_html_letter(data: str, *, source: str, fallback_id: str) -> Letter:
    parser = _OfficialHTML()
    try:
        parser.feed(data)
        parser.close()
    except Exception:  # html.parser is lenient; anything left is corrupt input
        # Where, not the parser's own (English) words.
        line, column = parser.getpos()
        raise ReadError(source, f"onleesbare HTML (regel {line}, kolom {column})") from None
    body = _clean("".join(parser.main_text) or "".join(parser.all_text))
    if not body:
        raise ReadError(source, "de HTML bevat geen tekst")
    fields = settle_date(fields_from_meta(collect_meta(parser.meta)))
    letter_id = fields.pop("id", None) or fields.get("kamerstuk") or fallback_id
    own = fields.get("kamerstuk")
    refs = tuple(r for r in find_references(body) if r != own)
    return Letter(id=letter_id, source=source, body=body, references=refs,
                  format="koop-html", **fields)


def _clean(text: str) -> str:
    text = re.sub(r"[ \t\u00a0\r]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
