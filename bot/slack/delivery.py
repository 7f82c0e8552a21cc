"""Post digests to Slack channels, within Slack's pace for messages, exactly once.

Slack offers no idempotency key for chat.postMessage, so each message carries metadata naming its
delivery and part; a post in doubt (an answer lost, a process that died) is looked for in the
channel's history, or the thread's replies, before it is sent again. Slack takes about one message
a second in a channel and "several hundred" a minute in a workspace: both are kept ahead by the
budget, and a 429 is waited out for as long as its Retry-After says.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack import render_slack
from bot.slack.logs import log as sdk_log
from core.commands.reply import Reply
from core.delivery import Budget, Message, PermanentFailure, Target, TransientFailure

log = logging.getLogger("inference_report.slack")

EVENT_TYPE = "inference_report_digest"
# How far back before the doubtful attempt to look, for clocks a little apart.
LOOK_BACK = dt.timedelta(seconds=30)
# Errors that no retry mends: the channel or the installation is gone, or closed to the app.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "not_authed",
        "team_access_not_granted",
        "missing_scope",
        "restricted_action",
        "ekm_access_denied",
    }
)

# Returns the bot token of a workspace, or None when the app is not installed there.
TokenSource = Callable[[str], Awaitable[str | None]]


class SlackPoster:
    """The Slack side of delivery: one Web API client per workspace token."""

    platform = "slack"

    def __init__(
        self,
        tokens: TokenSource,
        budget: Budget,
        *,
        base_url: str,
        per_minute: float,
        channel_per_second: float,
    ) -> None:
        self.tokens = tokens
        self.budget = budget
        self.base_url = base_url
        self.per_minute = per_minute
        self.channel_per_second = channel_per_second
        self._clients: dict[str, AsyncWebClient] = {}
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the connections kept to Slack."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        """Return the digest's messages as Block Kit payloads."""
        return render_slack(reply)

    async def _client(self, workspace_id: str) -> AsyncWebClient:
        token = await self.tokens(workspace_id)
        if not token:
            raise PermanentFailure(f"the app is not installed in Slack workspace {workspace_id}")
        client = self._clients.get(token)
        if client is None:
            if self._session is None:
                # One session for every workspace: without it slack_sdk opens a connection a call.
                self._session = aiohttp.ClientSession()
            client = AsyncWebClient(
                token=token,
                base_url=self.base_url,
                session=self._session,
                logger=sdk_log,
                # 429s are Slack saying "not yet": waited out as Retry-After says, then retried.
                # Server errors are not retried blindly: the post may have gone through.
                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=5)],
            )
            self._clients[token] = client
        return client

    async def _call(self, work: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await work()
        except SlackApiError as error:
            code = str(error.response.get("error") or error.response.status_code)
            if code in PERMANENT:
                raise PermanentFailure(f"Slack refused the post: {code}") from error
            retry = error.response.headers.get("Retry-After") if error.response.headers else None
            raise TransientFailure(
                f"Slack answered {code}",
                retry_after=float(retry) if retry else None,
                # Slack answered: below 500 it refused the call and posted nothing.
                refused=error.response.status_code < 500,
            ) from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise TransientFailure(f"could not reach Slack: {error!r}") from error

    async def pace(self, target: Target) -> None:
        """Wait until the workspace's and the channel's budgets allow one more message."""
        await self.budget.wait(
            f"slack:workspace:{target.workspace_id}", per_second=self.per_minute / 60.0
        )
        await self.budget.wait(
            f"slack:channel:{target.workspace_id}:{target.channel_id}",
            per_second=self.channel_per_second,
        )

    async def send(
        self,
        target: Target,
        message: Message,
        *,
        marker: str,
        thread_id: str | None,
        in_doubt_since: dt.datetime | None,
        now: dt.datetime,
    ) -> str:
        """Post a message tagged with `marker`; find it instead if it may be out already."""
        client = await self._client(target.workspace_id)
        if in_doubt_since is not None:
            found = await self._find(client, target, marker, thread_id, in_doubt_since)
            if found is not None:
                log.info("Slack: message %s was posted before; not posting it again", marker)
                return found
        answer = await self._call(
            lambda: client.chat_postMessage(
                channel=target.channel_id,
                text=message.payload.get("text", ""),
                blocks=message.payload.get("blocks"),
                thread_ts=thread_id,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"marker": marker}},
                unfurl_links=False,
                unfurl_media=False,
            )
        )
        return str(answer["ts"])

    async def _find(
        self,
        client: AsyncWebClient,
        target: Target,
        marker: str,
        thread_id: str | None,
        since: dt.datetime,
    ) -> str | None:
        oldest = f"{(since - LOOK_BACK).timestamp():.6f}"
        if thread_id is None:
            answer = await self._call(
                lambda: client.conversations_history(
                    channel=target.channel_id, oldest=oldest, limit=100, include_all_metadata=True
                )
            )
        else:
            answer = await self._call(
                lambda: client.conversations_replies(
                    channel=target.channel_id,
                    ts=thread_id,
                    oldest=oldest,
                    limit=100,
                    include_all_metadata=True,
                )
            )
        for found in answer.get("messages") or []:
            payload = (found.get("metadata") or {}).get("event_payload") or {}
            if payload.get("marker") == marker:
                return str(found["ts"])
        return None

    async def open_thread(self, target: Target, main_id: str, title: str) -> str:
        """Return the main post's ts: Slack's threads are named by it."""
        return main_id

    async def edit(
        self, target: Target, message_id: str, message: Message, *, thread_id: str | None
    ) -> str:
        """Update a posted message in place."""
        client = await self._client(target.workspace_id)
        await self.pace(target)
        await self._call(
            lambda: client.chat_update(
                channel=target.channel_id,
                ts=message_id,
                text=message.payload.get("text", ""),
                blocks=message.payload.get("blocks"),
            )
        )
        return message_id

    async def delete(self, target: Target, message_id: str, *, thread_id: str | None) -> None:
        """Delete a posted message; one already gone is fine."""
        client = await self._client(target.workspace_id)
        try:
            await self._call(lambda: client.chat_delete(channel=target.channel_id, ts=message_id))
        except PermanentFailure as error:
            if "message_not_found" not in str(error):
                raise
        except TransientFailure as error:
            if "message_not_found" not in str(error):
                raise
