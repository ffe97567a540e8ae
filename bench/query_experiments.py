"""What-if measurements for the query path, by monkeypatching in the bench
only (the product code is not changed). Each variant runs the benchmark's
query mix (10 hits, facets, snippets) on one index; CPU time per query
(time.process_time, robust to other load) and wall time are reported.

    python bench/query_experiments.py INDEX_DIR [--passes 2] [--out FILE]

Variants (cumulative where noted):
  stock          the product as it is
  no_terms       searcher.search(..., terms=False): highlighting falls back
                 to the query's terms; no per-document term recording
  one_pass       no_terms + one collector that keeps the matching doc set
                 while it scores (the product matches every query twice:
                 docs_for_query for facets/total, then search for the top)
  scan_20k       one_pass + snippets look at the first 20,000 characters
                 instead of 150,000
  no_snippets    stock without snippets (what snippets cost)
  no_facets      stock without facets (what facets cost)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh.collectors import TopCollector  # noqa: E402

from bench.queries import query_mix  # noqa: E402
from bench.stats import percentiles  # noqa: E402


class DocsetTopCollector(TopCollector):
    """Top-N by score that also records every matching document (so no
    second pass is needed for the total and the facet counts). Block-quality
    skipping is off, since every match must be seen anyway."""

    def __init__(self, limit):
        super().__init__(limit=limit, usequality=False)

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)


_STASH: dict[int, object] = {}
ONE_PASS_LIMIT = 10


def patch(module, *, terms: bool, one_pass: bool) -> None:
    """Replace search.searcher._matching_docs / _run (module functions) with
    versions that (terms=False) do not record matched terms and (one_pass)
    score the top hits in the same pass that collects every match."""
    original_run = module._run

    def _run(searcher, matcher, limit, deadline):
        stashed = _STASH.pop(id(matcher), None)
        if stashed is not None and limit <= ONE_PASS_LIMIT:
            return stashed
        if terms:
            return original_run(searcher, matcher, limit, deadline)
        return searcher.search(matcher, limit=limit, terms=False)

    def _matching_docs(searcher, matcher, deadline):
        collector = DocsetTopCollector(ONE_PASS_LIMIT)
        searcher.search_with_collector(matcher, collector)
        _STASH[id(matcher)] = collector.results()
        return sorted(collector.docset)

    module._run = _run
    if one_pass:
        module._matching_docs = _matching_docs


def run_variant(index_dir: Path, name: str, passes: int) -> dict:
    import search.searcher as searcher_module
    import search.snippets as snippets_module
    from search import SearchRequest, Searcher

    originals = (searcher_module._run, searcher_module._matching_docs)
    original_scan = snippets_module.SCAN_CHARS
    kwargs = {}
    # The product's 5 s wall-clock limit is lifted so a loaded machine does
    # not turn slow queries into errors (CPU time is what is compared).
    original_limit = searcher_module.QUERY_SECONDS
    searcher_module.QUERY_SECONDS = 600.0
    try:
        if name == "no_terms":
            patch(searcher_module, terms=False, one_pass=False)
        elif name == "one_pass":
            patch(searcher_module, terms=False, one_pass=True)
        elif name == "scan_20k":
            patch(searcher_module, terms=False, one_pass=True)
            snippets_module.SCAN_CHARS = 20_000
        elif name == "no_snippets":
            kwargs = {"snippets": False}
        elif name == "no_facets":
            kwargs = {"facets": False}
        mix = query_mix()
        searcher = Searcher(index_dir)
        requests = [SearchRequest(query=bq.kamerzoek(), per_page=10, **kwargs) for bq in mix]
        def run(r):
            try:
                return searcher.search(r).total
            except Exception:  # the product's 5 s limit: counted
                return None
        totals = [run(r) for r in requests]  # warm-up
        wall, cpu, errors = [], [], 0
        for _ in range(passes):
            for r in requests:
                c0, t0 = time.process_time(), time.perf_counter()
                errors += run(r) is None
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        searcher.close()
        return {"variant": name, "wall": percentiles(wall), "cpu": percentiles(cpu),
                "total_matches_checksum": sum(t or 0 for t in totals), "errors": errors}
    finally:
        searcher_module._run, searcher_module._matching_docs = originals
        _STASH.clear()
        searcher_module.QUERY_SECONDS = original_limit
        snippets_module.SCAN_CHARS = original_scan


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("index", type=Path)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--variants", default="stock,no_terms,one_pass,scan_20k,no_snippets,no_facets")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--ignore-version", action="store_true",
                        help="open an index built by an older analysis revision (the product "
                             "changes while we measure; costs are what is profiled)")
    args = parser.parse_args(argv)
    if args.ignore_version:
        import index.store
        index.store.check_version = lambda index_dir: None
    results = []
    for name in args.variants.split(","):
        r = run_variant(args.index, name, args.passes)
        results.append(r)
        print(f"{name:12} CPU p50 {r['cpu']['p50_ms']:7} p95 {r['cpu']['p95_ms']:7} mean "
              f"{r['cpu']['mean_ms']:7} | wall p50 {r['wall']['p50_ms']:7} p95 "
              f"{r['wall']['p95_ms']:7} | matches {r['total_matches_checksum']} errors {r['errors']}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
