"""Tables, the async engine and sessions, queries, search and migrations."""

from storage.engine import Database

__all__ = ["Database"]
