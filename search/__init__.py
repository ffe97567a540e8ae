"""Searching the index: one API for the CLI and the web."""
from .errors import LetterNotFound, QueryError, SearchError
from .model import Hit, SearchRequest, SearchResponse
from .searcher import Searcher

__all__ = ["Hit", "LetterNotFound", "QueryError", "SearchError", "SearchRequest",
           "SearchResponse", "Searcher"]
