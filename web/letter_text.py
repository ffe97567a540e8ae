"""A letter's full text as HTML paragraphs: escaped, with the words of the
search marked and cited Kamerstukken linked when they are in the index.

Everything is escaped here; the only tags added are <p>, <mark> and <a>.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup, escape

from corpus.kamerstuk import KST_ID_RE, REFERENCE_RE, make_kamerstuk_id
from search.snippets import match_spans

FIRST_MATCH_ID = "eerste-treffer"
_PARAGRAPH_RE = re.compile(r"\S(?:.|\n(?![ \t\r\f\v]*\n))*", re.UNICODE)


@dataclass
class Rendered:
    paragraphs: list[Markup]
    matches: int


def render_body(body: str, analyzer, terms: frozenset[str] = frozenset(),
                href_for: Callable[[str], str | None] = lambda kst: None) -> Rendered:
    """`terms` as `search.snippets.query_terms` gives them: the page marks
    what the letter's snippets in the results marked."""
    marks = match_spans(body, terms, analyzer) if terms else []
    links = _link_spans(body, href_for)
    paragraphs = [m.span() for m in _PARAGRAPH_RE.finditer(body)]
    return Rendered(_render(body, paragraphs, marks, links), len(marks))


def _link_spans(body, href_for) -> list[tuple[int, int, str]]:
    found = []
    for pattern in (KST_ID_RE, REFERENCE_RE):
        for match in pattern.finditer(body):
            dossier = re.sub(r"\D", "", match.group("main"))
            suffix = match.group("suffix")
            if suffix:
                dossier += "-" + (suffix.upper() if suffix.isalpha() else suffix)
            href = href_for(make_kamerstuk_id(dossier, match.group("nr")))
            if href:
                found.append((match.start(), match.end(), href))
    found.sort()
    spans, last_end = [], -1
    for start, end, href in found:  # the two patterns can find one citation twice
        if start >= last_end:
            spans.append((start, end, href))
            last_end = end
    return spans


def _render(body, paragraphs, marks, links) -> list[Markup]:
    """Walk the text once, cut at every paragraph, mark and link edge."""
    edges = {0, len(body)}
    for spans in (paragraphs, marks, links):
        for span in spans:
            edges.update(span[:2])
    points = sorted(edges)
    out: list[list[tuple[str | None, bool, str]]] = [[] for _ in paragraphs]
    p = m = k = 0
    for start, end in zip(points, points[1:]):
        while p < len(paragraphs) and paragraphs[p][1] <= start:
            p += 1
        if p == len(paragraphs) or paragraphs[p][0] > start:
            continue  # blank lines between paragraphs
        while m < len(marks) and marks[m][1] <= start:
            m += 1
        while k < len(links) and links[k][1] <= start:
            k += 1
        marked = m < len(marks) and marks[m][0] <= start
        href = links[k][2] if k < len(links) and links[k][0] <= start else None
        out[p].append((href, marked, re.sub(r"\s+", " ", body[start:end])))
    first = [True]
    return [Markup("".join(_paragraph_html(segments, first))) for segments in out]


def _paragraph_html(segments, first):
    open_href = None
    for href, marked, text in segments:
        if href != open_href:
            if open_href:
                yield "</a>"
            if href:
                yield f'<a href="{escape(href)}">'
            open_href = href
        if marked:
            anchor = f' id="{FIRST_MATCH_ID}"' if first[0] else ""
            first[0] = False
            yield f"<mark{anchor}>{escape(text)}</mark>"
        else:
            yield str(escape(text))
    if open_href:
        yield "</a>"
