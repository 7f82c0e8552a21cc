"""The long-running service, in the roles a process takes: web, chat, delivery, or all three.

- web: the feeds and pages, and Slack's HTTP endpoints when SLACK_MODE=http (Procfile `web`);
- chat: Discord's gateway and Slack's Socket Mode, answering commands (Procfile `worker`);
- delivery: the scheduler that plans and sends digests (Procfile `worker`).
`inference-report run` takes all three in one process, the embedded default.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import uvloop
from aiohttp import http_writer, web

from bot.discord.client import DiscordBot, start_discord
from bot.discord.delivery import DiscordPoster, delivery_client
from bot.discord.endpoints import use_api
from bot.slack import SlackRunner, add_slack_routes, start_slack
from bot.slack.app import uses_oauth
from bot.slack.delivery import SlackPoster, TokenSource
from config import Settings
from core.delivery import Dispatcher, Poster
from core.delivery.budget import Budget, RedisBudget, budget_for
from core.delivery.scheduler import DeliveryScheduler
from core.sources.poller import poll_due_sources, poll_interval
from core.sources.registry import SourcesFileError, load_sources, sources_path
from feeds.app import FEEDS, create_app
from storage import Database
from storage.locks import exclusive
from storage.migrate import ensure_schema, head_revision

log = logging.getLogger("inference_report")


@dataclass(frozen=True, slots=True)
class Roles:
    """What one process does."""

    web: bool = True
    chat: bool = True
    delivery: bool = True

    def describe(self) -> str:
        """Return the roles in words."""
        names = [name for name in ("web", "chat", "delivery") if getattr(self, name)]
        return ", ".join(names) or "nothing"


@dataclass
class Running:
    """What a process started, for the ones that stop it (and for tests)."""

    db: Database
    scheduler: DeliveryScheduler | None = None
    dispatcher: Dispatcher | None = None
    web_runner: web.AppRunner | None = None
    discord: DiscordBot | None = None
    slack: SlackRunner | None = None
    posters: dict[str, Poster] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)


def serve_forever(work: Coroutine[Any, Any, None]) -> None:
    """Run the service on uvloop, which answers about 40% more requests a second."""
    zero_copy_writes()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(work)


def zero_copy_writes() -> None:
    """Let aiohttp hand headers and body to uvloop's writelines rather than join them first."""
    # On Python before 3.12.9 aiohttp copies every body into one new bytes with its headers
    # (a 300 KB copy per feed request), because asyncio's own transport once lacked flow control
    # in writelines (python/cpython#127655). uvloop's transport has its own writelines with flow
    # control, so under uvloop the copy buys nothing. Call only when serving with uvloop.
    if getattr(http_writer, "SKIP_WRITELINES", False):
        http_writer.SKIP_WRITELINES = False


def _secret(value: Any) -> str:
    return value.get_secret_value().strip() if value is not None else ""


async def run_service(
    settings: Settings,
    roles: Roles,
    *,
    stop: asyncio.Event | None = None,
    before_start: Callable[[Database], Awaitable[None]] | None = None,
    started: Callable[[Running], None] | None = None,
) -> None:
    """Run the roles until `stop` is set or the process gets SIGINT or SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = Running(db=Database(settings.database_url, echo=settings.database_echo))
    try:
        if await ensure_schema(running.db):
            log.info("database schema upgraded to %s", head_revision())
        if before_start is not None:
            await before_start(running.db)
        await _start(settings, roles, running)
        log.info("running: %s", roles.describe())
        if started is not None:
            started(running)
        await stop.wait()
        log.info("stopping")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await _stop(running)


async def _start(settings: Settings, roles: Roles, running: Running) -> None:
    db = running.db
    slack_here = (roles.web and settings.slack_mode == "http") or (
        roles.chat and settings.slack_mode == "socket"
    )
    if roles.chat:
        if settings.discord_gateway:
            running.discord = await start_discord(settings, db)
        else:
            log.info("Discord: DISCORD_GATEWAY is false; commands are answered by another process")
    if slack_here:
        running.slack = await start_slack(settings, db)
    if roles.web:
        app = create_app(settings, db)
        if running.slack is not None and running.slack.mode == "http":
            add_slack_routes(app, running.slack.app)
        running.web_runner = web.AppRunner(app, access_log=None)
        await running.web_runner.setup()
        await web.TCPSite(running.web_runner, settings.host, settings.port).start()
        log.info(
            "serving on http://%s:%d, public URL %s", settings.host, settings.port,
            settings.public_url,
        )  # fmt: skip
    if roles.delivery:
        budget = budget_for(db, backend=settings.rate_limit_backend, redis_url=settings.redis_url)
        if isinstance(budget, RedisBudget):
            running.closers.append(budget.close)
        running.posters = await _posters(settings, db, budget, running)
        if not running.posters:
            log.info("deliveries: neither Discord nor Slack is configured; no digest will be sent")
        running.dispatcher = Dispatcher(
            db,
            running.posters,
            public_url=settings.public_url,
            concurrency=settings.delivery_concurrency,
            lease=dt.timedelta(seconds=settings.delivery_lease_seconds),
        )
        running.scheduler = DeliveryScheduler(
            db, running.dispatcher, poll_seconds=settings.delivery_poll_seconds
        )
        running.scheduler.start()
        _poll_sources(settings, running)


def _poll_sources(settings: Settings, running: Running) -> None:
    """Fetch the sources on the scheduler, in one process at a time."""
    try:
        sources = load_sources(sources_path(settings))
    except SourcesFileError as error:
        log.error("sources: %s; no source is fetched", error)
        return
    scheduler = running.scheduler
    assert scheduler is not None

    async def poll() -> None:
        async with exclusive(running.db, "sources-poll") as mine:
            if not mine:
                return
            try:
                await poll_due_sources(
                    running.db,
                    settings,
                    sources=sources,
                    on_change=lambda: notify_published(running),
                )
            except Exception:
                log.exception("sources: the poll failed; the next one tries again")

    scheduler.every("sources", poll_interval(sources), poll)


async def _posters(
    settings: Settings, db: Database, budget: Budget, running: Running
) -> dict[str, Poster]:
    posters: dict[str, Poster] = {}
    token = _secret(settings.discord_token)
    if token:
        client = running.discord
        if client is None:
            use_api(settings.discord_api_base_url)
            try:
                client = await delivery_client(token)
            except Exception as error:  # a refused token is logged, never shown
                log.error(
                    "Discord: could not log in for deliveries (%s); no digest goes to Discord",
                    type(error).__name__,
                )
                client = None
            else:
                running.closers.append(client.close)
        if client is not None:
            posters["discord"] = DiscordPoster(
                client, budget, per_second=settings.discord_requests_per_second
            )
    tokens = _slack_tokens(settings, db)
    if tokens is not None:
        posters["slack"] = slack = SlackPoster(
            tokens,
            budget,
            base_url=settings.slack_api_base_url,
            per_minute=settings.slack_messages_per_minute,
            channel_per_second=settings.slack_channel_messages_per_second,
        )
        running.closers.append(slack.close)
    return posters


def _slack_tokens(settings: Settings, db: Database) -> TokenSource | None:
    if uses_oauth(settings):
        from slack_sdk.oauth.installation_store.sqlalchemy import (
            AsyncSQLAlchemyInstallationStore,
        )

        store = AsyncSQLAlchemyInstallationStore(
            client_id=(settings.slack_client_id or "").strip(), engine=db.engine
        )

        async def installed(team_id: str) -> str | None:
            bot = await store.async_find_bot(enterprise_id=None, team_id=team_id)
            return None if bot is None else bot.bot_token

        return installed
    token = _secret(settings.slack_bot_token)
    if not token:
        return None

    async def single(team_id: str) -> str | None:
        return token

    return single


async def _stop(running: Running) -> None:
    if running.scheduler is not None:
        await running.scheduler.stop()
    if running.slack is not None:
        await running.slack.stop()
    if running.discord is not None:
        await running.discord.stop()
    if running.web_runner is not None:
        await running.web_runner.cleanup()
    for close in running.closers:
        with contextlib.suppress(Exception):
            await close()
    await running.db.dispose()


def notify_published(running: Running) -> None:
    """Tell the parts of this process that an import happened: rebuild feeds, plan digests."""
    if running.web_runner is not None:
        running.web_runner.app[FEEDS].notify_changed()
    if running.scheduler is not None:
        running.scheduler.wake()
