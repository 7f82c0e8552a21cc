"""Settings and database URLs."""

from __future__ import annotations

import pytest

from config import Settings
from config.database_url import DatabaseURLError, normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/app", "postgresql+asyncpg://u:p@db.example:5432/app"),
        ("postgresql://u@h/app?sslmode=require", "postgresql+asyncpg://u@h/app?ssl=require"),
        ("postgresql+asyncpg://u@h/app", "postgresql+asyncpg://u@h/app"),
        ("sqlite:///inference-report.db", "sqlite+aiosqlite:///inference-report.db"),
        ("sqlite:////var/data/x.db", "sqlite+aiosqlite:////var/data/x.db"),
    ],
)
def test_database_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("url", ["mysql://root@localhost/db", "inference-report.db"])
def test_unsupported_database_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseURLError):
        normalise_database_url(url)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/app")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token")
    settings = Settings(_env_file=None)
    assert settings.database_url == "postgresql+asyncpg://u@h/app"
    assert settings.port == 9000
    # Tokens never show in a repr or a log line.
    assert "secret-token" not in repr(settings)
