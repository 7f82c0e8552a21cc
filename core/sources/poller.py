"""Polling: the long-running process calls `poll_due_sources` every `poll_interval` seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable, Sequence

from config import Settings
from core.sources.http import HostLimiter, HttpClient
from core.sources.registry import SourcesConfig, SourceSpec, load_sources, sources_path
from core.sources.runner import Backoff, FetchResult, fetch_source
from storage import Database
from storage.queries import sources as queries
from storage.tables import SourceState

MIN_POLL_SECONDS = 30.0
MAX_POLL_SECONDS = 300.0


def poll_interval(sources: SourcesConfig) -> float:
    """Return how often to look for due sources: often enough for the most frequent one."""
    if not sources.sources:
        return MAX_POLL_SECONDS
    shortest = min(spec.interval.total_seconds() for spec in sources.sources)
    return max(MIN_POLL_SECONDS, min(MAX_POLL_SECONDS, shortest / 4))


def is_due(state: SourceState | None, now: dt.datetime) -> bool:
    """Return whether a source with this state should be fetched at `now`."""
    return state is None or state.next_attempt_at is None or state.next_attempt_at <= now


def make_client(sources: SourcesConfig, settings: Settings) -> HttpClient:
    """Return an HTTP client with the sources file's per-host limits."""
    return HttpClient(timeout=settings.sources_timeout_seconds, limiter=HostLimiter(sources.limits))


def api_key_of(settings: Settings) -> str | None:
    """Return the Artificial Analysis key, or None."""
    key = settings.artificial_analysis_api_key
    return key.get_secret_value() if key is not None else None


async def poll_due_sources(
    db: Database,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    sources: SourcesConfig | None = None,
    client: HttpClient | None = None,
    names: Sequence[str] | None = None,
    force: bool = False,
    on_change: Callable[[], None] | None = None,
    rng: random.Random | None = None,
) -> list[FetchResult]:
    """Fetch every source that is due (or `names`, or all when `force`); return their results.

    Sources run concurrently, each host group within its limit; `on_change` (such as the feed
    service's `notify_changed`) is called once when any of them stored something new.
    """
    now = now or dt.datetime.now(dt.UTC)
    sources = sources or load_sources(sources_path(settings))
    chosen: list[SourceSpec] = [
        spec for spec in sources.sources if names is None or spec.name in names
    ]
    if not force:
        async with db.session() as session:
            states = {state.name: state for state in await queries.list_states(session)}
        chosen = [spec for spec in chosen if is_due(states.get(spec.name), now)]
    if not chosen:
        return []
    backoff = Backoff(sources.backoff_base, sources.backoff_max)
    own_client = client is None
    http = client or make_client(sources, settings)
    write_lock = asyncio.Lock()
    try:
        results = await asyncio.gather(
            *(
                fetch_source(
                    db,
                    spec,
                    client=http,
                    now=now,
                    api_key=api_key_of(settings),
                    backoff=backoff,
                    rng=rng or random.Random(),
                    write_lock=write_lock,
                )
                for spec in chosen
            )
        )
    finally:
        if own_client:
            await http.close()
    if on_change is not None and any(result.changed for result in results):
        on_change()
    return list(results)
