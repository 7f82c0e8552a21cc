"""`inference-report slack`: print the app manifest, run the Slack app."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Annotated

import typer
from aiohttp import web

from bot.slack import add_slack_routes, start_slack
from bot.slack.app import uses_oauth
from bot.slack.manifest import manifest_yaml
from config import Settings, get_settings
from feeds.app import create_app
from storage import Database
from storage.migrate import ensure_schema, head_revision

EXIT_NOT_STARTED = 2

slack_app = typer.Typer(help="The Slack app: its manifest, and running it.", no_args_is_help=True)
log = logging.getLogger("inference_report.slack")


def _settings() -> Settings:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level.upper() != "DEBUG":
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    return settings


@slack_app.command("manifest")
def manifest(
    mode: Annotated[
        str | None,
        typer.Option(help="socket or http; SLACK_MODE when not given.", show_default=False),
    ] = None,
) -> None:
    """Print the app manifest to paste into Slack (its URLs under PUBLIC_URL in HTTP mode)."""
    settings = get_settings()
    chosen = mode or settings.slack_mode
    if chosen not in ("socket", "http"):
        typer.echo(f"error: --mode is socket or http, not {chosen!r}", err=True)
        raise typer.Exit(EXIT_NOT_STARTED)
    typer.echo(
        manifest_yaml(settings.public_url, "http" if chosen == "http" else "socket"), nl=False
    )


@slack_app.command("run")
def run() -> None:
    """Run the Slack app alone until stopped: over Socket Mode, or serving HTTP on HOST:PORT.

    The web server (with the feeds) also runs in Socket Mode when OAuth is set up, for
    /slack/install and /slack/oauth_redirect.
    """
    settings = _settings()
    if asyncio.run(run_slack(settings)) != 0:
        raise typer.Exit(EXIT_NOT_STARTED)


async def run_slack(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the Slack app until `stop` or a signal; return 0, or 2 when it could not start."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    db = Database(settings.database_url, echo=settings.database_echo)
    server: web.AppRunner | None = None
    slack = None
    try:
        if await ensure_schema(db):
            log.info("database schema upgraded to %s", head_revision())
        slack = await start_slack(settings, db)
        if slack is None:
            return EXIT_NOT_STARTED
        if slack.mode == "http" or uses_oauth(settings):
            app = create_app(settings, db)
            add_slack_routes(app, slack.app)
            server = web.AppRunner(app, access_log=None)
            await server.setup()
            await web.TCPSite(server, settings.host, settings.port).start()
            log.info("Slack: serving on http://%s:%d", settings.host, settings.port)
        await stop.wait()
        log.info("stopping")
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if slack is not None:
            await slack.stop()
        if server is not None:
            await server.cleanup()
        await db.dispose()
