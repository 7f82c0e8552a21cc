"""A fake Slack on 127.0.0.1: its Web API, response_urls, OAuth and Socket Mode, in Slack's JSON.

The real `slack_sdk` AsyncWebClient talks to it with only `base_url` changed (`fake.api_url`).
Web API answers use Slack's envelope (`{"ok": true, ...}` or `{"ok": false, "error": ...}`),
token checks (`not_authed`, `invalid_auth`, `token_revoked`), Block Kit limits (see limits.py),
and errors or rate limits (429 with `Retry-After`) on demand. Response URLs enforce Slack's five
uses within thirty minutes. Everything received is recorded.

For delivery at scale: many workspaces and channels (`add_team`, `add_channels`, found by id in
O(1)), channels and workspaces the app may not use (`leave`, `archive`, `deactivate`),
chat.postMessage's rate limits (ratelimits.py), message metadata and threads in
conversations.history and conversations.replies, answers lost after the message was posted
(`fail_after_commit`), and read helpers (`messages_in`, `deliveries`, `request_times`,
`count_429s`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

from tests.fakes.slack.limits import SlackError, check_message, check_view
from tests.fakes.slack.ratelimits import (
    CHANNEL_BURST,
    CHANNEL_PER_SECOND,
    READ_METHODS,
    TIER_3_PER_MINUTE,
    WORKSPACE_PER_MINUTE,
    WRITE_TIERS,
    MethodLimits,
    PostLimits,
    RateLimited,
)

RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60.0
# Methods that need no token, or take the app-level token, or the client's credentials.
NO_TOKEN = frozenset({"oauth.v2.access"})
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Methods that need the bot in the channel (a public channel it has not joined, a private one
# it was not invited to): Slack answers `not_in_channel`.
MEMBER_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.delete",
        "conversations.history",
        "conversations.replies",
    }
)
# Methods an archived channel refuses with `is_archived`.
WRITE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.delete", "chat.postEphemeral"})
# conversations.history: 100 messages a page unless asked, at most 999 (Slack's method docs).
HISTORY_DEFAULT, HISTORY_MAX = 100, 999


@dataclass
class Call:
    """One Web API request as the fake received it, and its answer."""

    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)
    # time.monotonic() when the call arrived.
    at: float = 0.0

    @property
    def ok(self) -> bool:
        """Return whether Slack accepted the call."""
        return bool(self.answer.get("ok"))


@dataclass
class User:
    """A member of a workspace; admins and owners may change any channel's digest."""

    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False


@dataclass
class Channel:
    """A conversation: a public or private channel, or a direct message."""

    id: str
    name: str
    creator: str
    is_private: bool = False
    is_im: bool = False
    # Every message posted, replies included, oldest first; `by_ts` finds one by its ts.
    messages: list[dict[str, Any]] = field(default_factory=list)
    is_member: bool = True
    is_archived: bool = False
    by_ts: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def top_level(self) -> list[dict[str, Any]]:
        """Return the messages shown in the channel itself (thread parents, not replies)."""
        return [m for m in self.messages if m.get("thread_ts", m["ts"]) == m["ts"]]


@dataclass
class Team:
    """A workspace the app is installed in, with its bot token."""

    id: str
    name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    # False once the workspace or its bot is deactivated: every call gets `account_inactive`.
    active: bool = True


@dataclass
class ResponseUrl:
    """A slash command's or a click's response_url, and what was posted to it."""

    id: str
    created: float
    posts: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Fault:
    """An error the next matching calls get: Slack's error code, or a 429."""

    method: str
    error: str
    count: int
    retry_after: int | None = None
    # After commit: the call is carried out, then answered 500 (or not at all, with `drop`).
    after_commit: bool = False
    drop: bool = False


@dataclass
class Envelope:
    """A Socket Mode request sent to the app, and its acknowledgement once received."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    acked: asyncio.Future[dict[str, Any]]


class FakeSlack:
    """Slack's Web API, response_urls, OAuth and Socket Mode on 127.0.0.1, for slack_sdk."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        workspace_per_minute: int | None = WORKSPACE_PER_MINUTE,
        workspace_burst: int | None = None,
        channel_per_second: float | None = CHANNEL_PER_SECOND,
        channel_burst: int = CHANNEL_BURST,
        history_per_minute: int | None = TIER_3_PER_MINUTE,
        history_page_max: int = HISTORY_MAX,
        tiers: dict[str, int | None] | None = None,
    ) -> None:
        """Make a fake Slack with Slack's limits (ratelimits.py); None turns a limit off.

        chat.postMessage: `channel_per_second` with bursts of `channel_burst` per channel, and
        `workspace_per_minute` (bursts of `workspace_burst`, a minute's worth unless given) per
        workspace. conversations.history and .replies: `history_per_minute` each per workspace,
        pages of at most `history_page_max`; a non-Marketplace app gets 1 and 15. `tiers` sets
        other methods' calls per minute per workspace (chat.update, chat.delete and
        conversations.join: 50; None for no limit).
        """
        self.clock = clock
        self.limits = PostLimits(
            channel_per_second=channel_per_second,
            channel_burst=channel_burst,
            workspace_per_minute=workspace_per_minute,
            workspace_burst=workspace_burst,
        )
        self.method_limits = MethodLimits(
            {**dict.fromkeys(READ_METHODS, history_per_minute), **WRITE_TIERS, **(tiers or {})}
        )
        self.history_page_max = history_page_max
        self._ids = itertools.count(1)
        self._channel_ids = itertools.count(1)
        self._last_ts = 0
        self._by_token: dict[str, Team] = {}
        self._home: dict[str, Team] = {}
        self._limited: Counter[str] = Counter()
        self.app_id = "A01FAKEAPP"
        self.client_id = "1111.2222"
        self.client_secret = "fake-client-secret-" + secrets.token_hex(8)
        self.app_token = "xapp-1-A01FAKEAPP-" + secrets.token_hex(12)
        self.teams: dict[str, Team] = {}
        self.team = self.add_team("T01FAKE", "Fake Workspace")
        self.calls: list[Call] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.views: list[dict[str, Any]] = []
        self.revoked: set[str] = set()
        self.oauth_codes: dict[str, Team] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.envelopes: list[Envelope] = []
        self._faults: list[Fault] = []
        self._after_commit: list[Fault] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- workspaces ---------------------------------------------------------------------------

    def add_team(self, team_id: str, name: str) -> Team:
        """Add a workspace the app is installed in, with its people, channels and bot token."""
        team = _new_team(team_id, name)
        self.teams[team.id] = team
        return team

    def team_of(self, token: str) -> Team | None:
        """Return the workspace a bot token belongs to."""
        found = self._by_token.get(token)
        if found is not None and found.bot_token == token and self.teams.get(found.id) is found:
            return found
        found = next((t for t in self.teams.values() if t.bot_token == token), None)
        if found is not None:
            self._by_token[token] = found
        return found

    def add_channels(
        self, team: Team | str, count: int, *, private: bool = False, member: bool = True
    ) -> list[str]:
        """Add `count` channels to a workspace; return their ids (unique across workspaces).

        With `member=False` the bot is not in them: Slack answers `not_in_channel`.
        """
        found = self._team(team)
        added = []
        for _ in range(count):
            n = next(self._channel_ids)
            channel_id = f"{'G' if private else 'C'}9{n:08X}"
            channel = Channel(
                channel_id,
                f"digest-{n:05d}",
                creator="U01ADMIN",
                is_private=private,
                is_member=member,
            )
            found.channels[channel_id] = channel
            self._home[channel_id] = found
            added.append(channel_id)
        return added

    def channel(self, channel_id: str, *, team: Team | str | None = None) -> Channel:
        """Return a channel: one `add_channels` made, or else one of `team` (the default)."""
        home = self._team(team) if team is not None else self._home.get(channel_id, self.team)
        found = home.channels.get(channel_id)
        if found is None:
            raise LookupError(f"no channel {channel_id} in {home.id}")
        return found

    def leave(self, channel_id: str, *, team: Team | str | None = None) -> None:
        """Take the bot out of a channel: `not_in_channel` from now on."""
        self.channel(channel_id, team=team).is_member = False

    def archive(self, channel_id: str, *, team: Team | str | None = None) -> None:
        """Archive a channel: `is_archived` for posts, edits and deletes from now on."""
        self.channel(channel_id, team=team).is_archived = True

    def deactivate(self, team: Team | str) -> None:
        """Deactivate a workspace's bot: every call with its token gets `account_inactive`."""
        self._team(team).active = False

    def _team(self, team: Team | str | None) -> Team:
        if team is None:
            return self.team
        found = self.teams.get(team if isinstance(team, str) else team.id)
        if found is None:
            raise LookupError(f"no workspace {team}")
        return found

    def revoke(self, token: str) -> None:
        """Revoke a token: every later call with it gets `token_revoked`."""
        self.revoked.add(token)

    def oauth_code(self, team_id: str = "T02OTHER", name: str = "Other Workspace") -> str:
        """Return a code oauth.v2.access exchanges for an installation in a new workspace."""
        team = self.teams.get(team_id) or _new_team(team_id, name)
        code = "code-" + secrets.token_hex(8)
        self.oauth_codes[code] = team
        return code

    # --- faults -------------------------------------------------------------------------------

    def fail(
        self, method: str, error: str = "internal_error", *, count: int = 1, drop: bool = False
    ) -> None:
        """Answer the next `count` calls of `method` with Slack's error `error`, without carrying
        them out; with `drop`, close the connection unanswered instead."""
        self._faults.append(Fault(method, error, count, drop=drop))

    def rate_limit(self, method: str, *, retry_after: int = 1, count: int = 1) -> None:
        """Answer the next `count` calls of `method` with 429 and `Retry-After`."""
        self._faults.append(Fault(method, "ratelimited", count, retry_after))

    def fail_after_commit(self, method: str, *, count: int = 1, drop: bool = False) -> None:
        """Carry out the next `count` successful calls of `method`, then answer 500 (or, with
        `drop`, close the connection unanswered): the message exists, the client cannot know."""
        self._after_commit.append(Fault(method, "internal_error", count, None, True, drop))

    # --- what tests read ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the fake's origin."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Return the Web API base the client takes as `base_url`."""
        return f"{self.url}/api/"

    def calls_of(self, method: str) -> list[Call]:
        """Return the recorded calls of one Web API method."""
        return [call for call in self.calls if call.method == method]

    def messages_in(
        self, channel_id: str, *, team: Team | str | None = None
    ) -> list[dict[str, Any]]:
        """Return every message the app posted in a channel, replies included, oldest first."""
        return list(self.channel(channel_id, team=team).messages)

    def deliveries(self, team: Team | str | None = None) -> dict[str, int]:
        """Return how many top-level messages each channel holds, where it holds any.

        Across all workspaces unless `team` is given; the default channels (C01GENERAL...)
        have the same ids in every workspace, so ask per team for those.
        """
        teams = [self._team(team)] if team is not None else list(self.teams.values())
        found: Counter[str] = Counter()
        for each in teams:
            for channel in each.channels.values():
                if channel.messages:
                    shown = len(channel.top_level())
                    if shown:
                        found[channel.id] += shown
        return dict(found)

    def request_times(self, method: str) -> list[float]:
        """Return when (time.monotonic()) each call of `method` not answered 429 arrived."""
        return [call.at for call in self.calls if call.method == method and call.status != 429]

    def count_429s(self, scope: str | None = None) -> int:
        """Return how many 429s the fake answered: `channel`, `workspace` (chat.postMessage's
        limits), `method` (the history tier), `injected` (by `rate_limit`), or all of them."""
        return self._limited[scope] if scope else sum(self._limited.values())

    def new_response_url(self) -> str:
        """Return a fresh response_url, as Slack puts in a slash command or a click."""
        key = secrets.token_hex(8)
        self.response_urls[key] = ResponseUrl(key, self.clock())
        return f"{self.url}/response/{key}"

    def posts_to(self, response_url: str) -> list[dict[str, Any]]:
        """Return what was accepted at a response_url, in order."""
        return self.response_urls[response_url.rsplit("/", 1)[1]].posts

    def refused_at(self, response_url: str) -> list[tuple[int, str]]:
        """Return the posts a response_url refused: (status, error)."""
        return self.response_urls[response_url.rsplit("/", 1)[1]].refused

    def all_posts(self) -> list[dict[str, Any]]:
        """Return everything accepted at any response_url."""
        return [post for url in self.response_urls.values() for post in url.posts]

    async def wait_for(self, predicate: Callable[[], bool], *, within: float = 10.0) -> None:
        """Wait until `predicate()` holds; it is checked after every request."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def settle(self, seconds: float = 0.3) -> None:
        """Wait a little for background work that should have done nothing to show itself."""
        await asyncio.sleep(seconds)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=16 * 1024**2)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        app.router.add_get("/link/", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Close every Socket Mode connection and stop serving."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the Web API --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = _token(request, args)
        call = Call(method, args, token, at=time.monotonic())
        self.calls.append(call)
        try:
            fault = next((f for f in self._faults if f.method == method and f.count > 0), None)
            if fault is not None and fault.drop:
                return self._drop(call, fault, request)
            if fault is not None:
                fault.count -= 1
                if fault.retry_after is not None:
                    raise RateLimited(fault.retry_after, "injected")
                raise SlackError(fault.error)
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            if handler is None:
                raise SlackError("unknown_method")
            if method in APP_TOKEN_METHODS:
                team = None
                self._check_app_token(token)
            elif method in NO_TOKEN:
                team = None
            else:
                team = self._check_token(token)
                # Slack counts a tiered method's calls per workspace, whatever they ask.
                self.method_limits.take(team.id, method, call.at)
            call.answer = {"ok": True, **await handler(team, args, request)}
        except SlackError as error:
            call.answer = error.body()
        except RateLimited as limited:
            self._limited[limited.scope] += 1
            call.status, call.answer = 429, {"ok": False, "error": "ratelimited"}
            await self._notify()
            headers = {"Retry-After": str(limited.retry_after)}
            return _json(call.answer, status=429, headers=headers)
        if call.ok:
            lost = self._lose(method, call, request)
            if lost is not None:
                await self._notify()
                return lost
        await self._notify()
        return _json(call.answer)

    def _lose(self, method: str, call: Call, request: web.Request) -> web.Response | None:
        """Replace a successful answer when told to: a 500, or a connection closed unanswered."""
        fault = next((f for f in self._after_commit if f.method == method and f.count > 0), None)
        if fault is None:
            return None
        if fault.drop:
            return self._drop(call, fault, request)
        fault.count -= 1
        call.status = 500
        return _json({"ok": False, "error": "internal_error"}, status=500)

    def _drop(self, call: Call, fault: Fault, request: web.Request) -> web.Response:
        """Close the connection without an answer; the response returned never leaves."""
        fault.count -= 1
        call.status = 0
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)

    def _check_token(self, token: str | None) -> Team:
        if not token:
            raise SlackError("not_authed")
        if token in self.revoked:
            raise SlackError("token_revoked")
        team = self.team_of(token)
        if team is None:
            raise SlackError("invalid_auth")
        if not team.active:
            raise SlackError("account_inactive")
        return team

    def _check_app_token(self, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if token in self.revoked:
            raise SlackError("token_revoked")
        if token != self.app_token:
            raise SlackError("invalid_auth")

    def _channel(self, team: Team, args: dict[str, Any], method: str = "") -> Channel:
        channel = team.channels.get(str(args.get("channel", "")))
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.is_archived and method in WRITE_METHODS:
            raise SlackError("is_archived")
        if not channel.is_member and method in MEMBER_METHODS:
            raise SlackError("not_in_channel")
        return channel

    def _ts(self) -> str:
        """Return a new message ts: seconds and microseconds, each later than the last."""
        self._last_ts = max(int(self.clock() * 1_000_000), self._last_ts + 1)
        seconds, micros = divmod(self._last_ts, 1_000_000)
        return f"{seconds}.{micros:06d}"

    async def _auth_test(self, team: Team, args: dict[str, Any], _: web.Request) -> dict[str, Any]:
        return {
            "url": f"https://{team.id.lower()}.slack.example/",
            "team": team.name,
            "user": "inference-report",
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }

    async def _chat_postMessage(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        channel = self._channel(team, args, "chat.postMessage")
        check_message(args)
        metadata = _metadata(args)
        parent = self._parent(channel, args.get("thread_ts"))
        # Counted once it would be posted: a refused message spends no allowance here.
        self.limits.take(team.id, channel.id, time.monotonic())
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._ts(),
            "text": args.get("text", ""),
            "blocks": args.get("blocks", []),
            "bot_id": team.bot_id,
            "app_id": self.app_id,
            "user": team.bot_user_id,
            "team": team.id,
        }
        if metadata is not None:
            message["metadata"] = metadata
        if parent is not None:
            self._reply(channel, parent, message, team)
        channel.messages.append(message)
        channel.by_ts[message["ts"]] = message
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _parent(self, channel: Channel, thread_ts: Any) -> dict[str, Any] | str | None:
        """Return the message a reply goes under, or the ts of a thread no one can see.

        Slack takes a well-formed thread_ts it does not know and answers ok, but the reply shows
        nowhere (python-slack-sdk#840); a malformed one gets `invalid_thread_ts`.
        """
        if thread_ts in (None, ""):
            return None
        ts = str(thread_ts)
        if _micros(ts) is None:
            raise SlackError("invalid_thread_ts", f"[ERROR] {ts} is not a valid thread_ts")
        parent = channel.by_ts.get(ts)
        if parent is None:
            return ts
        # A reply's ts stands for its thread, as Slack takes it.
        top: dict[str, Any] = channel.by_ts.get(parent.get("thread_ts", ts), parent)
        return top

    def _reply(
        self, channel: Channel, parent: dict[str, Any] | str, message: dict[str, Any], team: Team
    ) -> None:
        if isinstance(parent, str):
            message["thread_ts"] = parent
            return
        message |= {"thread_ts": parent["ts"], "parent_user_id": parent.get("user")}
        users = parent.setdefault("reply_users", [])
        if team.bot_user_id not in users:
            users.append(team.bot_user_id)
        parent |= {
            "thread_ts": parent["ts"],
            "reply_count": parent.get("reply_count", 0) + 1,
            "reply_users_count": len(users),
            "latest_reply": message["ts"],
        }

    def _stored(self, team: Team, channel: Channel, args: dict[str, Any]) -> dict[str, Any]:
        message = channel.by_ts.get(str(args.get("ts", "")))
        if message is None:
            raise SlackError("message_not_found")
        return message

    async def _chat_update(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        channel = self._channel(team, args, "chat.update")
        message = self._stored(team, channel, args)
        if message.get("bot_id") != team.bot_id:
            raise SlackError("cant_update_message")
        check_message({**message, **args})
        metadata = _metadata(args)
        message.update({k: args[k] for k in ("text", "blocks") if k in args})
        if metadata is not None:
            message["metadata"] = metadata
        message["edited"] = {"user": team.bot_user_id, "ts": self._ts()}
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"]}

    async def _chat_delete(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        channel = self._channel(team, args, "chat.delete")
        message = self._stored(team, channel, args)
        if message.get("bot_id") != team.bot_id:
            raise SlackError("cant_delete_message")
        channel.messages.remove(message)
        del channel.by_ts[message["ts"]]
        parent = channel.by_ts.get(message.get("thread_ts", message["ts"]))
        if parent is not None and parent is not message:
            parent["reply_count"] -= 1
        return {"channel": channel.id, "ts": message["ts"]}

    async def _chat_postEphemeral(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        channel = self._channel(team, args, "chat.postEphemeral")
        if str(args.get("user", "")) not in team.users:
            raise SlackError("user_not_in_channel")
        check_message(args)
        return {"message_ts": self._ts(), "channel": channel.id}

    async def _conversations_history(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        """Return top-level messages newest first, between `oldest` and `latest`, by pages.

        As Slack: both bounds exclusive unless `inclusive`; `latest` defaults to now, `oldest`
        to 0; metadata only with `include_all_metadata`; `cursor` continues where a page ended.
        """
        channel = self._channel(team, args, "conversations.history")
        limit = _page_size(args, self.history_page_max)
        oldest = _bound(args, "oldest", 0) or 0
        latest = _bound(args, "latest", None)
        inclusive = _flag(args, "inclusive")
        before = _cursor(args)
        found = []
        for message in reversed(channel.top_level()):
            at = _micros(message["ts"]) or 0
            if before is not None and at >= before:
                continue
            if latest is not None and (at > latest or (at == latest and not inclusive)):
                continue
            if at < oldest or (at == oldest and not inclusive):
                break
            found.append(message)
            if len(found) > limit:
                break
        page, more = found[:limit], len(found) > limit
        shown = [_shown(m, metadata=_flag(args, "include_all_metadata")) for m in page]
        answer: dict[str, Any] = {"messages": shown, "has_more": more, "pin_count": 0}
        next_cursor = _next_cursor(page[-1]["ts"]) if more else ""
        answer["response_metadata"] = {"next_cursor": next_cursor}
        return answer

    async def _conversations_replies(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        """Return a thread: its parent, then its replies, oldest first (one page)."""
        channel = self._channel(team, args, "conversations.replies")
        message = channel.by_ts.get(str(args.get("ts", "")))
        if message is None:
            raise SlackError("thread_not_found")
        parent_ts = message.get("thread_ts", message["ts"])
        thread = [m for m in channel.messages if m.get("thread_ts", m["ts"]) == parent_ts]
        limit = _page_size(args, self.history_page_max)
        metadata = _flag(args, "include_all_metadata")
        return {
            "messages": [_shown(m, metadata=metadata) for m in thread[:limit]],
            "has_more": len(thread) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    async def _conversations_join(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        """Join a public channel (Slack: the bot cannot join a private one by itself)."""
        channel = self._channel(team, args)
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        already = channel.is_member
        channel.is_member = True
        answer: dict[str, Any] = {"channel": {"id": channel.id, "name": channel.name}}
        if already:
            answer["warning"] = "already_in_channel"
        return answer

    async def _conversations_info(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        channel = self._channel(team, args)
        info: dict[str, Any] = {
            "id": channel.id,
            "created": 1_700_000_000,
            "is_im": channel.is_im,
            "is_private": channel.is_private or channel.is_im,
            "is_archived": channel.is_archived,
            "is_member": channel.is_member,
        }
        if channel.is_im:
            info["user"] = channel.creator
        else:
            info.update(
                name=channel.name,
                is_channel=not channel.is_private,
                is_group=channel.is_private,
                creator=channel.creator,
            )
        return {"channel": info}

    async def _users_info(self, team: Team, args: dict[str, Any], _: web.Request) -> dict[str, Any]:
        user = team.users.get(str(args.get("user", "")))
        if user is None:
            raise SlackError("user_not_found")
        return {
            "user": {
                "id": user.id,
                "team_id": team.id,
                "name": user.name,
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "is_primary_owner": user.is_primary_owner,
                "is_bot": user.is_bot,
            }
        }

    async def _views_publish(
        self, team: Team, args: dict[str, Any], _: web.Request
    ) -> dict[str, Any]:
        user_id = str(args.get("user_id", ""))
        if user_id not in team.users:
            raise SlackError("user_not_found")
        view = args.get("view")
        check_view(view)
        assert isinstance(view, dict)
        published = {**view, "id": f"V{next(self._ids):08d}", "team_id": team.id}
        self.views.append({"user_id": user_id, "team_id": team.id, "view": published})
        return {"view": published}

    async def _oauth_v2_access(
        self, _: Team | None, args: dict[str, Any], request: web.Request
    ) -> dict[str, Any]:
        client_id, client_secret = _client_credentials(request, args)
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackError("bad_client_secret")
        team = self.oauth_codes.pop(str(args.get("code", "")), None)
        if team is None:
            raise SlackError("invalid_code")
        self.teams[team.id] = team
        return {
            "app_id": self.app_id,
            "authed_user": {"id": "U01ADMIN"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": team.bot_token,
            "bot_user_id": team.bot_user_id,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    async def _apps_connections_open(
        self, _: Team | None, args: dict[str, Any], __: web.Request
    ) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket={secrets.token_hex(8)}"}

    # --- response_url -------------------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        url = self.response_urls.get(request.match_info["key"])
        if url is None:
            return web.Response(status=404, text="invalid_url")
        try:
            body = json.loads(await request.text())
        except ValueError:
            url.refused.append((400, "invalid_payload"))
            await self._notify()
            return web.Response(status=400, text="invalid_payload")
        status, text = 200, "ok"
        if self.clock() - url.created > RESPONSE_URL_LIFETIME:
            status, text = 404, "expired_url"
        elif len(url.posts) >= RESPONSE_URL_USES:
            status, text = 404, "used_url"
        else:
            try:
                check_message(body)
            except SlackError as error:
                status, text = 400, error.error
        if status == 200:
            url.posts.append(body)
        else:
            url.refused.append((status, text))
        await self._notify()
        return web.Response(status=status, text=text)

    # --- OAuth: the authorize page ------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        """Approve at once, as a person clicking Allow would: redirect back with a code."""
        query = dict(request.query)
        self.authorize_requests.append(query)
        await self._notify()
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            return web.Response(status=400, text="invalid_client_id or missing redirect_uri")
        code = self.oauth_code()
        target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        raise web.HTTPFound(target)

    # --- Socket Mode --------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        self._socket_connected.set()
        await self._notify()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                with contextlib.suppress(ValueError, KeyError):
                    ack = json.loads(message.data)
                    envelope = next(
                        e for e in self.envelopes if e.envelope_id == ack["envelope_id"]
                    )
                    if not envelope.acked.done():
                        envelope.acked.set_result(ack)
                    await self._notify()
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_for_socket(self, *, within: float = 10.0) -> None:
        """Wait until an app has connected over Socket Mode."""
        async with asyncio.timeout(within):
            await self._socket_connected.wait()

    async def socket_send(self, type_: str, payload: dict[str, Any]) -> Envelope:
        """Send a request over Socket Mode (`slash_commands`, `events_api`, `interactive`)."""
        envelope = Envelope(
            envelope_id=secrets.token_hex(8),
            type=type_,
            payload=payload,
            acked=asyncio.get_running_loop().create_future(),
        )
        self.envelopes.append(envelope)
        message = {
            "envelope_id": envelope.envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": type_ != "events_api",
        }
        await self._sockets[-1].send_json(message)
        return envelope

    # --- payloads Slack sends ------------------------------------------------------------------

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U04MEMBER",
        channel: str = "C01GENERAL",
        team: Team | None = None,
    ) -> dict[str, str]:
        """Return the form fields of a slash command, with a fresh response_url."""
        team = team or self.team
        return {
            "token": "deprecated-verification-token",
            "team_id": team.id,
            "team_domain": team.id.lower(),
            "channel_id": channel,
            "channel_name": team.channels[channel].name if channel in team.channels else "",
            "user_id": user,
            "user_name": team.users[user].name if user in team.users else "someone",
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(),
            "trigger_id": f"{next(self._ids)}.{secrets.token_hex(6)}",
        }

    def block_action(
        self,
        action_id: str,
        *,
        user: str = "U04MEMBER",
        channel: str = "C01GENERAL",
        team: Team | None = None,
    ) -> dict[str, Any]:
        """Return the payload of a click on a button, with a fresh response_url."""
        team = team or self.team
        return {
            "type": "block_actions",
            "user": {"id": user, "team_id": team.id, "username": "someone"},
            "api_app_id": self.app_id,
            "token": "deprecated-verification-token",
            "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
            "trigger_id": f"{next(self._ids)}.{secrets.token_hex(6)}",
            "team": {"id": team.id, "domain": team.id.lower()},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "general"},
            "response_url": self.new_response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "text": {"type": "plain_text", "text": "button", "emoji": True},
                    "value": action_id,
                    "action_ts": f"{self.clock():.6f}",
                }
            ],
        }

    def event(self, event: dict[str, Any], *, team: Team | None = None) -> dict[str, Any]:
        """Return an Events API `event_callback` wrapping `event`."""
        team = team or self.team
        return {
            "token": "deprecated-verification-token",
            "team_id": team.id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids):08d}",
            "event_time": int(self.clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team.id,
                    "user_id": team.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }

    def home_opened(self, user: str = "U04MEMBER", *, team: Team | None = None) -> dict[str, Any]:
        """Return the `app_home_opened` event of a person opening the app's Home tab."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D01DIRECT",
            "tab": "home",
            "event_ts": f"{self.clock():.6f}",
        }
        return self.event(event, team=team)


def _new_team(team_id: str, name: str) -> Team:
    """Return a workspace with an admin, an owner, a channel creator, a member and channels."""
    suffix = team_id[-4:]
    team = Team(
        id=team_id,
        name=name,
        bot_token=f"xoxb-{team_id}-" + secrets.token_hex(12),
        bot_user_id=f"U0BOT{suffix}",
        bot_id=f"B0BOT{suffix}",
    )
    for user in (
        User("U01ADMIN", "ada", is_admin=True),
        User("U02OWNER", "olga", is_owner=True, is_primary_owner=True),
        User("U03CREATOR", "cy"),
        User("U04MEMBER", "mo"),
        User(team.bot_user_id, "inference-report", is_bot=True),
    ):
        team.users[user.id] = user
    for channel in (
        Channel("C01GENERAL", "general", creator="U01ADMIN"),
        Channel("C02CREATED", "papers", creator="U03CREATOR"),
        Channel("G01PRIVATE", "secret", creator="U01ADMIN", is_private=True),
        Channel("D01DIRECT", "", creator="U04MEMBER", is_im=True),
    ):
        team.channels[channel.id] = channel
    return team


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Return a call's arguments: query, then a JSON or form body; JSON-in-form values parsed."""
    args: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if raw:
        if request.content_type == "application/json":
            body = json.loads(raw)
            if isinstance(body, dict):
                args.update(body)
        else:
            args.update(parse_qsl(raw, keep_blank_values=True))
    for key in ("blocks", "view", "attachments", "metadata"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _token(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip() or None
    token = args.pop("token", None)
    return str(token) if token else None


def _client_credentials(request: web.Request, args: dict[str, Any]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        with contextlib.suppress(ValueError):
            decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
    return str(args.get("client_id", "")), str(args.get("client_secret", ""))


def _json(
    data: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers)


def _flag(args: dict[str, Any], key: str) -> bool:
    """Return a boolean argument as Slack reads it: true, "true" or "1"."""
    value = args.get(key)
    return value is True or str(value).lower() in {"true", "1"}


def _micros(ts: str) -> int | None:
    """Return a ts ("1700000000.000100") in microseconds, or None if it is not one."""
    try:
        value = Decimal(ts)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0:
        return None
    return int(value * 1_000_000)


def _bound(args: dict[str, Any], key: str, default: int | None) -> int | None:
    raw = args.get(key)
    if raw in (None, ""):
        return default
    value = _micros(str(raw))
    if value is None:
        raise SlackError(f"invalid_ts_{key}")
    return value


def _page_size(args: dict[str, Any], most: int) -> int:
    raw = args.get("limit", HISTORY_DEFAULT)
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    return max(1, min(limit, most))


def _next_cursor(ts: str) -> str:
    """Return the cursor of the page after one ending at `ts`, in Slack's shape."""
    return base64.b64encode(f"next_ts:{_micros(ts)}".encode()).decode()


def _cursor(args: dict[str, Any]) -> int | None:
    """Return the ts (microseconds) a history page starts below, from its cursor."""
    raw = args.get("cursor")
    if raw in (None, ""):
        return None
    with contextlib.suppress(ValueError):
        decoded = base64.b64decode(str(raw), validate=True).decode()
        if decoded.startswith("next_ts:"):
            return int(decoded.removeprefix("next_ts:"))
    raise SlackError("invalid_cursor")


def _metadata(args: dict[str, Any]) -> dict[str, Any] | None:
    """Return a message's metadata: `{"event_type": str, "event_payload": dict}`, or None."""
    metadata = args.get("metadata")
    if metadata in (None, ""):
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def _shown(message: dict[str, Any], *, metadata: bool) -> dict[str, Any]:
    """Return a message as history shows it: its metadata only when asked for."""
    if metadata or "metadata" not in message:
        return message
    return {k: v for k, v in message.items() if k != "metadata"}
