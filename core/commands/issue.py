"""/issue: an issue's editorial summary and sections, with a link to its page."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from core import digest
from core.commands.arguments import parse_date
from core.commands.context import CommandContext
from core.commands.registry import Option, command
from core.commands.reply import Reply, error_reply
from storage.queries import issues


@command(
    "issue",
    "Show an issue: its editorial summary, papers and top of each leaderboard",
    Option("date", "date", "the issue of this date (YYYY-MM-DD), or latest (the default)"),
    example="/issue 2026-11-20",
)
async def issue(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return the issue of a date, or the latest."""
    date = parse_date(args.get("date"))
    if isinstance(date, Reply):
        return date
    async with ctx.db.session() as session:
        data = await digest.load_digest(session, date=date)
        latest = None if data is not None else await issues.latest_issue(session)
    if data is None:
        if latest is None:
            return error_reply("No issue has been imported yet.")
        return error_reply(
            f"There is no issue of {date}. The latest is {latest.date.isoformat()}: /issue latest",
            suggestions=(latest.date.isoformat(),),
        )
    settings = dataclasses.replace(digest.DEFAULT_SETTINGS, alert_boards=())
    reply = digest.compose(data, settings, public_url=ctx.public_url)
    found = data.issue
    papers = f"{len(data.papers)} paper{'' if len(data.papers) == 1 else 's'}"
    byline = f"By {found.author} · {papers}" if found.author else papers
    return dataclasses.replace(reply, footer=byline)
