"""The web app under gunicorn on loopback: cold start, per-query latency and a
bounded load test (fixed duration and request cap), with plain http.client
threads. Binds 127.0.0.1 only.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from .memory import tree_memory_mb
from .stats import percentiles

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def search_path(q: str) -> str:
    return "/api/search?" + urlencode({"q": q, "per_page": 10})


def get(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """gunicorn -w 2 'web.wsgi:app' on 127.0.0.1:<free port>."""

    def __init__(self, index_dir: Path, workers: int = 2):
        self.index_dir, self.workers = Path(index_dir), workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = None

    def start(self, first_path: str, timeout: float = 120.0) -> dict:
        """Start and wait for the first good answer to `first_path`; the
        time from spawn to that answer is the cold start."""
        # Without the cache of answered searches: the clients repeat the mix.
        env = {**os.environ, "KAMERZOEK_INDEX": str(self.index_dir),
               "KAMERZOEK_SEARCH_CACHE_SIZE": "0"}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        if not Path(gunicorn).exists():
            raise RuntimeError(f"{gunicorn} not found: install the benchmark's extras "
                               "(pip install -e '.[bench]')")
        self.log = open(self.index_dir.parent / f"gunicorn-{self.port}.log", "w")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [gunicorn, "-w", str(self.workers), "-b", f"{HOST}:{self.port}",
             "--timeout", "120", "web.wsgi:app"],
            cwd=str(ROOT), env=env, stdout=self.log, stderr=subprocess.STDOUT)
        listening, last = None, None
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                t0 = time.perf_counter()
                status, body = get(self.port, first_path)
                last = f"HTTP {status}: {body[:300]!r}"
                if listening is None:
                    listening = t0 - started
                if status == 200:
                    done = time.perf_counter()
                    return {"cold_start_to_first_answer_s": round(done - started, 3),
                            "first_request_ms": round((done - t0) * 1000, 1),
                            "listening_after_s": round(listening, 3)}
            except (ConnectionError, OSError):
                time.sleep(0.05)
        raise RuntimeError(f"gunicorn gave no good answer in {timeout:g} s (last: {last})")

    def warm_all_workers(self, path: str, rounds: int = 20) -> None:
        # Each worker opens its own Searcher on its first request.
        for _ in range(rounds):
            get(self.port, path)

    def memory_mb(self) -> dict:
        rss, pss, n = tree_memory_mb(self.proc.pid)
        return {"rss_mb": round(rss, 1), "pss_mb": round(pss, 1), "processes": n}

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()


def sequential_latency(port: int, queries: list[str], passes: int = 1) -> dict:
    """One client, each query in turn: latency per request (ms)."""
    times, errors = [], 0
    for _ in range(passes):
        for q in queries:
            t0 = time.perf_counter()
            try:
                status, body = get(port, search_path(q))
                ok = status == 200 and b'"hits"' in body
            except OSError:
                ok = False
            times.append((time.perf_counter() - t0) * 1000)
            errors += not ok
    return {"requests": len(times), "errors": errors, **percentiles(times)}


def load_test(port: int, queries: list[str], clients: int = 8, seconds: float = 30.0,
              max_requests: int = 50_000) -> dict:
    """`clients` threads cycle through the query mix for `seconds` (and at
    most `max_requests` requests in all)."""
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []
    issued = [0]
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    return
                issued[0] += 1
            q = queries[i % len(queries)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, body = get(port, search_path(q))
                if status != 200:
                    raise ValueError(f"HTTP {status}")
                json.loads(body)["hits"]
            except Exception as exc:  # counted, not raised
                with lock:
                    errors.append(f"{q!r}: {type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                times.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k * len(queries) // clients,))
               for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "duration_s": round(elapsed, 2), "request_cap": max_requests,
            "requests": len(times) + len(errors), "ok": len(times), "errors": len(errors),
            "error_samples": errors[:5],
            "requests_per_s": round((len(times) + len(errors)) / elapsed, 1),
            **percentiles(times)}


def run_http(index_dir: Path, queries: list[str], *, clients: int = 8, seconds: float = 30.0,
             max_requests: int = 50_000) -> dict:
    server = Server(index_dir)
    try:
        cold = server.start(search_path(queries[0]))
        server.warm_all_workers(search_path(queries[1]))
        sequential_latency(server.port, queries[:50])  # warm both workers
        seq = sequential_latency(server.port, queries)
        load = load_test(server.port, queries, clients, seconds, max_requests)
        memory = server.memory_mb()
        return {"workers": server.workers, "bind": f"{HOST}:{server.port}", **cold,
                "sequential": seq, "load": load, "server_memory_after_load": memory}
    finally:
        server.stop()
