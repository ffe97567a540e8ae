"""Snippets: the passages of a letter that match, with the matches marked.

HTML snippets are fully escaped letter text with only `<mark>` added; the
plain form turns the marks into whatever a terminal uses.

Matches are where the index has the query's terms: their positions in the
letter, turned into character offsets by the offsets the index keeps of
each word (so `wapensystemen` is marked for `wapensysteem` and a compound
for its part). Where the index has no offsets (a prefix query, an index
segment without them) the stored text is analysed word by word instead,
with the same result. The passages shown are those with the most different
query words, then the most matches.
"""
from __future__ import annotations

import html
from bisect import bisect_right

from whoosh import query as Q

from index.analysis import TOKEN_RE

from .query import build_query, expand_synonyms, parse_query

SNIPPET_CHARS = 220
SURROUND = 90          # characters of context before the first match
SNIPPETS_PER_HIT = 2
OPENING_LINE = 60      # a header line is shorter than this; a sentence is not
# Matching scans the stored text; beyond this many characters of a very long
# document it stops looking, which keeps a page of hits fast.
SCAN_CHARS = 60_000


def body_terms(query: Q.Query | None) -> frozenset[str]:
    """The index terms a query looks for in the letter text."""
    if query is None:
        return frozenset()
    terms = set()
    for leaf in query.leaves():
        if getattr(leaf, "fieldname", None) != "body":
            continue
        if isinstance(leaf, Q.Phrase):
            terms.update(leaf.words)
        elif isinstance(leaf, Q.Prefix):
            terms.add(leaf.text + "*")  # "wapen*": every word starting so
        elif isinstance(leaf, Q.Term):
            terms.add(leaf.text)
    return frozenset(terms)


def query_terms(text: str, schema, synonyms) -> frozenset[str]:
    """The body terms a typed query marks, built as the searcher builds its
    scoring query (synonyms included), so that a letter shown on its own is
    marked as its snippets are. Raises QueryError as a search would."""
    return body_terms(build_query(expand_synonyms(parse_query(text), synonyms), schema))


def match_spans(body: str, terms: frozenset[str], analyzer) -> list[tuple[int, int]]:
    """(start, end) of every match in the whole of `body`: what snippets
    mark, without their scan limit, for a page that shows the full text."""
    return [(start, end) for start, end, _ in _matches(body, terms, analyzer, len(body))]


def snippets(body: str, terms: frozenset[str], analyzer, top: int = SNIPPETS_PER_HIT,
             located: dict[int, list[str]] | None = None) -> list[str]:
    """Up to `top` HTML passages of `body` with the `terms` marked; the
    opening of the letter when none of them occurs. `located`: where the
    index says the terms stand ({character offset: [terms there]}), which
    spares analysing the whole text to find them."""
    if not terms:
        matches = []
    elif located is not None:
        matches = _located_matches(body, located, analyzer, SCAN_CHARS)
    else:
        matches = _matches(body, terms, analyzer, SCAN_CHARS)
    if not matches:
        return [opening(body)]
    out = []
    for start, end in _best_windows(body, matches, top):
        inside = [m for m in matches if m[0] >= start and m[1] <= end]
        out.append(_render(body, start, end, inside))
    return out


def opening(body: str, chars: int = SNIPPET_CHARS) -> str:
    """The start of a letter's running text, escaped: the snippet when
    nothing in it matched. The header lines (vergaderjaar, dossier, number,
    heading) repeat the metadata shown beside the snippet, so they are
    skipped: the text starts at the first line that reads like a sentence."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if _is_sentence(line)), 0)
    text = " ".join(" ".join(lines[start:]).split())
    if len(text) > chars:
        text = text[:chars].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=True)


def plain(snippet_html: str, start: str = "", end: str = "") -> str:
    """An HTML snippet as terminal text; matches wrapped in `start`/`end`."""
    text = snippet_html.replace("<mark>", "\0").replace("</mark>", "\1")
    text = html.unescape(text)
    return text.replace("\0", start).replace("\1", end)


def _matches(body: str, terms: frozenset[str], analyzer,
             scan: int) -> list[tuple[int, int, str]]:
    found = []
    analyse = analyzer.analyse_word
    prefixes = tuple(t[:-1] for t in terms if t.endswith("*"))
    # Whole words up to the limit: a word it would cut in two is left out
    # (its cut-off start is another word), as where the index locates them.
    for match in TOKEN_RE.finditer(body):
        if match.end() > scan:
            break
        stem, parts = analyse(match.group())
        if stem is None:
            continue
        if stem in terms or (prefixes and stem.startswith(prefixes)):
            found.append((match.start(), match.end(), stem))
        else:
            part = next((p for p in parts if p in terms), None)
            if part:
                found.append((match.start(), match.end(), part))
    return found


def _located_matches(body: str, located: dict[int, list[str]], analyzer,
                     scan: int) -> list[tuple[int, int, str]]:
    """_matches() from the index's word offsets: the same matches, each
    labelled as _matches() labels it (its stem when that is a query term,
    else its first compound part that is)."""
    end = min(len(body), scan)
    found = []
    for start in sorted(located):
        match = TOKEN_RE.match(body, start)
        if match is None or match.end() > end:
            break
        candidates = located[start]
        term = candidates[0]
        if len(candidates) > 1:
            stem, parts = analyzer.analyse_word(match.group())
            term = stem if stem in candidates else next(p for p in parts if p in candidates)
        found.append((start, match.end(), term))
    return found


def _best_windows(body: str, matches, top: int) -> list[tuple[int, int]]:
    """Non-overlapping passages, best first, then shown in text order."""
    body_start = _running_text_start(body)
    # Matches are in text order and do not overlap, so their ends ascend:
    # the matches inside a window are a slice found by bisection (a scan of
    # the rest per window was quadratic in a letter full of matches).
    ends = [m[1] for m in matches]
    one_term = len({m[2] for m in matches}) == 1
    candidates = []
    for i, (start, _, _) in enumerate(matches):
        window_start = max(0, start - SURROUND)
        window_end = window_start + SNIPPET_CHARS
        stop = bisect_right(ends, window_end, i)
        distinct = 1 if one_term else len({m[2] for m in matches[i:stop]})
        # A match in the letter's own text beats one in its header lines,
        # which repeat the title and dossier shown beside the snippet.
        in_text = start >= body_start
        candidates.append((distinct, in_text, stop - i, -start, window_start, window_end))
    if any(c[1] for c in candidates):
        candidates = [c for c in candidates if c[1]]
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_, start, end in candidates:
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
        if len(chosen) == top:
            break
    return [_word_bounds(body, a, b) for a, b in sorted(chosen)]


def _running_text_start(body: str) -> int:
    """Offset of the first line that reads like a sentence (see opening)."""
    offset = 0
    for line in body.splitlines(keepends=True):
        if _is_sentence(line.strip()):
            return offset
        offset += len(line)
    return 0


def _is_sentence(line: str) -> bool:
    # Long, and ending as sentences and clauses do: a long dossier title
    # ("Inzet van autonome wapensystemen en kunstmatige intelligentie") is not.
    return len(line) >= OPENING_LINE and line[-1] in ".;:,)"


def _word_bounds(body: str, start: int, end: int) -> tuple[int, int]:
    # Widen to whole words so no word is cut in half.
    while start > 0 and not body[start - 1].isspace():
        start -= 1
    end = min(end, len(body))
    while end < len(body) and not body[end].isspace():
        end += 1
    return start, end


def _render(body: str, start: int, end: int, inside) -> str:
    pieces, at = [], start
    for m_start, m_end, _ in inside:
        pieces.append(html.escape(body[at:m_start], quote=True))
        pieces.append("<mark>" + html.escape(body[m_start:m_end], quote=True) + "</mark>")
        at = m_end
    pieces.append(html.escape(body[at:end], quote=True))
    # Runs of white space as one space: split() and join() gave what a
    # regular expression gave in a third of the time.
    text = " ".join("".join(pieces).split())
    return ("… " if start > 0 else "") + text + (" …" if end < len(body) else "")
