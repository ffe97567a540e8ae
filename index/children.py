"""Forked processes that report through a queue: their messages, and a
stop when one of them dies. Without the check, a process killed (out of
memory, say) left its parent waiting for its messages for ever."""
from __future__ import annotations

from queue import Empty
from typing import Callable, Iterator


def messages(results, processes: list, died: Callable[[], Exception]) -> Iterator[tuple]:
    """What `processes` put on the `results` queue, until the caller stops
    asking; raises died() when one of them exited with an error."""
    while True:
        try:
            yield results.get(timeout=0.5)
        except Empty:
            if any(process.exitcode not in (None, 0) for process in processes):
                raise died() from None


def stop(processes: list) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
        process.join()
