"""Why kamerzoek misses: checks of its analysis against the queries made.

* stem gaps: in the inflected queries, word pairs (as in the letter, as
  typed) that kamerzoek's query analyzer does not bring to the same term;
* unsplit compounds: compounds of the compound queries for which the index
  analyzer emits no parts, so the separately typed parts cannot find them.
"""
from __future__ import annotations

from collections import Counter

from index.analysis import PART_MARK

EXAMPLES = 25


def _terms(analyzer, text: str, mode: str) -> list[str]:
    return [t.text for t in analyzer(text, mode=mode)]


def stem_gaps(rows, analyzer) -> dict:
    pairs = Counter(tuple(pair) for r in rows if r["kind"] == "inflected"
                    for pair in r["meta"].get("changed", ()))
    gaps = [(a, b, _terms(analyzer, a, "query"), _terms(analyzer, b, "query"))
            for a, b in pairs]
    gaps = [g for g in gaps if g[2] != g[3]]
    return {"pairs": len(pairs), "not_conflated": len(gaps),
            "examples": [f"{a} [{' '.join(sa)}] / {b} [{' '.join(sb)}]"
                         for a, b, sa, sb in gaps[:EXAMPLES]]}


def unsplit_compounds(rows, analyzer) -> dict:
    compounds = [r for r in rows if r["kind"] == "compounds"]
    unsplit = [r for r in compounds
               if not any(t.startswith(PART_MARK)
                          for t in _terms(analyzer, r["meta"]["compound"], "index"))]

    def mrr(subset):
        return round(sum(1 / r["ranks"]["kamerzoek"] for r in subset if r["ranks"]["kamerzoek"])
                     / len(subset), 4) if subset else None

    split = [r for r in compounds if r not in unsplit]
    return {"compounds": len(compounds), "not_split_in_index": len(unsplit),
            "kamerzoek_mrr_split": mrr(split), "kamerzoek_mrr_not_split": mrr(unsplit),
            "examples": [f"{r['meta']['compound']} -> "
                         f"{' '.join(_terms(analyzer, r['meta']['compound'], 'index'))}"
                         for r in unsplit[:EXAMPLES]]}


def diagnose(rows, index_dir) -> dict:
    from index import store
    analyzer = store.open_index(index_dir).schema["body"].analyzer
    return {"stem_gaps": stem_gaps(rows, analyzer),
            "unsplit_compounds": unsplit_compounds(rows, analyzer)}
