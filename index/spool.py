"""Letter texts parked on disk between reading and writing.

A build reads every file before it writes anything (compounds are split with
the vocabulary of all letters, topics inferred with a model that has learnt
from all labelled ones). Held in memory, the texts of 200,000 letters took
more memory than the whole build may use; parked here, the reading
processes write each text once and the writing processes read it back when
its letter is indexed. The letters themselves are parked before the writing
processes start, so that they do not each copy the main process's memory.
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Parked:
    path: str
    offset: int
    length: int


class Spool:
    """A folder of append-only files, one per process that parks texts."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._pid: int | None = None
        self._file = None
        self._size = 0
        self._readers: dict[str, int] = {}
        self._reader_pid: int | None = None

    def park(self, text: str) -> Parked:
        return self.park_bytes(text.encode("utf-8", "surrogatepass"))

    def fetch(self, parked: Parked) -> str:
        return self.fetch_bytes(parked).decode("utf-8", "surrogatepass")

    def park_object(self, value) -> Parked:
        return self.park_bytes(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))

    def fetch_object(self, parked: Parked):
        return pickle.loads(self.fetch_bytes(parked))

    def park_bytes(self, data: bytes) -> Parked:
        if self._pid != os.getpid():   # a new process (fork): a file of its own
            self._pid = os.getpid()
            self.folder.mkdir(parents=True, exist_ok=True)
            # Unbuffered: a pool worker may be stopped without flushing.
            self._file = open(self.folder / f"{self._pid}.txt", "ab", buffering=0)
            self._size = os.fstat(self._file.fileno()).st_size
        self._file.write(data)
        parked = Parked(self._file.name, self._size, len(data))
        self._size += len(data)
        return parked

    def fetch_bytes(self, parked: Parked) -> bytes:
        if self._reader_pid != os.getpid():
            # Descriptors opened before a fork are shared; pread() keeps
            # them independent of any file position, but each process opens
            # its own anyway so that closing one never affects another.
            self._readers, self._reader_pid = {}, os.getpid()
        fd = self._readers.get(parked.path)
        if fd is None:
            fd = self._readers[parked.path] = os.open(parked.path, os.O_RDONLY)
        return os.pread(fd, parked.length, parked.offset)

    def close(self) -> None:
        if self._file is not None and self._pid == os.getpid():
            self._file.close()
        if self._reader_pid == os.getpid():
            for fd in self._readers.values():
                os.close(fd)
        self._file, self._pid, self._readers = None, None, {}
