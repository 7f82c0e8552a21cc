"""The sources file: which sources are fetched, how often, and how politely."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import config
from config import Settings
from core.sources.http import HostPolicy

Kind = Literal["arxiv-api", "arxiv-rss", "hf-daily", "artificial-analysis", "swe-rebench", "feed"]
KINDS: tuple[str, ...] = get_args(Kind)
SECTIONS = ("labs", "wire")
SECTION_NAMES = {"labs": "AI Labs", "wire": "From the Wire"}
DEFAULT_FILE = Path(config.__file__).resolve().parent / "sources.toml"


class SourcesFileError(ValueError):
    """A sources file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source: what it is, where it lives, how often it is fetched."""

    name: str
    kind: Kind
    url: str
    interval: dt.timedelta
    limit: str
    section: str | None = None
    query: str | None = None
    max_results: int = 100

    def describe(self) -> str:
        """Return the kind and section of this source, in a few words."""
        if self.section is not None:
            return f"{self.kind} ({SECTION_NAMES[self.section]})"
        return self.kind


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """Every source, the host groups' politeness rules and the backoff after failures."""

    sources: tuple[SourceSpec, ...]
    limits: dict[str, HostPolicy] = field(default_factory=dict)
    backoff_base: float = 60.0
    backoff_max: float = 6 * 3600.0
    path: Path | None = None

    def named(self, name: str) -> SourceSpec | None:
        """Return the source called `name`."""
        return next((spec for spec in self.sources if spec.name == name), None)


def sources_path(settings: Settings) -> Path:
    """Return the sources file the settings choose."""
    return Path(settings.sources_file) if settings.sources_file else DEFAULT_FILE


def load_sources(path: Path) -> SourcesConfig:
    """Read and check a sources file; raise SourcesFileError saying what is wrong, and where."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourcesFileError(f"{path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SourcesFileError(f"{path}: not valid TOML: {error}") from None
    return parse_sources(data, path=path)


def parse_sources(data: dict[str, Any], *, path: Path | None = None) -> SourcesConfig:
    """Check the parsed TOML of a sources file and return it as a SourcesConfig."""
    where = str(path) if path is not None else "sources"
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        raise SourcesFileError(f"{where}: `sources` must be an array of tables ([[sources]])")
    specs: list[SourceSpec] = []
    for index, entry in enumerate(entries, start=1):
        spec = _spec(entry, f"{where}: source {index}")
        if any(other.name == spec.name for other in specs):
            raise SourcesFileError(f"{where}: source {index}: the name {spec.name!r} is taken")
        specs.append(spec)
    polling = _table(data.get("polling", {}), f"{where}: [polling]")
    return SourcesConfig(
        sources=tuple(specs),
        limits=_limits(data.get("limits", {}), where),
        backoff_base=_positive(polling.get("backoff_base_seconds", 60), f"{where}: backoff_base"),
        backoff_max=_positive(polling.get("backoff_max_seconds", 21600), f"{where}: backoff_max"),
        path=path,
    )


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourcesFileError(f"{where} must be a table")
    return value


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SourcesFileError(f"{where} must be a positive number, not {value!r}")
    return float(value)


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SourcesFileError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def _spec(entry: Any, where: str) -> SourceSpec:
    entry = _table(entry, where)
    name = _text(entry, "name", where)
    assert name is not None
    where = f"{where} ({name})"
    kind = _text(entry, "kind", where)
    if kind not in KINDS:
        raise SourcesFileError(f"{where}: `kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    url = _text(entry, "url", where)
    assert url is not None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SourcesFileError(f"{where}: `url` must be an absolute http(s) URL, not {url!r}")
    section = _text(entry, "section", where, required=kind == "feed")
    if kind == "feed" and section not in SECTIONS:
        raise SourcesFileError(f"{where}: `section` must be one of {', '.join(SECTIONS)}")
    if kind != "feed" and section is not None:
        raise SourcesFileError(f"{where}: only feeds have a `section`")
    query = _text(entry, "query", where, required=kind == "arxiv-api")
    minutes = _positive(entry.get("interval_minutes", 60), f"{where}: interval_minutes")
    max_results = entry.get("max_results", 100)
    if isinstance(max_results, bool) or not isinstance(max_results, int):
        raise SourcesFileError(f"{where}: `max_results` must be a whole number")
    if not 1 <= max_results <= 2000:
        raise SourcesFileError(f"{where}: `max_results` must be 1 to 2000 (arXiv's limit)")
    limit = _text(entry, "limit", where, required=False) or parts.hostname
    return SourceSpec(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        url=url,
        interval=dt.timedelta(minutes=minutes),
        limit=limit,
        section=section,
        query=query,
        max_results=max_results,
    )


def _limits(value: Any, where: str) -> dict[str, HostPolicy]:
    limits = {}
    for group, rule in _table(value, f"{where}: [limits]").items():
        rule = _table(rule, f"{where}: [limits.{group}]")
        connections = rule.get("connections", 2)
        if isinstance(connections, bool) or not isinstance(connections, int) or connections < 1:
            raise SourcesFileError(f"{where}: [limits.{group}] connections must be 1 or more")
        spacing = rule.get("min_interval_seconds", 0.0)
        if isinstance(spacing, bool) or not isinstance(spacing, int | float) or spacing < 0:
            raise SourcesFileError(f"{where}: [limits.{group}] min_interval_seconds must be ≥ 0")
        limits[str(group)] = HostPolicy(connections=connections, min_interval=float(spacing))
    return limits
