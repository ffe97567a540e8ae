"""The search layer's own exceptions; messages are Dutch, for users."""
from __future__ import annotations


class SearchError(Exception):
    """Base for everything a search can refuse."""


class QueryError(SearchError):
    """The query text or a parameter cannot be understood."""

    def __init__(self, message: str, parameter: str = "q"):
        super().__init__(message)
        self.parameter = parameter


class LetterNotFound(SearchError):
    def __init__(self, letter_id: str):
        super().__init__(f"Geen brief met id '{letter_id}' in de index.")
        self.letter_id = letter_id
