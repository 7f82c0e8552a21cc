"""One source fetched, read and stored, its health recorded whatever happens."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from core.sources import artificial_analysis, arxiv, huggingface, news, swe_rebench
from core.sources.found import FormatError, Found
from core.sources.http import FetchError, HttpClient, Validators
from core.sources.registry import SourceSpec
from core.sources.store import store_found
from storage import Database
from storage.queries import sources as queries

log = logging.getLogger(__name__)

Outcome = Literal["stored", "not-modified", "failed", "skipped", "checked"]
Parser = Callable[[bytes], Found]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch of one source came to."""

    name: str
    outcome: Outcome
    summary: str = ""
    error: str | None = None
    changed: bool = False
    next_attempt_at: dt.datetime | None = None

    def describe(self) -> str:
        """Return the result in one line."""
        if self.outcome == "failed":
            return f"{self.name}: failed: {self.error}"
        return f"{self.name}: {self.outcome}" + (f": {self.summary}" if self.summary else "")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter after failures: base·2ⁿ⁻¹, capped, half of it random."""

    base: float = 60.0
    cap: float = 6 * 3600.0

    def delay(self, failures: int, rng: random.Random) -> float:
        """Return the seconds to wait after the `failures`-th failure in a row."""
        ceiling = min(self.cap, self.base * 2 ** max(0, failures - 1))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass(frozen=True, slots=True)
class Request:
    """Where a source is asked, with what headers, and how its answer is read."""

    url: str
    headers: dict[str, str]
    parse: Parser


def request_for(spec: SourceSpec, *, now: dt.datetime, api_key: str | None) -> Request:
    """Return how `spec` is fetched at `now`."""
    if spec.kind == "arxiv-api":
        assert spec.query is not None
        return Request(arxiv.api_url(spec.url, spec.query, spec.max_results), {}, arxiv.parse_api)
    if spec.kind == "arxiv-rss":
        return Request(spec.url, {}, arxiv.parse_rss)
    if spec.kind == "hf-daily":
        return Request(huggingface.daily_url(spec.url, now.date()), {}, huggingface.parse_daily)
    if spec.kind == "artificial-analysis":
        headers = {"x-api-key": api_key or "", "Accept": "application/json"}
        return Request(spec.url, headers, artificial_analysis.parse_models)
    if spec.kind == "swe-rebench":
        return Request(spec.url, {}, swe_rebench.parse_page)
    return Request(spec.url, {}, lambda body: news.parse_news(body, now=now))


def skip_reason(spec: SourceSpec, api_key: str | None) -> str | None:
    """Return why `spec` is not fetched at all (a missing key), or None."""
    if spec.kind == "artificial-analysis" and not api_key:
        return "ARTIFICIAL_ANALYSIS_API_KEY is not set"
    return None


async def check_source(
    spec: SourceSpec, *, client: HttpClient, now: dt.datetime, api_key: str | None
) -> FetchResult:
    """Fetch and read `spec` without storing anything or touching its health."""
    reason = skip_reason(spec, api_key)
    if reason is not None:
        return FetchResult(spec.name, "skipped", reason)
    request = request_for(spec, now=now, api_key=api_key)
    try:
        answer = await client.get(request.url, group=spec.limit, headers=request.headers)
        found = await asyncio.to_thread(request.parse, answer.body)
    except (FetchError, FormatError) as error:
        return FetchResult(spec.name, "failed", error=str(error))
    return FetchResult(spec.name, "checked", found.describe())


async def fetch_source(
    db: Database,
    spec: SourceSpec,
    *,
    client: HttpClient,
    now: dt.datetime,
    api_key: str | None,
    backoff: Backoff,
    rng: random.Random,
    write_lock: asyncio.Lock | None = None,
) -> FetchResult:
    """Fetch `spec`, store what it gives, record its health; a failure keeps the last good data."""
    reason = skip_reason(spec, api_key)
    if reason is not None:
        return FetchResult(spec.name, "skipped", reason)
    lock = write_lock or asyncio.Lock()
    async with db.session() as session:
        state = await queries.get_state(session, name=spec.name)
    validators = None
    failures = 0
    if state is not None:
        validators = Validators(state.validator_url, state.etag, state.last_modified)
        failures = state.consecutive_failures
    request = request_for(spec, now=now, api_key=api_key)
    next_attempt = now + spec.interval
    try:
        answer = await client.get(
            request.url, group=spec.limit, headers=request.headers, validators=validators
        )
        if answer.not_modified:
            assert validators is not None
            async with lock, db.transaction() as session:
                await queries.record_success(
                    session,
                    name=spec.name,
                    now=now,
                    next_attempt_at=next_attempt,
                    summary=None,
                    validator_url=answer.url,
                    etag=answer.etag or validators.etag,
                    last_modified=answer.last_modified or validators.last_modified,
                )
            return FetchResult(
                spec.name, "not-modified", "not modified", next_attempt_at=next_attempt
            )
        # Reading a long feed takes a while: off the event loop, which serves chat and feeds.
        found = await asyncio.to_thread(request.parse, answer.body)
        async with lock, db.transaction() as session:
            stored = await store_found(session, spec=spec, found=found, now=now)
            await queries.record_success(
                session,
                name=spec.name,
                now=now,
                next_attempt_at=next_attempt,
                summary=stored.summary,
                validator_url=answer.url,
                etag=answer.etag,
                last_modified=answer.last_modified,
            )
        return FetchResult(
            spec.name,
            "stored",
            stored.summary,
            changed=stored.changed,
            next_attempt_at=next_attempt,
        )
    except (FetchError, FormatError) as error:
        message = str(error)
        retry_after = error.retry_after if isinstance(error, FetchError) else None
    except Exception as error:  # a poller must outlive any one source's surprise
        log.exception("fetching source %s failed unexpectedly", spec.name)
        message, retry_after = f"unexpected error: {type(error).__name__}: {error}", None
    delay = max(backoff.delay(failures + 1, rng), retry_after or 0.0)
    next_attempt = now + dt.timedelta(seconds=delay)
    async with lock, db.transaction() as session:
        await queries.record_failure(
            session, name=spec.name, now=now, error=message[:1000], next_attempt_at=next_attempt
        )
    log.warning("source %s failed (%s); next attempt %s", spec.name, message, next_attempt)
    return FetchResult(spec.name, "failed", error=message, next_attempt_at=next_attempt)
