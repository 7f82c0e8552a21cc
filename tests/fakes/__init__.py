"""Fakes of the platforms the service talks to, for tests."""
