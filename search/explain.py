"""Why a letter matched: which query terms it contains, in which fields, and
what each contributed to its score (BM25F, with the query's boosts)."""
from __future__ import annotations

from whoosh import query as Q

from index.analysis import PART_MARK

FIELD_NAMES = {"body": "tekst", "title": "titel", "dossier_title": "dossiertitel",
               "id": "kenmerk", "references": "verwijzing", "dossier": "dossier"}


def explain_hit(searcher, scoring: Q.Query, docnum: int,
                labels: dict[str, str] | None = None) -> list[dict]:
    """One entry per matching leaf of the query, largest contribution first.
    `labels` maps index terms (stems) back to the words the user typed."""
    seen, out = set(), []
    for leaf in scoring.leaves():
        key = (type(leaf).__name__, repr(leaf))
        if key in seen:
            continue
        seen.add(key)
        score = _leaf_score(searcher, leaf, docnum)
        if score:
            out.append(_describe(leaf, score, labels or {}))
    out.sort(key=lambda e: -e["score"])
    return out


def _leaf_score(searcher, leaf: Q.Query, docnum: int) -> float:
    matcher = leaf.matcher(searcher, searcher.context())
    if not matcher.is_active():
        return 0.0
    if matcher.id() < docnum:
        matcher.skip_to(docnum)
    if matcher.is_active() and matcher.id() == docnum:
        return round(matcher.score(), 4)
    return 0.0


def _describe(leaf: Q.Query, score: float, labels: dict[str, str]) -> dict:
    fieldname = getattr(leaf, "fieldname", None)
    if isinstance(leaf, Q.Phrase):
        term = " ".join(labels.get(w, w) for w in leaf.words)
        kind = "zinsdeel" if leaf.slop <= 1 else "nabijheid"
    else:
        text = str(getattr(leaf, "text", leaf))
        kind = "woorddeel" if text.startswith(PART_MARK) else "woord"
        term = labels.get(text.lstrip(PART_MARK), text.lstrip(PART_MARK))
    return {"field": FIELD_NAMES.get(fieldname, fieldname), "term": term, "kind": kind,
            "score": score}
