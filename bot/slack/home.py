"""The App Home tab: the latest issue with the top of each leaderboard, and this workspace's
digests, published with views.publish when a person opens it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack import (
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
    escape,
    mrkdwn,
    plain,
    render_blocks,
    shorten,
)
from core.commands import CommandContext, dispatch
from core.commands.channel import settings_fields
from storage import Database
from storage.queries.subscriptions import list_subscriptions, settings_of
from storage.tables import Subscription

# Past this many digests the Home tab lists the first ones and says how many more there are.
MAX_LISTED = 20
# A channel id as Slack makes them; only these become `<#C…>` links.
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")


async def publish_home(
    client: AsyncWebClient, *, db: Database, public_url: str, user_id: str, team_id: str
) -> dict[str, Any]:
    """Publish the Home tab for a person; return the view."""
    view = await home_view(db=db, public_url=public_url, team_id=team_id)
    await client.views_publish(user_id=user_id, view=view)
    return view


async def home_view(
    *, db: Database, public_url: str, team_id: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Return the Home view: the latest issue, then the workspace's digests, in 100 blocks."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.session() as session:
        found = await list_subscriptions(session, platform="slack", workspace_id=team_id)
    digests = _digest_blocks(found, now)
    ctx = CommandContext(db=db, public_url=public_url, platform="slack", workspace_id=team_id)
    issue = await dispatch(ctx, "issue", {})
    room = MAX_VIEW_BLOCKS - len(digests) - 1
    blocks = [*render_blocks(issue, max_blocks=room), {"type": "divider"}, *digests]
    return {"type": "home", "blocks": blocks}


def channel_link(channel_id: str) -> str:
    """Return a link to a channel Slack shows by its name, or the id as text if it is not one."""
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else escape(channel_id)


def _digest_blocks(found: list[Subscription] | Any, now: dt.datetime) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain("Digests in this workspace")}]
    if not found:
        text = "No channel here gets the digest yet: `/subscribe` in a channel starts one."
        return [*blocks, {"type": "section", "text": mrkdwn(text)}]
    for subscription in list(found)[:MAX_LISTED]:
        lines = [channel_link(subscription.channel_id)]
        for name, value in settings_fields(settings_of(subscription), now):
            lines.append(f"*{escape(name)}:* {escape(value)}")
        text = shorten("\n".join(lines), MAX_SECTION_TEXT)
        blocks.append({"type": "section", "text": mrkdwn(text)})
    if len(found) > MAX_LISTED:
        more = len(found) - MAX_LISTED
        note = f"…and {more} more. `/subscriptions` in a channel shows its digest."
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    return blocks
