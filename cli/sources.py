"""`inference-report sources`: list the sources and their health, check one, fetch now."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from typing import Annotated

import typer

from config import Settings, get_settings
from core.sources.health import describe_state
from core.sources.poller import api_key_of, make_client, poll_due_sources
from core.sources.registry import SourcesConfig, SourcesFileError, load_sources, sources_path
from core.sources.runner import FetchResult, check_source
from storage import Database
from storage.migrate import ensure_schema
from storage.queries import sources as queries

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

sources_app = typer.Typer(
    help="Sources fetched on a schedule: arXiv, Hugging Face, leaderboards, lab and news feeds.",
    no_args_is_help=True,
)

NameArgument = Annotated[str | None, typer.Argument(help="One source; every source if left out.")]


def _settings() -> Settings:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level.upper() != "DEBUG":
        # Alembic announces its context on every revision check; only upgrades are news.
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    return settings


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _config(settings: Settings, name: str | None) -> SourcesConfig:
    try:
        config = load_sources(sources_path(settings))
    except SourcesFileError as error:
        raise _fail(str(error), EXIT_BAD_INPUT) from None
    if name is not None and config.named(name) is None:
        known = ", ".join(spec.name for spec in config.sources)
        raise _fail(f"no source is called {name!r}; there are: {known}", EXIT_BAD_INPUT)
    return config


def _report(results: list[FetchResult]) -> None:
    for result in results:
        typer.echo(result.describe())
    if any(result.outcome == "failed" for result in results):
        raise typer.Exit(EXIT_FAILED)


@sources_app.command("list")
def list_sources() -> None:
    """List every source with its schedule and health."""
    settings = _settings()
    config = _config(settings, None)

    async def work() -> dict[str, str]:
        db = Database(settings.database_url)
        try:
            await ensure_schema(db)
            async with db.session() as session:
                states = {state.name: state for state in await queries.list_states(session)}
        finally:
            await db.dispose()
        return {name: describe_state(state) for name, state in states.items()}

    health = asyncio.run(work())
    key = api_key_of(settings)
    for spec in config.sources:
        minutes = int(spec.interval.total_seconds() // 60)
        if spec.kind == "artificial-analysis" and not key:
            status = "skipped: ARTIFICIAL_ANALYSIS_API_KEY is not set"
        else:
            status = health.get(spec.name, "never fetched")
        typer.echo(f"{spec.name}  [{spec.describe()}, every {minutes} min]  {status}")


@sources_app.command("check")
def check(name: NameArgument = None) -> None:
    """Fetch and read sources without storing anything; exit 1 if any fails."""
    settings = _settings()
    config = _config(settings, name)
    chosen = [spec for spec in config.sources if name is None or spec.name == name]

    async def work() -> list[FetchResult]:
        now = dt.datetime.now(dt.UTC)
        async with make_client(config, settings) as client:
            return list(
                await asyncio.gather(
                    *(
                        check_source(spec, client=client, now=now, api_key=api_key_of(settings))
                        for spec in chosen
                    )
                )
            )

    _report(asyncio.run(work()))


@sources_app.command("fetch")
def fetch(name: NameArgument = None) -> None:
    """Fetch sources now, due or not, and store what they give; exit 1 if any fails."""
    settings = _settings()
    config = _config(settings, name)

    async def work() -> list[FetchResult]:
        db = Database(settings.database_url)
        try:
            await ensure_schema(db)
            return await poll_due_sources(
                db,
                settings,
                sources=config,
                names=None if name is None else [name],
                force=True,
            )
        finally:
            await db.dispose()

    _report(asyncio.run(work()))
