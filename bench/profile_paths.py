"""cProfile of the two hot paths, to see what in the product costs the time.

    python bench/profile_paths.py query INDEX_DIR [--top 30]
    python bench/profile_paths.py build OUT_DIR PATH... [--limit 3000]

`query` runs the benchmark's query mix once warm (facets + snippets, 10 hits)
through `search.Searcher`; `build` builds a fresh index single-process
(procs=1, so reading is profiled too) from at most --limit files.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def show(profiler: cProfile.Profile, top: int, label: str) -> None:
    for sort in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(sort).print_stats(top)
        print(f"===== {label}: by {sort} =====")
        print("\n".join(out.getvalue().splitlines()[:top + 12]))


def profile_query(index_dir: Path, top: int) -> None:
    from bench.queries import query_mix
    from search import SearchRequest, Searcher
    mix = query_mix()
    import search.searcher as searcher_module
    # Under cProfile and a loaded machine the product's 5 s wall-clock limit
    # would cut the slow queries out of the profile: lift it here.
    searcher_module.QUERY_SECONDS = 600.0
    searcher = Searcher(index_dir, cache_size=0)  # profile the work, not the answer cache

    def run(bq):
        try:
            searcher.search(SearchRequest(query=bq.kamerzoek()))
        except Exception as exc:  # e.g. the product's 5 s query time limit
            print(f"error: {bq.kamerzoek()!r}: {exc}")
    for bq in mix:  # warm
        run(bq)
    profiler = cProfile.Profile(time.process_time)  # CPU time: robust to other load
    profiler.enable()
    for bq in mix:
        run(bq)
    profiler.disable()
    show(profiler, top, "query path")


def profile_build(out: Path, paths: list[Path], limit: int, top: int) -> None:
    from corpus.files import discover
    from index.builder import build_index
    all_files = list(discover(paths))
    files = all_files[::max(1, len(all_files) // limit)][:limit]  # an even spread
    staging = Path(tempfile.mkdtemp(prefix="kz-prof-files-"))
    # Hard links keep the subset cheap; the build sees a folder of files.
    for i, f in enumerate(files):
        target = staging / f"{i:05d}-{f.name}"
        try:
            target.hardlink_to(f)
        except OSError:
            shutil.copy2(f, target)
        side = f.with_suffix(".json")
        if side.exists():
            shutil.copy2(side, target.with_suffix(".json"))
    profiler = cProfile.Profile(time.process_time)  # CPU time: robust to other load
    profiler.enable()
    report = build_index([staging], out, rebuild=True, procs=1)
    profiler.disable()
    print(f"built {report.letters} letters in {report.seconds:.1f}s (procs=1)")
    show(profiler, top, "build path")
    shutil.rmtree(staging, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["query", "build"])
    parser.add_argument("target", type=Path)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--ignore-version", action="store_true",
                        help="open an index built by an older analysis revision (the product "
                             "changes while we measure; costs are what is profiled)")
    args = parser.parse_args(argv)
    if args.ignore_version:
        import index.store
        index.store.check_version = lambda index_dir: None
    if args.mode == "query":
        profile_query(args.target, args.top)
    else:
        profile_build(args.target, args.paths, args.limit, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
