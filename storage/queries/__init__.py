"""Queries: keyword-only functions that take the session."""
