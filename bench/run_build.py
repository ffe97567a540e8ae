"""Subprocess entry point for the measured builds (so the parent can poll the
memory of the whole process tree). Prints one JSON object on the last line.

    python bench/run_build.py kamerzoek --index DIR [--rebuild] [--procs N] CORPUS...
    python bench/run_build.py baselines --whoosh DIR --fts5 FILE CORPUS...
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["kamerzoek", "baselines"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--index")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--procs", type=int)
    parser.add_argument("--whoosh")
    parser.add_argument("--fts5")
    parser.add_argument("--profile", help="write cProfile stats here")
    args = parser.parse_args(argv)

    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    if args.mode == "kamerzoek":
        from index.builder import build_index
        report = build_index(args.paths, args.index, rebuild=args.rebuild, procs=args.procs)
        out = {"added": report.added, "updated": report.updated, "removed": report.removed,
               "unchanged": report.unchanged, "failed": len(report.failed),
               "skipped": len(report.skipped), "letters": report.letters,
               "seconds": round(report.seconds, 2)}
    else:
        from bench.baselines import build_baselines
        out = build_baselines(args.paths, Path(args.whoosh), Path(args.fts5))
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if args.mode == "kamerzoek":
        gc.freeze()   # as the kamerzoek command does when it ends (cli.run)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
