"""A bounded soak test on loopback: gunicorn with 2 workers, N client
threads for a fixed time, a mix of searches, pages and API calls.

    python bench/soak.py --index kamerzoek-index [--seconds 60] [--clients 8]

Reports requests, errors (must be 0), p50/p95/p99 latency and the workers'
resident memory at start and end, as a table and as bench/results/soak.json.
Hard caps: at most 600 s and 200,000 requests, whatever is asked; the server
listens on 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "soak.json"
MAX_SECONDS = 600
MAX_REQUESTS = 200_000
SAMPLE_SECONDS = 5
QUERIES = ["autonome wapens", "stikstof", "zorg", "motie", "drones", "ver*", "wapen*",
           '"betekenisvolle menselijke controle"', "onderwijs jaar:2019..2024", "kst-33694-45",
           "defensie -politie", "klimaat OF energie", "jeugdzorg gemeenten", "asiel", "pensioen"]


def mix(ids: list[str]) -> list[str]:
    paths = []
    for q in QUERIES:
        paths += [f"/?q={quote(q)}", f"/api/search?q={quote(q)}",
                  f"/api/search?q={quote(q)}&sort=date&page=2", f"/api/facets?q={quote(q)}",
                  f"/feed.atom?q={quote(q)}"]
    paths += [f"/{i}" for i in ids] + [f"/api/letters/{i}" for i in ids]
    paths += ["/", "/help", "/api/search?year=2019", "/widget.js", "/api/openapi.json",
              "/api/search?q=%22unbalanced", "/nope"]  # 400 and 404 are answers, not errors
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
    return sorted(found)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, help="an index built by kamerzoek index")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    seconds = min(args.seconds, MAX_SECONDS)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn")
    if not gunicorn:
        sys.exit("gunicorn not found: pip install gunicorn")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KAMERZOEK_INDEX": str(Path(args.index).resolve())}
    server = subprocess.Popen([gunicorn, "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                               "--timeout", "60", "--log-level", "warning", "web.wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/search?per_page=100", timeout=10) as r:
                    ids = [hit["id"] for hit in json.load(r)["hits"]][:20]
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("gunicorn did not start")
                time.sleep(0.2)
        paths = mix(ids)
        # Warm every worker up (each opens its own searcher), then measure.
        for path in paths[:40]:
            urllib.request.urlopen(base + path.replace("/nope", "/"), timeout=30).read()
        pids = workers(server.pid)
        rss_start = {pid: round(rss_mb(pid), 1) for pid in pids}

        latencies: list[float] = []
        statuses: Counter = Counter()
        errors: list[str] = []
        lock = threading.Lock()
        started = time.monotonic()

        def client(seed: int):
            rng = random.Random(seed)
            while time.monotonic() - started < seconds:
                with lock:
                    if len(latencies) + len(errors) >= MAX_REQUESTS:
                        return
                path = rng.choice(paths)
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(base + path, timeout=30) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as exc:
                    exc.read()
                    status = exc.code
                except Exception as exc:
                    with lock:
                        errors.append(f"{path}: {exc!r}")
                    continue
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1
                    if status >= 500:
                        errors.append(f"{path}: HTTP {status}")

        # Two readings cannot tell steady memory from slow growth: sample
        # every worker along the way.
        samples: list[dict] = []
        clients_done = threading.Event()

        def sample_memory():
            while not clients_done.wait(SAMPLE_SECONDS):
                samples.append({"t": round(time.monotonic() - started, 1),
                                "rss_mb": {str(pid): round(rss_mb(pid), 1)
                                           for pid in workers(server.pid)}})

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        sampler = threading.Thread(target=sample_memory)
        sampler.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clients_done.set()
        sampler.join()
        duration = time.monotonic() - started
        rss_end = {pid: round(rss_mb(pid), 1) for pid in workers(server.pid)}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    result = {
        "seconds": round(duration, 1), "clients": args.clients, "workers": args.workers,
        "requests": len(latencies) + len(errors), "errors": len(errors),
        "error_samples": errors[:10], "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "requests_per_second": round(len(latencies) / duration, 1),
        "latency_ms": {name: round(percentile(latencies, share) * 1000, 1) for name, share in
                       (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))},
        "worker_rss_mb": {"start": rss_start, "end": rss_end},
        "worker_rss_samples": samples,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| measure | value |\n|---|---|")
    for key in ("seconds", "clients", "workers", "requests", "errors", "requests_per_second"):
        print(f"| {key} | {result[key]} |")
    print(f"| statuses | {result['statuses']} |")
    for name, value in result["latency_ms"].items():
        print(f"| latency {name} (ms) | {value} |")
    for pid in sorted(set(rss_start) | set(rss_end)):
        print(f"| worker {pid} RSS start -> end (MB) | {rss_start.get(pid)} -> {rss_end.get(pid)} |")
    for pid in sorted(set(rss_start) | set(rss_end)):
        series = [sample["rss_mb"].get(str(pid)) for sample in samples]
        series = [value for value in series if value is not None]
        if series:
            print(f"| worker {pid} RSS over the run, min / max (MB) | {min(series)} / {max(series)} "
                  f"({len(series)} samples) |")
    print(f"\nwritten to {args.output}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
