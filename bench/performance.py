"""Performance benchmark: build, incremental re-index, query latency (in
process and over HTTP), cold start, index size; against a naive Whoosh and a
SQLite FTS5 baseline. A script, not a test.

    python bench/performance.py [--corpus DIR] [--scale N | --quick] [--skip-scale]
                                [--skip-http] [--skip-scale-updates]
                                [--out bench/results/performance.json]
    python bench/performance.py --requery shared|scale --work DIR [--out FILE]

Everything generated (a copy of the corpus for the incremental test, the
scale corpus, the indexes) goes to a temporary folder (--work, default a new
one under $TMPDIR), removed at the end unless --keep.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baselines import Fts5, NaiveWhoosh, dir_size_mb  # noqa: E402
from bench.memory import run_measured  # noqa: E402
from bench.queries import describe, query_mix  # noqa: E402
from bench.stats import percentiles  # noqa: E402

PY = sys.executable
TARGETS_DOC = {
    "build_vs_naive_whoosh": "build throughput >= 3x naive Whoosh (shared corpus)",
    "scale_peak_memory": "peak memory (process tree) < 1.5 GB at the scale corpus",
    "shared_p95": "queries with facets + snippets p95 < 50 ms (shared corpus, warm)",
    "scale_p95": "queries with facets + snippets p95 < 250 ms (scale corpus, warm)",
    "p50_vs_fts5": "kamerzoek p50 <= 3x FTS5 p50 (shared corpus)",
    "incremental_proportional": "1% re-index proportional to the change",
    "http_zero_errors": "HTTP load: zero errors",
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- machine -----------------------------------------------------------------

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("whoosh-reloaded", "snowballstemmer", "PyStemmer", "flask", "gunicorn", "lxml",
                "kamerzoek"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["sqlite"] = sqlite3.sqlite_version
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": mem_gb,
            "python": platform.python_version(), "platform": platform.platform(),
            "versions": versions, "loadavg_start": list(os.getloadavg())}


# -- builds ------------------------------------------------------------------

def measured_build(paths, index_dir: Path, rebuild: bool = False) -> dict:
    cmd = [PY, str(ROOT / "bench" / "run_build.py"), "kamerzoek", *map(str, paths),
           "--index", str(index_dir)] + (["--rebuild"] if rebuild else [])
    m = run_measured(cmd, cwd=str(ROOT))
    if m.returncode != 0:
        raise RuntimeError(f"build failed: {m.stderr[-2000:]}")
    report = json.loads(m.stdout.strip().splitlines()[-1])
    return {**report, "wall_s": round(m.seconds, 2), "cpu_s": m.cpu_s,
            "peak_rss_mb": m.peak_rss_mb, "peak_pss_mb": m.peak_pss_mb,
            "peak_processes": m.peak_processes}


def measured_baselines(paths, work: Path) -> dict:
    cmd = [PY, str(ROOT / "bench" / "run_build.py"), "baselines", *map(str, paths),
           "--whoosh", str(work / "naive-whoosh"), "--fts5", str(work / "fts5.db")]
    m = run_measured(cmd, cwd=str(ROOT))
    if m.returncode != 0:
        raise RuntimeError(f"baseline build failed: {m.stderr[-2000:]}")
    report = json.loads(m.stdout.strip().splitlines()[-1])
    report.pop("pid", None)
    return {**report, "wall_s": round(m.seconds, 2), "cpu_s": m.cpu_s,
            "peak_rss_mb": m.peak_rss_mb, "peak_pss_mb": m.peak_pss_mb}


def throughput(letters: int, seconds: float, text_mb: float | None) -> dict:
    return {"docs_per_s": round(letters / seconds, 1) if seconds else None,
            "text_mb_per_s": round(text_mb / seconds, 3) if (text_mb and seconds) else None}


# -- queries -----------------------------------------------------------------

def time_queries(run, mix, passes: int = 2, warmup: bool = True) -> dict:
    """Latency (ms) of `run(bq)` over the mix: one warm-up pass, then `passes`."""
    return time_engines({"run": run}, mix, passes, warmup)["run"]


def time_engines(runs: dict, mix, passes: int = 2, warmup: bool = True) -> dict:
    """time_queries() of several engines at once, name -> figures. Each
    query is put to every engine in turn before the next query, so that
    all of them meet the machine in the same state: measured one engine
    after the other, a minute apart, the ratio of two p50s drifted by a
    quarter on this machine."""
    if warmup:
        for bq in mix:
            for run in runs.values():
                try:
                    run(bq)
                except Exception:
                    pass
    state = {name: {"times": [], "cpu": [], "per_kind": {}, "errors": [], "empty": 0}
             for name in runs}
    for _ in range(passes):
        for bq in mix:
            for name, run in runs.items():
                figures = state[name]
                c0 = time.process_time()
                t0 = time.perf_counter()
                try:
                    result = run(bq)
                except Exception as exc:
                    figures["errors"].append(
                        f"{bq.kind} {bq.kamerzoek()!r}: {type(exc).__name__}: {exc}"[:200])
                    continue
                ms = (time.perf_counter() - t0) * 1000
                figures["cpu"].append((time.process_time() - c0) * 1000)
                figures["times"].append(ms)
                figures["per_kind"].setdefault(bq.kind, []).append(ms)
                if not result:
                    figures["empty"] += 1
    return {name: {"queries": len(mix), "passes": passes, "errors": len(f["errors"]),
                   "error_samples": f["errors"][:5], "empty_results": f["empty"] // passes,
                   **percentiles(f["times"]), "cpu": percentiles(f["cpu"]),
                   "by_kind_p50_p95": {k: [percentiles(v)["p50_ms"], percentiles(v)["p95_ms"]]
                                       for k, v in sorted(f["per_kind"].items())}}
            for name, f in state.items()}


def kamerzoek_runner(searcher):
    from search import SearchRequest

    def run(bq):
        response = searcher.search(SearchRequest(query=bq.kamerzoek(), per_page=10))
        assert response.facets and all(h.snippets for h in response.hits)
        return response.hits
    return run


def query_benchmarks(index_dir: Path, mix, work: Path | None, baselines: bool) -> dict:
    from search import SearchRequest, Searcher
    out = {}
    t0 = time.perf_counter()
    # No cache of answered searches: the passes repeat the mix, and every
    # query must be answered from the index to be measured.
    searcher = Searcher(index_dir, cache_size=0)
    searcher.search(SearchRequest(query=mix[0].kamerzoek()))
    out["kamerzoek_cold_open_and_first_query_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    runs = {"kamerzoek": kamerzoek_runner(searcher)}
    opened = []
    if baselines and work is not None:
        naive = NaiveWhoosh(work / "naive-whoosh")
        fts = Fts5(work / "fts5.db")
        fts_facets = Fts5(work / "fts5.db", facets=True)
        opened = [naive, fts, fts_facets]
        runs.update({"naive_whoosh": lambda bq: naive.search(bq)["hits"],
                     "fts5": lambda bq: fts.search(bq)["hits"],
                     "fts5_with_year_dossier_facets": lambda bq: fts_facets.search(bq)["hits"]})
    log(f"  {', '.join(runs)}: each query to each in turn (kamerzoek in process, "
        "facets + snippets)")
    out.update(time_engines(runs, mix))
    for engine in opened:
        engine.close()
    searcher.close()
    log("  kamerzoek, repeating a recent search (answered from the cache)")
    with Searcher(index_dir) as cached:
        out["kamerzoek_repeat_cached"] = time_queries(kamerzoek_runner(cached), mix)
    return out


# -- incremental ---------------------------------------------------------------

def change_files(corpus_copy: Path, fraction: float, seed: int, tag: str, *,
                 count: int | None = None, originals: dict | None = None) -> int:
    """Edit `fraction` of the letter files (or `count` of them) in place (a
    sentence appended to text/Markdown, an XML comment before the root
    closes); returns how many. `originals` gets each file's bytes before its
    first change, to put back."""
    from corpus.files import discover
    files = [f for f in discover([corpus_copy]) if f.suffix in (".txt", ".md", ".xml")]
    rng = random.Random(seed)
    chosen = rng.sample(files, count or max(1, round(len(files) * fraction)))
    for path in chosen:
        data = path.read_bytes()
        if originals is not None:
            originals.setdefault(path, data)
        if path.suffix == ".xml":
            data = data.rstrip() + f"\n<!-- benchmark change {tag} -->\n".encode()
        else:
            data = data.rstrip() + f"\n\nBenchmarkwijziging {tag}.\n".encode()
        path.write_bytes(data)
    return len(chosen)


def incremental(corpus_copy: Path, index_dir: Path, full_build_s: float) -> dict:
    out = {}
    log("  no-op update (nothing changed)")
    out["noop"] = measured_build([corpus_copy], index_dir)
    for pct in (1, 4):
        n = change_files(corpus_copy, pct / 100, seed=pct, tag=f"{pct}pct")
        log(f"  {pct}% changed ({n} files)")
        out[f"changed_{pct}pct"] = {"files_changed": n,
                                    **measured_build([corpus_copy], index_dir)}
    t0 = out["noop"]["wall_s"]
    t1 = out["changed_1pct"]["wall_s"]
    t4 = out["changed_4pct"]["wall_s"]
    out["full_build_s"] = round(full_build_s, 2)
    out["fixed_cost_s"] = t0
    out["per_1pct_marginal_s"] = round((t4 - t0) / 4, 2)
    out["1pct_as_fraction_of_full_build"] = round(t1 / full_build_s, 3)
    return out


# Files the scale corpus's update changes first: as many as the shared
# corpus's 1%, so the two updates differ in the size of the index only.
SAME_CHANGE = 160


def scale_incremental(corpus: Path, index_dir: Path, full_build_s: float) -> dict:
    """Is an update's cost the change's, not the corpus's? At the scale
    corpus: an update that changes nothing, one that changes as many files
    as the shared corpus's 1% does, and one that changes 1% of these. The
    generated corpus is changed in place (it is not copied: 600 MB) and put
    back afterwards; the index keeps the changed versions."""
    out = {}
    originals: dict[Path, bytes] = {}
    try:
        log("  no-op update (nothing changed)")
        out["noop"] = measured_build([corpus], index_dir)
        n = change_files(corpus, 0, seed=11, tag="scale-same", count=SAME_CHANGE,
                         originals=originals)
        log(f"  {n} files changed (as many as the shared corpus's 1%)")
        out["changed_same_files"] = {"files_changed": n, **measured_build([corpus], index_dir)}
        n = change_files(corpus, 0.01, seed=12, tag="scale-1pct", originals=originals)
        log(f"  1% changed ({n} files)")
        out["changed_1pct"] = {"files_changed": n, **measured_build([corpus], index_dir)}
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    out["full_build_s"] = round(full_build_s, 2)
    out["1pct_as_fraction_of_full_build"] = round(out["changed_1pct"]["wall_s"] / full_build_s, 3)
    return out


# -- one corpus ----------------------------------------------------------------

def build_rounds(name: str, paths: list[Path], work: Path, index_dir: Path,
                 rounds: int) -> tuple[dict, dict, list[dict]]:
    """kamerzoek's build and the baselines' in turn, `rounds` times: on this
    machine two rounds a minute apart gave build ratios of 2.4x and 3.4x
    (the naive build took 66 s and 81 s), so one round says little. Returns
    the builds of the round with the median ratio, and every round."""
    measured = []
    for n in range(1, rounds + 1):
        log(f"[{name}] round {n}/{rounds}: kamerzoek build")
        build = measured_build(paths, index_dir, rebuild=True)
        log(f"[{name}] round {n}/{rounds}: baseline builds (read once, naive Whoosh, FTS5)")
        base = measured_baselines(paths, work)
        naive_s = base["read_s"] + base["whoosh_index_s"]
        measured.append((naive_s / build["wall_s"], build, base))
        log(f"[{name}] round {n}: kamerzoek {build['wall_s']} s, naive Whoosh "
            f"{naive_s:.1f} s: {naive_s / build['wall_s']:.2f}x")
    ordered = sorted(measured, key=lambda m: m[0])
    _, build, base = ordered[(len(ordered) - 1) // 2]
    summary = [{"kamerzoek_s": b["wall_s"], "kamerzoek_cpu_s": b["cpu_s"],
                "naive_whoosh_s": round(x["read_s"] + x["whoosh_index_s"], 2),
                "naive_whoosh_cpu_s": round(x["read_cpu_s"] + x["whoosh_index_cpu_s"], 2),
                "ratio": round(r, 2)} for r, b, x in measured]
    return build, base, summary


def bench_corpus(name: str, paths: list[Path], work: Path, mix, *, baselines: bool,
                 http: bool, incremental_from: Path | None, text_mb: float | None,
                 http_seconds: float, res: dict | None = None, rounds: int = 1,
                 scale_updates: bool = False) -> dict:
    """Fills `res` as it goes, so a failure late in the run keeps what was
    measured before it."""
    res = {} if res is None else res
    res.update({"name": name, "paths": [str(p) for p in paths]})
    index_dir = work / "kamerzoek-index"
    if baselines:
        build, base, res["build_rounds"] = build_rounds(name, paths, work, index_dir, rounds)
    else:
        log(f"[{name}] kamerzoek build")
        build = measured_build(paths, index_dir, rebuild=True)
    res["build"] = build
    if baselines:
        res["baseline_build"] = base
        text_mb = base["text_mb"]
        naive_s = base["read_s"] + base["whoosh_index_s"]
        fts_s = base["read_s"] + base["fts5_index_s"]
        res["baseline_build"]["naive_whoosh"] = throughput(base["letters"], naive_s, text_mb)
        res["baseline_build"]["naive_whoosh_index_only"] = throughput(
            base["letters"], base["whoosh_index_s"], text_mb)
        res["baseline_build"]["fts5"] = throughput(base["letters"], fts_s, text_mb)
        res["baseline_build"]["fts5_index_only"] = throughput(base["letters"],
                                                              base["fts5_index_s"], text_mb)
    build["text_mb"] = text_mb
    build.update(throughput(build["letters"], build["wall_s"], text_mb))
    res["index_size_mb"] = round(dir_size_mb(index_dir), 1)
    log(f"[{name}] {build['letters']} letters in {build['wall_s']}s, "
        f"{build['docs_per_s']} docs/s, peak PSS {build['peak_pss_mb']} MB")
    log(f"[{name}] queries ({len(mix)} x 2 passes)")
    res["queries"] = query_benchmarks(index_dir, mix, work, baselines)
    if http:
        from bench.http_load import run_http
        log(f"[{name}] HTTP: gunicorn -w 2, cold start, sequential, 8 clients x {http_seconds}s")
        try:
            res["http"] = run_http(index_dir, [bq.kamerzoek() for bq in mix], clients=8,
                                   seconds=http_seconds, max_requests=50_000)
        except RuntimeError as exc:  # reported as a failure, not lost
            res["http_failed"] = str(exc)
            log(f"[{name}] HTTP failed: {exc}")
    if incremental_from is not None:
        log(f"[{name}] incremental re-index")
        res["incremental"] = incremental(incremental_from, index_dir, build["wall_s"])
    elif scale_updates:
        log(f"[{name}] incremental re-index")
        res["incremental"] = scale_incremental(paths[0], index_dir, build["wall_s"])
    return res


# -- targets and report ----------------------------------------------------------

def evaluate(results: dict) -> dict:
    targets = {}

    def put(key, ok, measured):
        targets[key] = {"target": TARGETS_DOC[key],
                        "result": "PASS" if ok else ("FAIL" if ok is not None else "NOT RUN"),
                        "measured": measured}

    shared = results.get("shared")
    scale = results.get("scale")
    if shared and "baseline_build" in shared:
        k = shared["build"]["docs_per_s"]
        n = shared["baseline_build"]["naive_whoosh"]["docs_per_s"]
        rounds = shared.get("build_rounds") or []
        each = ", ".join(f"{r['ratio']}x" for r in rounds)
        put("build_vs_naive_whoosh", k >= 3 * n,
            f"{k} vs {n} docs/s = {k / n:.2f}x" + (f" (median of rounds: {each})"
                                                   if len(rounds) > 1 else ""))
    else:
        put("build_vs_naive_whoosh", None, None)
    if scale and "build" in scale:
        pss, rss = scale["build"]["peak_pss_mb"], scale["build"]["peak_rss_mb"]
        put("scale_peak_memory", pss < 1536,
            f"PSS {pss} MB (RSS sum {rss} MB) at {scale['build']['letters']} letters")
        p95 = scale.get("queries", {}).get("kamerzoek", {}).get("p95_ms")
        put("scale_p95", None if p95 is None else p95 < 250, f"p95 {p95} ms at {scale['build']['letters']} letters")
    else:
        put("scale_peak_memory", None, None)
        put("scale_p95", None, None)
    if shared and "queries" in shared:
        p95 = shared["queries"]["kamerzoek"]["p95_ms"]
        put("shared_p95", p95 < 50, f"p95 {p95} ms")
        if "fts5" in shared["queries"]:
            k, f = shared["queries"]["kamerzoek"]["p50_ms"], shared["queries"]["fts5"]["p50_ms"]
            kc = shared["queries"]["kamerzoek"]["cpu"]["p50_ms"]
            fc = shared["queries"]["fts5"]["cpu"]["p50_ms"]
            put("p50_vs_fts5", k <= 3 * f, f"{k} vs {f} ms = {k / f:.1f}x (CPU time: {kc} vs "
                f"{fc} ms = {kc / fc:.1f}x)")
        else:
            put("p50_vs_fts5", None, None)
        inc = shared.get("incremental")
        if inc:
            frac = inc["1pct_as_fraction_of_full_build"]
            # Proportional: 1% of the files may cost at most 5% of a full build
            # (fixed costs of walking and hashing every file included).
            put("incremental_proportional", frac <= 0.05,
                f"1% change: {inc['changed_1pct']['wall_s']} s = {frac * 100:.1f}% of a full "
                f"build ({inc['full_build_s']} s); no-op {inc['fixed_cost_s']} s; "
                f"marginal per 1% {inc['per_1pct_marginal_s']} s")
        else:
            put("incremental_proportional", None, None)
    errors = [r["http"]["load"]["errors"] + r["http"]["sequential"]["errors"]
              for r in (shared, scale) if r and "http" in r]
    errors += [1 for r in (shared, scale) if r and "http_failed" in r]
    put("http_zero_errors", (sum(errors) == 0) if errors else None,
        f"{sum(errors)} errors" if errors else None)
    return targets


def print_table(results: dict) -> None:
    rows = []
    for key in ("shared", "scale"):
        r = results.get(key)
        if not r:
            continue
        b = r["build"]
        rows.append((key, "kamerzoek build", f"{b['letters']} letters, {b['wall_s']} s, "
                     f"{b['docs_per_s']} docs/s, {b['text_mb_per_s']} MB/s, CPU {b['cpu_s']} s, peak PSS "
                     f"{b['peak_pss_mb']} MB (RSS sum {b['peak_rss_mb']} MB)"))
        if "baseline_build" in r:
            bb = r["baseline_build"]
            rows.append((key, "naive whoosh build", f"{bb['naive_whoosh']['docs_per_s']} docs/s "
                         f"(read {bb['read_s']} s + index {bb['whoosh_index_s']} s; CPU "
                         f"{bb['read_cpu_s']} + {bb['whoosh_index_cpu_s']} s), "
                         f"{bb['whoosh_size_mb']} MB"))
            rows.append((key, "fts5 build", f"{bb['fts5']['docs_per_s']} docs/s "
                         f"(read {bb['read_s']} s + index {bb['fts5_index_s']} s; CPU "
                         f"{bb['read_cpu_s']} + {bb['fts5_index_cpu_s']} s), "
                         f"{bb['fts5_size_mb']} MB"))
        if len(r.get("build_rounds") or ()) > 1:
            rows.append((key, "build rounds (kamerzoek / naive)", ", ".join(
                f"{x['kamerzoek_s']} / {x['naive_whoosh_s']} s = {x['ratio']}x"
                for x in r["build_rounds"])))
        rows.append((key, "index size", f"{r['index_size_mb']} MB"))
        for name, q in r["queries"].items():
            if isinstance(q, dict):
                rows.append((key, f"query {name}", f"p50 {q['p50_ms']} / p95 {q['p95_ms']} / "
                             f"p99 {q['p99_ms']} ms (CPU p50 {q['cpu']['p50_ms']} / p95 "
                             f"{q['cpu']['p95_ms']}), errors {q['errors']}"))
            else:
                rows.append((key, name, f"{q} ms"))
        if "http" in r:
            h = r["http"]
            rows.append((key, "http cold start", f"{h['cold_start_to_first_answer_s']} s to "
                         f"first answer (first request {h['first_request_ms']} ms)"))
            s = h["sequential"]
            rows.append((key, "http sequential", f"p50 {s['p50_ms']} / p95 {s['p95_ms']} / "
                         f"p99 {s['p99_ms']} ms, errors {s['errors']}"))
            lo = h["load"]
            rows.append((key, "http load 8 clients", f"{lo['requests_per_s']} req/s, "
                         f"{lo['requests']} requests, errors {lo['errors']}, p50 {lo['p50_ms']} / "
                         f"p95 {lo['p95_ms']} / p99 {lo['p99_ms']} ms"))
        if "incremental" in r:
            i = r["incremental"]
            if "changed_4pct" in i:
                rows.append((key, "incremental", f"no-op {i['noop']['wall_s']} s, 1% "
                             f"{i['changed_1pct']['wall_s']} s, 4% {i['changed_4pct']['wall_s']} s "
                             f"(full build {i['full_build_s']} s)"))
            else:
                same = i["changed_same_files"]
                rows.append((key, "incremental", f"no-op {i['noop']['wall_s']} s, "
                             f"{same['files_changed']} files {same['wall_s']} s, 1% "
                             f"({i['changed_1pct']['files_changed']} files) "
                             f"{i['changed_1pct']['wall_s']} s = "
                             f"{i['1pct_as_fraction_of_full_build'] * 100:.1f}% of the full build "
                             f"({i['full_build_s']} s), peak PSS "
                             f"{i['changed_1pct']['peak_pss_mb']} MB"))
    width = max(len(r[1]) for r in rows) if rows else 10
    for corpus, what, value in rows:
        print(f"{corpus:7} {what:<{width}}  {value}")
    if "ratios" in results:
        print("ratios (kamerzoek / baseline):", json.dumps(results["ratios"]))
    print()
    for key, t in results["targets"].items():
        print(f"{t['result']:8} {t['target']}: {t['measured']}")


def ratios(shared: dict) -> dict:
    out = {}
    if "baseline_build" not in shared:
        return out
    k = shared["build"]["docs_per_s"]
    bb = shared["baseline_build"]
    out["build_throughput_vs_naive_whoosh"] = round(k / bb["naive_whoosh"]["docs_per_s"], 2)
    out["build_throughput_vs_fts5"] = round(k / bb["fts5"]["docs_per_s"], 2)
    # CPU seconds (whole process tree), robust to other load on the machine:
    # naive CPU / kamerzoek CPU for the same letters (>1: kamerzoek cheaper).
    kcpu = shared["build"]["cpu_s"]
    out["build_cpu_naive_whoosh_over_kamerzoek"] = round(
        (bb["read_cpu_s"] + bb["whoosh_index_cpu_s"]) / kcpu, 2)
    out["build_cpu_fts5_over_kamerzoek"] = round((bb["read_cpu_s"] + bb["fts5_index_cpu_s"]) / kcpu, 2)
    q = shared["queries"]
    for base in ("naive_whoosh", "fts5", "fts5_with_year_dossier_facets"):
        if base in q:
            out[f"p50_vs_{base}"] = round(q["kamerzoek"]["p50_ms"] / q[base]["p50_ms"], 2)
            out[f"p95_vs_{base}"] = round(q["kamerzoek"]["p95_ms"] / q[base]["p95_ms"], 2)
            out[f"cpu_p50_vs_{base}"] = round(q["kamerzoek"]["cpu"]["p50_ms"]
                                              / q[base]["cpu"]["p50_ms"], 2)
            out[f"cpu_p95_vs_{base}"] = round(q["kamerzoek"]["cpu"]["p95_ms"]
                                              / q[base]["cpu"]["p95_ms"], 2)
    return out


def main(argv=None) -> int:
    default_corpus = Path(os.environ.get("KAMERZOEK_CORPUS", ROOT.parent / "shared" / "corpus"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", type=int, default=200_000, help="letters in the scale corpus")
    size.add_argument("--quick", action="store_true", help="scale corpus of 20,000 letters")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-shared", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-scale-updates", action="store_true",
                        help="no incremental updates of the scale corpus")
    parser.add_argument("--scale-baselines", action="store_true",
                        help="also build and query the baselines on the scale corpus")
    parser.add_argument("--scale-dir", type=Path,
                        help="reuse (or create) the scale corpus here")
    parser.add_argument("--http-seconds", type=float, default=30.0)
    parser.add_argument("--build-rounds", type=int, default=3,
                        help="builds of kamerzoek and the baselines in turn on the shared "
                             "corpus; the build target is judged on the median round")
    parser.add_argument("--work", type=Path, help="working folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "performance.json")
    parser.add_argument("--requery", choices=["shared", "scale"],
                        help="only measure the queries again, on the index kept in --work "
                             "by an earlier run, and update that part of --out")
    args = parser.parse_args(argv)
    if args.requery:
        if not args.work:
            parser.error("--requery needs --work, the folder an earlier --keep run left")
        return requery(args.requery, args.work, args.out)
    scale_n = 20_000 if args.quick else args.scale

    work = args.work or Path(tempfile.mkdtemp(prefix="kamerzoek-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if ROOT in work.resolve().parents:
        parser.error("the working folder must be outside the repository")
    compile_sources()
    mix = query_mix()
    results: dict = {"command": " ".join([Path(PY).name, *sys.argv]),
                     "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                     "query_mix": {"count": len(mix), "kinds": describe(mix),
                                   "per_page": 10, "facets": True, "snippets": True}}
    log(f"work folder {work}; {len(mix)} queries; machine {results['machine']['cpu']}, "
        f"{results['machine']['cores']} cores, load {results['machine']['loadavg_start']}")
    try:
        if not args.skip_shared:
            copy = work / "shared-corpus-copy"
            log(f"copying {args.corpus} to {copy} (for the incremental test)")
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(args.corpus, copy, symlinks=True)
            shared_work = work / "shared"
            shared_work.mkdir(exist_ok=True)
            results["shared"] = {}
            bench_corpus(
                "shared", [copy], shared_work, mix, baselines=True, http=not args.skip_http,
                incremental_from=copy, text_mb=None, http_seconds=args.http_seconds,
                res=results["shared"], rounds=args.build_rounds)
            results["ratios"] = ratios(results["shared"])
            _save(args.out, results)
        if not args.skip_scale:
            from bench.make_scale_corpus import generate
            scale_dir = args.scale_dir or work / f"scale-{scale_n}"
            manifest_path = scale_dir / "manifest.json"
            manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
            if not manifest or manifest.get("letters") != scale_n:
                log(f"generating scale corpus of {scale_n} letters in {scale_dir}")
                shutil.rmtree(scale_dir, ignore_errors=True)
                manifest = generate(scale_dir, scale_n, 1, args.corpus, log=log)
            else:
                log(f"reusing scale corpus {scale_dir}")
            scale_work = work / "scale"
            scale_work.mkdir(exist_ok=True)
            results["scale"] = {"corpus_manifest": manifest}
            bench_corpus(
                f"scale-{scale_n}", [scale_dir], scale_work, mix,
                baselines=args.scale_baselines, http=not args.skip_http, incremental_from=None,
                text_mb=manifest["characters"] / 1e6, http_seconds=args.http_seconds,
                res=results["scale"], scale_updates=not args.skip_scale_updates)
    finally:
        results["machine"]["loadavg_end"] = list(os.getloadavg())
        results["targets"] = evaluate(results)
        _save(args.out, results)
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print_table(results)
    print(f"\nwritten to {args.out}")
    return 0


def compile_sources() -> None:
    """Every measured command starts a new Python. Installed, its modules
    are compiled once and then loaded as bytecode; on a machine that sets
    PYTHONDONTWRITEBYTECODE (this one does) an uncompiled checkout was
    compiled again by every command: starting Python and importing
    index.builder took 0.39 s against 0.31 s compiled (means of 8
    alternated starts, 2026-12-03)."""
    import compileall
    for name in ("corpus", "index", "search", "web", "bench"):
        compileall.compile_dir(ROOT / name, quiet=1)
    for name in ("cli.py", "config.py"):
        compileall.compile_file(ROOT / name, quiet=1)


def requery(name: str, work: Path, out: Path) -> int:
    """The query figures again on a kept index (after a change to searching,
    without the half-hour build); the build figures stay those of the run
    that built it, and the file says when the queries were measured again."""
    results = json.loads(out.read_text())
    part = results.get(name)
    index_dir = work / name / "kamerzoek-index"
    if part is None or not index_dir.is_dir():
        print(f"no earlier '{name}' results in {out}, or no index in {index_dir}", file=sys.stderr)
        return 1
    mix = query_mix()
    baselines = (work / name / "fts5.db").exists()
    log(f"[{name}] queries again on {index_dir} ({len(mix)} x 2 passes)")
    part["queries"] = query_benchmarks(index_dir, mix, work / name, baselines)
    part["queries_remeasured"] = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                  "command": " ".join([Path(PY).name, *sys.argv]),
                                  "loadavg": list(os.getloadavg())}
    if name == "shared":
        results["ratios"] = ratios(part)
    results["targets"] = evaluate(results)
    _save(out, results)
    print_table(results)
    print(f"\nwritten to {out}")
    return 0


def _save(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if "targets" not in results:
        results = {**results, "targets": evaluate(results)}
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
