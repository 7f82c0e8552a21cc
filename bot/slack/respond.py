"""Answer a slash command or a click: acknowledge within Slack's 3 s, then post the answer.

Slack drops a command not acknowledged within 3 seconds. The command runs at once; if it is not
done within `WORKING_AFTER` the acknowledgement says it is working (privately), otherwise it is
empty; either way the answer then goes to the response_url, each message of it, in the channel
unless the reply is private (mistakes always are).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.render.slack import render_slack
from bot.slack.logs import log
from core.commands import Reply
from core.commands.reply import Paragraph, error_reply

Ack = Callable[..., Awaitable[None]]
# Past this the acknowledgement says the command is working; Slack's limit is 3 s.
WORKING_AFTER = 1.0
# Slack takes at most five posts to one response_url, within thirty minutes.
RESPONSE_URL_USES = 5


async def answered(name: str, work: Awaitable[Reply]) -> Reply:
    """Return the command's reply; an unexpected failure is logged under a reference shown."""
    try:
        return await work
    except Exception as error:
        reference = secrets.token_hex(4)
        log.error("Slack: /%s failed; reference %s", name, reference, exc_info=error)
        return error_reply(
            f"Something went wrong on our side (reference {reference}). It has been logged; "
            "please try again in a while."
        )


async def acknowledge_then_answer(
    *,
    ack: Ack,
    name: str,
    work: Awaitable[Reply],
    response_url: str | None,
    working_after: float = WORKING_AFTER,
) -> Reply:
    """Acknowledge (saying it is working if the answer is slow), then post the answer."""
    task = asyncio.ensure_future(answered(name, work))
    try:
        done, _ = await asyncio.wait({task}, timeout=working_after)
        if done:
            await ack()
        else:
            await ack(text=f"Working on /{name}…", response_type="ephemeral")
        reply = await task
    finally:
        if not task.done():
            task.cancel()
    await post(response_url, reply, name=name)
    return reply


def payloads(reply: Reply) -> list[dict[str, Any]]:
    """Return the response_url payloads of a reply: at most five, private or in the channel."""
    messages = render_slack(reply)
    if len(messages) > RESPONSE_URL_USES:
        # Five posts is all a response_url takes; the last says what did not fit.
        note = Reply(
            title="The rest of this answer is too long for Slack.",
            blocks=(Paragraph.of("Narrow the command down to see the rest."),),
            url=reply.url,
            kind="error",
        )
        messages = messages[: RESPONSE_URL_USES - 1] + render_slack(note)[:1]
    response_type = "ephemeral" if reply.ephemeral or reply.kind == "error" else "in_channel"
    return [
        {
            **message,
            "response_type": response_type,
            "replace_original": False,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        for message in messages
    ]


async def post(response_url: str | None, reply: Reply, *, name: str) -> bool:
    """Post the reply to the response_url; return whether Slack took every message."""
    if not response_url:
        log.warning("Slack: /%s has no response_url to answer through", name)
        return False
    client = AsyncWebhookClient(response_url, logger=log)
    for number, payload in enumerate(payloads(reply), 1):
        try:
            response = await client.send_dict(payload)
        except Exception as error:
            log.warning("Slack: /%s: posting part %d of the answer failed: %s", name, number, error)
            return False
        if response.status_code != 200:
            log.warning(
                "Slack: /%s: the response_url refused part %d of the answer: %s %s",
                name,
                number,
                response.status_code,
                response.body,
            )
            return False
    return True
