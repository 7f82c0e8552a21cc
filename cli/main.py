"""The `inference-report` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

import config
from bot.render.text import render_text
from cli.discord import discord_app
from cli.slack import slack_app
from cli.sources import sources_app
from config import Settings, get_settings
from core.commands import CommandContext, ask
from core.ingest import ParseError, parse_document
from core.ingest.rows import Evidence
from core.ingest.store import ingest, load_evidence
from storage import Database
from storage.migrate import current_revision, ensure_schema, head_revision, upgrade
from storage.queries.issues import latest_issue

EXAMPLES = Path(config.__file__).resolve().parent / "examples"
EXIT_BAD_INPUT = 2

app = typer.Typer(
    help="Feeds, Discord bot and Slack app for The Inference Report.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(discord_app, name="discord")
app.add_typer(slack_app, name="slack")
app.add_typer(sources_app, name="sources")

T = TypeVar("T")
log = logging.getLogger("inference_report")


def main() -> None:
    """Run the command line."""
    app()


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level.upper() != "DEBUG":
        # Alembic announces its context on every revision check; only upgrades are news.
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
        # APScheduler logs every run of every job; the deliveries say what each tick did.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _run(work: Callable[[Settings, Database], Coroutine[Any, Any, T]]) -> T:
    """Run `work` with the settings and a database, disposed of afterwards."""
    settings = get_settings()
    _configure_logging(settings)

    async def runner() -> T:
        db = Database(settings.database_url, echo=settings.database_echo)
        try:
            return await work(settings, db)
        finally:
            await db.dispose()

    return asyncio.run(runner())


def _read(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


@app.command()
def parse(file: Annotated[str, typer.Argument(help="A captured page, or - for stdin.")]) -> None:
    """Print the parsed document as JSON."""
    try:
        data = _read(file)
        document = parse_document(data, evidence=_stored_evidence())
    except (OSError, ParseError) as error:
        typer.echo(f"error: {file}: {_reason(error)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(json.dumps(document.to_json(), ensure_ascii=False, indent=2))


def _stored_evidence() -> Evidence:
    """Return the model names already stored, when a database is there to ask; else nothing."""
    settings = get_settings()
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).exists():
            return Evidence()

    async def load(_: Settings, db: Database) -> Evidence:
        if await current_revision(db) != head_revision():
            return Evidence()
        async with db.session() as session:
            return await load_evidence(session)

    try:
        return _run(load)
    except Exception as error:  # a database we cannot read only means no evidence
        log.debug("no stored evidence: %s", error)
        return Evidence()


@app.command("ingest")
def ingest_command(
    files: Annotated[list[str], typer.Argument(help="Captured pages; - reads standard input.")],
) -> None:
    """Store issues and paper lists; each file is one transaction."""

    async def work(_: Settings, db: Database) -> int:
        await ensure_schema(db)
        failures = 0
        for name in files:
            try:
                result = await ingest(db, _read(name))
            except (OSError, ParseError) as error:
                failures += 1
                typer.echo(f"error: {name}: {_reason(error)}", err=True)
                continue
            typer.echo(f"{name}: {result.describe()}")
        return failures

    if _run(work):
        raise typer.Exit(EXIT_BAD_INPUT)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


@app.command("ask")
def ask_command(
    line: Annotated[str, typer.Argument(help='A command, such as "/top swe-rebench".')],
) -> None:
    """Answer a chat command in plain text."""

    async def work(settings: Settings, db: Database) -> bool:
        await ensure_schema(db)
        reply = await ask(CommandContext(db=db, public_url=settings.public_url), line)
        typer.echo(render_text(reply), nl=False)
        return reply.kind == "error"

    if _run(work):
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def run() -> None:
    """Run everything in one process: feeds and pages, Discord and Slack, digest delivery.

    An empty database gets the example issues first, so there is something to read at once.
    """
    from cli.service import Roles, run_service, serve_forever

    settings = get_settings()
    _configure_logging(settings)
    serve_forever(run_service(settings, Roles(), before_start=_load_examples_if_empty))


@app.command()
def worker() -> None:
    """Run the worker: Discord's gateway, Slack's Socket Mode, and digest delivery."""
    from cli.service import Roles, run_service, serve_forever

    settings = get_settings()
    _configure_logging(settings)
    serve_forever(run_service(settings, Roles(web=False)))


async def _load_examples_if_empty(db: Database) -> None:
    async with db.session() as session:
        if await latest_issue(session) is not None:
            return
    for path in sorted(EXAMPLES.glob("*.txt")):
        result = await ingest(db, path.read_bytes())
        log.info("loaded example %s: %s", path.name, result.describe())


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema."""

    async def work(_: Settings, db: Database) -> str | None:
        await upgrade(db, revision)
        return await current_revision(db)

    typer.echo(f"database at revision {_run(work)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision."""

    async def work(_: Settings, db: Database) -> str | None:
        return await current_revision(db)

    typer.echo(_run(work) or "empty (never migrated)")


@app.command()
def serve() -> None:
    """Serve the feeds and pages on HOST:PORT, and Slack's HTTP endpoints in HTTP mode."""
    from cli.service import Roles, run_service, serve_forever

    settings = get_settings()
    _configure_logging(settings)
    serve_forever(run_service(settings, Roles(chat=False, delivery=False)))
