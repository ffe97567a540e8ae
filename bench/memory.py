"""Peak memory of a whole process tree, polled from /proc (psutil is not in
the venv).

`run_measured(cmd)` starts `cmd`, polls every `interval` seconds the
descendants of the child (worker pools included) and records the peak of
the summed RSS and of the summed PSS (proportional set size: pages shared
between forked workers counted once in total, so it is the honest "memory of
the tree" figure; RSS double-counts copy-on-write pages).
"""
from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass


@dataclass
class Measured:
    returncode: int
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    peak_processes: int
    cpu_s: float  # user+sys CPU of the whole tree (children waited for)
    stdout: str = ""
    stderr: str = ""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and parentheses
        rest = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(rest[1]), []).append(int(name))
    return children


def tree(pid: int) -> list[int]:
    children = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _rss_pss_kb(pid: int) -> tuple[int, int]:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            rss = pss = 0
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
            return rss, pss
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    kb = int(line.split()[1])
                    return kb, kb
    except OSError:
        pass
    return 0, 0


def tree_memory_mb(pid: int) -> tuple[float, float, int]:
    pids = tree(pid)
    rss = pss = 0
    for p in pids:
        r, s = _rss_pss_kb(p)
        rss += r
        pss += s
    return rss / 1024, pss / 1024, len(pids)


class Poller:
    """Polls a running process tree in a thread; `.peak_*` after `stop()`."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval = pid, interval
        self.peak_rss_mb = self.peak_pss_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Poller":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, pss, n = tree_memory_mb(self.pid)
            self.peak_rss_mb = max(self.peak_rss_mb, rss)
            self.peak_pss_mb = max(self.peak_pss_mb, pss)
            self.peak_processes = max(self.peak_processes, n)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(cmd: list[str], *, env: dict | None = None, cwd: str | None = None,
                 interval: float = 0.2, timeout: float | None = None) -> Measured:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd)
    poller = Poller(proc.pid, interval).start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        poller.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(proc.returncode, seconds, round(poller.peak_rss_mb, 1),
                    round(poller.peak_pss_mb, 1), poller.peak_processes, round(cpu, 2),
                    stdout, stderr)


if __name__ == "__main__":
    # python bench/memory.py CMD ARGS...: run CMD and print the peak memory
    # of its whole process tree (how the 200,000-letter build was measured).
    import sys
    measured = run_measured(sys.argv[1:], interval=0.25)
    sys.stdout.write(measured.stdout)
    sys.stderr.write(measured.stderr)
    print(f"peak PSS {measured.peak_pss_mb} MB, peak RSS sum {measured.peak_rss_mb} MB, "
          f"{measured.peak_processes} processes, {measured.seconds:.0f} s, CPU {measured.cpu_s} s")
    sys.exit(measured.returncode)
