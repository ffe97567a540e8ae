"""Search quality: known-item queries from the real corpus, kamerzoek against
two baselines over the same letter records.

    python bench/eval_quality.py [--corpus DIR] [--workdir DIR] [--per-kind N]
                                 [--seed S] [--rebuild] [--kinds a,b]

Every query is made from one letter (its target). For each query kind the
script reports MRR@10 (1/rank of the target in the top 10, 0 when absent)
and recall@10 (target in the top 10) for

* kamerzoek (build_index + Searcher.search),
* whoosh-standard (Whoosh, StandardAnalyzer, MultifieldParser title+body
  with OrGroup),
* sqlite-fts5 (unicode61 remove_diacritics 2, bm25 with title weight 3,
  query = OR of the quoted words);

see bench/quality_engines.py for the exact set-ups. Query kinds (see
bench/quality_queries.py):

* subject: a KOOP motion's title after "... over " (e.g. "een regionaal
  budget"), kept only when no other letter's title contains it;
* inflected: the same, each content word that has another attested
  inflection changed by the rules in bench/quality_inflect.py;
* no_diacritics: subjects with diacritics, typed without them;
* ocr_words: 3-4 distinctive words (tf-idf, letters only, >= 6 long, in 2-20
  letters) from one 60-word passage of an OCR letter (Staten-Generaal
  Digitaal), kept when no other letter has all of them;
* compounds: a long compound of the letter (split by kamerzoek's own
  CompoundSplitter into parts each common on its own) written as separate
  words, plus one or two distinctive words of the letter;
* typo: a subject with one typo (not at the first letter) in its longest
  word. kamerzoek is scored as typed and, separately, after accepting its
  "Bedoelde u ...?" suggestion (response.suggestion) - which takes a click
  by the user and is never applied silently.

Indexes, the letter cache and every query with its ranks
(quality_run.json) go to --workdir (reused by later runs; --rebuild starts
over; --report-only redoes the report from quality_run.json). Results:
bench/results/quality.json (scores, targets, kamerzoek's misses and a
diagnosis of its analysis, see bench/quality_diagnose.py) and
bench/results/quality.md (the table for the README).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import quality_engines as engines  # noqa: E402
from bench.quality_diagnose import diagnose  # noqa: E402
from bench.quality_corpus import corpus_paths, load_letters, word_stats  # noqa: E402
from bench.quality_queries import KINDS, make_queries  # noqa: E402
from bench.quality_report import (SUGGESTED, markdown, rank_of, summarise,  # noqa: E402
                                  text_table)

RESULTS = ROOT / "bench" / "results"
FAILURES_KEPT = 15


def parse_args(argv=None):
    default_corpus = os.environ.get("KAMERZOEK_CORPUS") or str(ROOT.parent / "shared" / "corpus")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=default_corpus)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "kamerzoek-quality"))
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--rebuild", action="store_true", help="re-read and re-index everything")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated subset of {', '.join(KINDS)}")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from WORKDIR/quality_run.json (the "
                             "last run's per-query results) without searching again")
    parser.add_argument("--kamerzoek-index", default=None,
                        help="evaluate this kamerzoek index instead of WORKDIR/kamerzoek "
                             "(e.g. an experimental build); it is not built")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_all(corpus: Path, workdir: Path, rebuild: bool):
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    letters = load_letters(corpus, workdir, rebuild)
    log(f"{len(letters)} letters read ({time.perf_counter() - started:.0f} s)")
    builds = {
        "kamerzoek": engines.build_kamerzoek(corpus_paths(corpus), workdir / "kamerzoek", rebuild),
        "whoosh-standard": engines.build_whoosh(letters, workdir / "whoosh-standard", rebuild),
        "sqlite-fts5": engines.build_fts5(letters, workdir / "fts5.sqlite", rebuild),
    }
    for name, seconds in builds.items():
        log(f"{name}: " + ("index reused" if seconds is None else f"built in {seconds:.0f} s"))
    return letters, builds


def splitter_for(index_dir: Path):
    """kamerzoek's compound splitter, learned from its index's vocabulary."""
    from index.compounds import CompoundSplitter
    from index.vocabulary import Vocabulary
    return CompoundSplitter(Vocabulary.load(index_dir).counts)


def run_engine(engine, queries) -> tuple[list[list[str]], float]:
    started = time.perf_counter()
    results = [engine.search(q.text) for q in queries]
    return results, time.perf_counter() - started


def evaluate(queries, workdir: Path, kamerzoek_index: Path):
    opened = [engines.Kamerzoek(kamerzoek_index),
              engines.WhooshStandard(workdir / "whoosh-standard"),
              engines.Fts5(workdir / "fts5.sqlite")]
    rows = [{"kind": q.kind, "query": q.text, "target": q.target, "source": q.source,
             "meta": q.meta, "ranks": {}, "top3": {}} for q in queries]
    qps = {}
    for engine in opened:
        results, seconds = run_engine(engine, queries)
        qps[engine.name] = round(len(queries) / seconds, 1)
        log(f"{engine.name}: {len(queries)} queries in {seconds:.1f} s")
        for row, ids in zip(rows, results):
            row["ranks"][engine.name] = rank_of(row["target"], ids)
            row["top3"][engine.name] = ids[:3]
    _with_suggestions(opened[0], rows)
    errors = opened[0].errors
    for engine in opened:
        engine.close()
    return rows, qps, errors


def _with_suggestions(kamerzoek, rows) -> None:
    """Typo queries: kamerzoek again, with its suggestion accepted (when it
    made one; otherwise the user has nothing to click and the rank stays)."""
    for row in rows:
        if row["kind"] != "typo":
            continue
        kamerzoek.search(row["query"])
        suggestion = kamerzoek.last_suggestion
        row["suggestion"] = suggestion
        if suggestion:
            row["ranks"][SUGGESTED] = rank_of(row["target"], kamerzoek.search(suggestion))
        else:
            row["ranks"][SUGGESTED] = row["ranks"]["kamerzoek"]


def failures(rows, kinds) -> dict:
    """kamerzoek's misses and low ranks, per kind, for diagnosis."""
    out = {}
    for kind in kinds:
        bad = [r for r in rows if r["kind"] == kind and r["ranks"]["kamerzoek"] != 1]
        out[kind] = [{k: r[k] for k in ("query", "target", "source", "ranks", "top3")
                      } | ({"suggestion": r["suggestion"]} if "suggestion" in r else {})
                     for r in bad[:FAILURES_KEPT]]
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    corpus, workdir = Path(args.corpus), Path(args.workdir)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise SystemExit(f"unknown kinds: {', '.join(sorted(unknown))}")
    kamerzoek_index = Path(args.kamerzoek_index or workdir / "kamerzoek")
    run_file = workdir / "quality_run.json"
    if args.report_only:
        run = json.loads(run_file.read_text(encoding="utf-8"))
    else:
        run = measure(args, corpus, workdir, kinds, kamerzoek_index)
        run_file.write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    report(run, Path(args.results), kamerzoek_index)
    log(f"per query: {run_file}")
    return 0


def measure(args, corpus: Path, workdir: Path, kinds, kamerzoek_index: Path) -> dict:
    letters, builds = build_all(corpus, workdir, args.rebuild)
    stats = word_stats(letters, workdir, args.rebuild)
    started = time.perf_counter()
    queries = make_queries(letters, stats, splitter_for(workdir / "kamerzoek"),
                           args.per_kind, args.seed, kinds)
    log(f"{len(queries)} queries made ({time.perf_counter() - started:.0f} s)")
    rows, qps, errors = evaluate(queries, workdir, kamerzoek_index)
    config = {"corpus": str(corpus), "letters": len(letters),
              "kamerzoek_index": str(kamerzoek_index),
              "per_kind": args.per_kind, "seed": args.seed, "kinds": kinds,
              "build_seconds": {k: round(v, 1) if v is not None else None
                                for k, v in builds.items()}}
    return {"config": config, "qps": qps, "refused": errors, "rows": rows}


def report(run: dict, results: Path, kamerzoek_index: Path) -> None:
    rows, kinds = run["rows"], run["config"]["kinds"]
    summary = summarise(rows, kinds, run["qps"])
    summary["config"] = run["config"]
    typo = [r for r in rows if r["kind"] == "typo"]
    if typo:
        summary["typo_suggestions"] = {
            "offered": sum(1 for r in typo if r["suggestion"]),
            "restores_the_word": sum(1 for r in typo if r["suggestion"]
                                     and r["meta"]["word"].lower() in r["suggestion"].lower()),
            "n": len(typo)}
    summary["kamerzoek_refused"] = [{"query": q, "error": e} for q, e in run["refused"]]
    summary["diagnosis"] = diagnose(rows, kamerzoek_index)
    summary["kamerzoek_failures"] = failures(rows, kinds)
    print(text_table(summary))
    results.mkdir(parents=True, exist_ok=True)
    (results / "quality.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    (results / "quality.md").write_text(markdown(summary), encoding="utf-8")
    log(f"written {results / 'quality.json'}, {results / 'quality.md'}")


if __name__ == "__main__":
    sys.exit(main())
