"""`inference-report serve`: the web server of the feeds and the pages they link to."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import uvloop
from aiohttp import http_writer, web

from config import Settings, get_settings
from feeds.app import create_app
from storage import Database
from storage.migrate import ensure_schema, head_revision

log = logging.getLogger("inference_report.serve")


def serve() -> None:
    """Serve the feeds and pages on HOST:PORT (links use PUBLIC_URL) until stopped."""
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level.upper() != "DEBUG":
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # uvloop answers about 40% more requests per second than the default loop on this server.
    zero_copy_writes()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run_server(settings))


def zero_copy_writes() -> None:
    """Let aiohttp hand headers and body to uvloop's writelines rather than join them first."""
    # On Python before 3.12.9 aiohttp copies every body into one new bytes with its headers
    # (a 300 KB copy per feed request), because asyncio's own transport once lacked flow control
    # in writelines (python/cpython#127655). uvloop's transport has its own writelines with flow
    # control, so under uvloop the copy buys nothing. Call only when serving with uvloop.
    if getattr(http_writer, "SKIP_WRITELINES", False):
        http_writer.SKIP_WRITELINES = False


async def run_server(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Migrate an empty database, build every feed, then serve until `stop` or a signal."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    db = Database(settings.database_url, echo=settings.database_echo)
    runner: web.AppRunner | None = None
    try:
        if await ensure_schema(db):
            log.info("database schema upgraded to %s", head_revision())
        # No access log: a line per request would cost more than answering it from memory.
        runner = web.AppRunner(create_app(settings, db), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        log.info(
            "serving on http://%s:%d, public URL %s", settings.host, settings.port,
            settings.public_url,
        )  # fmt: skip
        await stop.wait()
        log.info("stopping")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if runner is not None:
            await runner.cleanup()
        await db.dispose()
