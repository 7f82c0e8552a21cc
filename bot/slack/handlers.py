"""The bolt listeners: every registry command as a slash command, buttons, the Home tab.

One listener takes every slash command and looks its name up in the registry when it arrives,
so a command added to the core is answered on Slack with no change here (it needs a line in the
manifest, which `inference-report slack manifest` writes from the same registry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.home import publish_home
from bot.slack.logs import log
from bot.slack.names import registry_name
from bot.slack.permissions import can_manage_channel
from bot.slack.respond import WORKING_AFTER, Ack, acknowledge_then_answer, answered, post
from core.commands import REGISTRY, CommandContext, Reply, ask, dispatch
from core.commands.registry import parse_arguments
from core.commands.reply import error_reply
from storage import Database

ANY_COMMAND = re.compile(r"^/[\w-]+$")
# Buttons carry the command line they run as their action_id: `/digest`, `/top swe 20`.
ANY_COMMAND_LINE = re.compile(r"^/[\w-]+(?:\s.*)?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Listeners:
    """What the listeners need: the database, the public URL, when to say it is working."""

    db: Database
    public_url: str
    working_after: float = WORKING_AFTER

    def register(self, app: AsyncApp) -> None:
        """Add the listeners to a bolt app."""
        app.command(ANY_COMMAND)(self.on_command)
        app.action(ANY_COMMAND_LINE)(self.on_button)
        app.event("app_home_opened")(self.on_home_opened)

    async def context(
        self,
        client: AsyncWebClient,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
    ) -> CommandContext:
        """Return the command context: the channel, the person, whether they may manage it."""
        return CommandContext(
            db=self.db,
            public_url=self.public_url,
            platform="slack",
            channel_id=channel_id,
            user_id=user_id,
            can_manage_channel=await can_manage_channel(
                client, user_id=user_id, channel_id=channel_id
            ),
            workspace_id=team_id,
        )

    async def on_command(
        self, ack: Ack, command: Mapping[str, Any], client: AsyncWebClient
    ) -> None:
        """Acknowledge a slash command at once, then answer it through its response_url."""
        name = registry_name(str(command.get("command", "")))

        async def work() -> Reply:
            if name is None or name not in REGISTRY:
                return error_reply(
                    f"This app has no {command.get('command', '')} command. Try /help."
                )
            bound = parse_arguments(REGISTRY[name], str(command.get("text", "")))
            if isinstance(bound, Reply):
                return bound
            ctx = await self.context(
                client,
                team_id=str(command.get("team_id", "")),
                channel_id=str(command.get("channel_id", "")),
                user_id=str(command.get("user_id", "")),
            )
            return await dispatch(ctx, name, bound)

        await acknowledge_then_answer(
            ack=ack,
            name=name or "?",
            work=work(),
            response_url=command.get("response_url"),
            working_after=self.working_after,
        )

    async def on_button(self, ack: Ack, body: Mapping[str, Any], client: AsyncWebClient) -> None:
        """Run the command line a button carries, answering in the channel it was clicked in."""
        action = (body.get("actions") or [{}])[0]
        line = str(action.get("value") or action.get("action_id") or "")
        name = line.removeprefix("/").split(" ", 1)[0]
        channel = body.get("channel") or {}
        user = body.get("user") or {}
        team = body.get("team") or {}

        async def work() -> Reply:
            ctx = await self.context(
                client,
                team_id=str(team.get("id") or user.get("team_id") or ""),
                channel_id=str(channel.get("id", "")),
                user_id=str(user.get("id", "")),
            )
            return await ask(ctx, line)

        # A click's acknowledgement shows nothing, so it goes at once; the answer follows.
        await ack()
        await post(body.get("response_url"), await answered(name, work()), name=name)

    async def on_home_opened(
        self, event: Mapping[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """Publish the Home tab: the latest issue, the leaderboards, this workspace's digests."""
        if event.get("tab") != "home":
            return
        user_id = str(event.get("user", ""))
        team_id = str(context.team_id or "")
        try:
            await publish_home(
                client, db=self.db, public_url=self.public_url, user_id=user_id, team_id=team_id
            )
        except Exception:
            log.exception("Slack: publishing the Home tab of %s in %s failed", user_id, team_id)
