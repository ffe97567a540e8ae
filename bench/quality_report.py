"""Scores and tables of the quality evaluation: MRR@10 and recall@10 per
query kind and engine, printed, as JSON and as a Markdown table."""
from __future__ import annotations

from statistics import mean

ENGINES = ("kamerzoek", "whoosh-standard", "sqlite-fts5")
SUGGESTED = "kamerzoek+suggestion"  # typo kind only: after a user accepts "Bedoelde u"
TARGET_MRR = 0.95


def rank_of(target: str, ids: list[str]) -> int | None:
    return ids.index(target) + 1 if target in ids else None


def score(ranks: list[int | None]) -> dict:
    return {"mrr": round(mean(1 / r if r else 0.0 for r in ranks), 4) if ranks else None,
            "recall": round(mean(1.0 if r else 0.0 for r in ranks), 4) if ranks else None,
            "n": len(ranks)}


def summarise(rows: list[dict], kinds, timings: dict) -> dict:
    """rows: one per query, {"kind", "ranks": {engine: rank}}."""
    table, overall = {}, {}
    for kind in kinds:
        of_kind = [r for r in rows if r["kind"] == kind]
        engines = [e for e in (*ENGINES, SUGGESTED) if any(e in r["ranks"] for r in of_kind)]
        table[kind] = {e: score([r["ranks"][e] for r in of_kind if e in r["ranks"]])
                       for e in engines}
    for engine in ENGINES:
        overall[engine] = score([r["ranks"][engine] for r in rows if engine in r["ranks"]])
    ahead = {kind: all(scores["kamerzoek"]["mrr"] > scores[e]["mrr"]
                       for e in ENGINES[1:] if e in scores)
             for kind, scores in table.items()}
    return {
        "kinds": table,
        "overall": overall,
        "queries_per_second": {e: timings[e] for e in ENGINES if e in timings},
        "targets": {
            "kamerzoek_ahead_on_every_kind": all(ahead.values()),
            "ahead_per_kind": ahead,
            "overall_mrr_at_least": TARGET_MRR,
            "overall_mrr_met": (overall["kamerzoek"]["mrr"] or 0) >= TARGET_MRR,
        },
    }


def _cell(scores: dict | None) -> str:
    if not scores or scores["mrr"] is None:
        return "–"
    return f"{scores['mrr']:.3f} / {scores['recall']:.3f}"


def markdown(summary: dict) -> str:
    head = ["query kind", "N", *ENGINES]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind, scores in summary["kinds"].items():
        n = scores["kamerzoek"]["n"]
        cells = [_cell(scores.get(e)) for e in ENGINES]
        best = max(scores[e]["mrr"] for e in ENGINES if e in scores)
        cells = [f"**{c}**" if scores.get(e, {}).get("mrr") == best else c
                 for c, e in zip(cells, ENGINES)]
        lines.append(f"| {kind} | {n} | " + " | ".join(cells) + " |")
        if SUGGESTED in scores:
            lines.append(f"| {kind}, after clicking the suggestion | {n} | "
                         f"{_cell(scores[SUGGESTED])} | – | – |")
    overall = summary["overall"]
    lines.append(f"| **overall MRR@10** | {overall['kamerzoek']['n']} | "
                 + " | ".join(f"{overall[e]['mrr']:.3f}" for e in ENGINES) + " |")
    qps = summary["queries_per_second"]
    lines.append("| queries/s | | " + " | ".join(f"{qps.get(e, 0):.0f}" for e in ENGINES) + " |")
    notes = ["Cells: MRR@10 / recall@10 of the letter the query was made from; best per kind "
             "in bold. Same letter records for all engines."]
    config = summary.get("config")
    if config:
        notes.append(f"{config['letters']} letters, seed {config['seed']}, "
                     f"`python bench/eval_quality.py --per-kind {config['per_kind']}`.")
    offered = summary.get("typo_suggestions")
    if offered:
        notes.append(f"\"After clicking the suggestion\": kamerzoek's \"Bedoelde u ...?\" accepted; "
                     f"it needs a user's click and was offered for {offered['offered']} of "
                     f"{offered['n']} typo queries (otherwise the rank as typed is kept).")
    notes.append("queries/s: one query at a time, warm, on the machine of the run; kamerzoek "
                 "with snippets and facets off but counting all matches and looking for "
                 "spelling suggestions as it always does.")
    return "\n".join(lines) + "\n\n" + "\n\n".join(notes) + "\n"


def text_table(summary: dict) -> str:
    width = 22
    cols = [*ENGINES]
    out = [f"{'kind':<{width}}{'N':>5}  " + "".join(f"{c:>24}" for c in cols)]
    for kind, scores in summary["kinds"].items():
        out.append(f"{kind:<{width}}{scores['kamerzoek']['n']:>5}  "
                   + "".join(f"{_cell(scores.get(e)):>24}" for e in cols))
        if SUGGESTED in scores:
            out.append(f"{'  +suggestion (click)':<{width}}{scores[SUGGESTED]['n']:>5}  "
                       f"{_cell(scores[SUGGESTED]):>24}")
    out.append(f"{'overall MRR@10':<{width}}{'':>5}  "
               + "".join(f"{summary['overall'][e]['mrr']:>24.3f}" for e in cols))
    out.append(f"{'queries/s':<{width}}{'':>5}  "
               + "".join(f"{summary['queries_per_second'].get(e, 0):>24.1f}" for e in cols))
    targets = summary["targets"]
    out.append(f"target: kamerzoek ahead on every kind: {targets['kamerzoek_ahead_on_every_kind']}"
               f" {targets['ahead_per_kind']}")
    out.append(f"target: overall MRR@10 >= {TARGET_MRR}: {targets['overall_mrr_met']}")
    return "\n".join(out)
