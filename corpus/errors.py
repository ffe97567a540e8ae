"""The corpus layer's own exceptions. Messages are Dutch: users read them."""
from __future__ import annotations


class CorpusError(Exception):
    """Base class for everything that can go wrong while reading files."""


class ReadError(CorpusError):
    """A file that should hold a letter could not be read."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NotALetter(ReadError):
    """A file that is not a document at all (metadata.xml, an SRU response,
    a PDF beside its XML): skipped and counted, but not a failure."""
