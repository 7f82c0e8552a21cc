"""Turn any accepted database URL into the async SQLAlchemy URL the service uses."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SCHEMES = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


class DatabaseURLError(ValueError):
    """The database URL names a database this service cannot use."""


def normalise_database_url(url: str) -> str:
    """Return `url` with the async driver for its database, accepting Heroku's `postgres://`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise DatabaseURLError(f"database URL {url!r} has no scheme (sqlite:/// or postgres://)")
    driver = _SCHEMES.get(scheme.lower())
    if driver is None:
        raise DatabaseURLError(
            f"database URL scheme {scheme!r} is not supported; use sqlite:/// or postgres://"
        )
    normalised = f"{driver}://{rest}"
    if driver == "postgresql+asyncpg":
        normalised = _asyncpg_query(normalised)
    return normalised


def _asyncpg_query(url: str) -> str:
    # libpq spells TLS as sslmode=...; asyncpg wants ssl=..., and Heroku hands out the former.
    parts = urlsplit(url)
    query = [("ssl" if key == "sslmode" else key, value) for key, value in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))
