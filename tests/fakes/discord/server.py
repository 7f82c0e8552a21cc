"""A fake Discord on 127.0.0.1: its REST API and its gateway, speaking Discord's own JSON.

The real discord.py client connects to it with only its base URLs changed (`Route.BASE`, and
the gateway address `GET /gateway/bot` answers). The fake enforces Discord's limits (400 with
Discord's error body), the 3-second window to answer an interaction, one acknowledgement per
interaction, per-route rate-limit buckets with X-RateLimit-* headers, and create-message nonces.
It records every request, and answers 429 or 5xx when told to.

For delivery at scale: many guilds and channels (`add_guild`, `add_channels`, found by id in
O(1)), channels the bot may not use (`forbid`, `delete_channel`), Discord's global limit of 50
requests per second per bot (`FakeDiscord(global_limit=50)`), answers lost after the message was
made (`fail_after_commit`), and read helpers (`messages_in`, `deliveries`, `request_times`,
`count_429s`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.discord import payloads
from tests.fakes.discord.channels import MISSING_ACCESS, UNKNOWN_MESSAGE, Directory
from tests.fakes.discord.gateway import Gateway, Session
from tests.fakes.discord.limits import (
    EPHEMERAL,
    Invalid,
    check_choices,
    check_commands,
    check_message,
    form_error,
    pings,
)
from tests.fakes.discord.payloads import MEMBER_PERMISSIONS, Guild, Snowflakes
from tests.fakes.discord.ratelimits import (
    GLOBAL_LIMIT,
    VIA,
    Bucket,
    Buckets,
    Fault,
    GlobalLimit,
    json_response,
)

API = "/api/v10"
INTERACTION_WINDOW = 3.0
TOKEN_LIFETIME = 15 * 60.0
NONCE_WINDOW = 5 * 60.0
# Message flag of a deferred response still "thinking".
LOADING = 1 << 7
# Option types (https://discord.com/developers/docs/interactions/application-commands).
STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10
UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}
# What the middleware leaves on a request: its parsed body; whether its answer is to be dropped.
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
DROPPED = web.RequestKey("dropped", bool)


@dataclass
class Recorded:
    """One request as the fake received it (path under /api/v10), and its answer."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0
    answer: Any = None
    # time.monotonic() when the request arrived.
    at: float = 0.0


@dataclass
class FakeInteraction:
    """An interaction the fake sent, and everything the bot answered to it."""

    id: str
    token: str
    payload: dict[str, Any]
    created: float
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    original_deleted: bool = False
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Return the messages a person sees, in order: the response, then the followups."""
        first = [] if self.original is None or self.original_deleted else [self.original]
        return first + self.followups

    @property
    def callback_type(self) -> int | None:
        """Return the response type the bot chose: 4 a message, 5 deferred, 8 choices."""
        return None if self.callback is None else int(self.callback["type"])


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1, for the real discord.py client.

    `buckets` overrides per-route limits ("POST /channels/{channel_id}/messages": (5, 5.0));
    `global_limit` is Discord's 50 requests per second per bot (None: no global limit), and
    `global_burst` how many may come at once (the limit unless given); see GlobalLimit.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token.for-tests-only",
        heartbeat_interval_ms: int = 41_250,
        interaction_window: float = INTERACTION_WINDOW,
        buckets: dict[str, tuple[int, float]] | None = None,
        global_limit: int | None = GLOBAL_LIMIT,
        global_burst: int | None = None,
    ) -> None:
        self.token = token
        self.interaction_window = interaction_window
        self.snowflake = Snowflakes()
        self.application_id = self.snowflake()
        self.bot_user = payloads.user(self.application_id, "inference-report", bot=True)
        self.owner = payloads.user(self.snowflake(), "owner")
        self.directory = Directory(self.snowflake)
        self.guild = self.directory.add_guild("Test Guild", self.owner["id"])
        self.gateway = Gateway(
            token=token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            on_identify=self._ready,
            on_change=self._notify,
        )
        self.requests: list[Recorded] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[str, FakeInteraction] = {}
        # What the bot posted in each channel, oldest first (the directory's own store).
        self.channel_messages: dict[str, list[dict[str, Any]]] = self.directory.messages
        self.threads: list[dict[str, Any]] = []
        self._buckets = Buckets(buckets)
        self._global = GlobalLimit(global_limit, burst=global_burst) if global_limit else None
        self._limited: Counter[str] = Counter()
        self._invalid = 0
        self._faults: list[Fault] = []
        self._after_commit: list[Fault] = []
        self._announcements: set[asyncio.Task[None]] = set()
        self._nonces: dict[str, tuple[float, dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        """Return what discord.py's Route.BASE should be to reach this fake."""
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        """Return the gateway address GET /gateway/bot hands out."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Close every gateway connection and stop serving."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests call --------------------------------------------------------------------

    def fail(
        self, method: str, pattern: str, *, status: int = 502, count: int = 1, drop: bool = False
    ) -> None:
        """Answer the next `count` requests matching `pattern` (a glob under /api/v10) with 5xx,
        without carrying them out; with `drop`, close the connection unanswered instead."""
        self._faults.append(Fault(method, pattern, status, count, drop=drop))

    def rate_limit(
        self,
        method: str,
        pattern: str,
        *,
        retry_after: float = 0.25,
        is_global: bool = False,
        scope: str = "user",
        count: int = 1,
    ) -> None:
        """Answer the next `count` matching requests with 429, Discord's body and headers."""
        scope = "global" if is_global else scope
        self._faults.append(Fault(method, pattern, 429, count, retry_after, is_global, scope))

    def fail_after_commit(
        self, method: str, pattern: str, *, status: int = 500, count: int = 1, drop: bool = False
    ) -> None:
        """Carry out the next `count` matching requests, then answer 5xx (or, with `drop`, close
        the connection unanswered): the message exists, the client cannot know it.

        Only requests that succeed are affected; `pattern` is a glob under /api/v10.
        """
        self._after_commit.append(
            Fault(method, pattern, status, count, after_commit=True, drop=drop)
        )

    # --- guilds and channels ----------------------------------------------------------------

    def add_guild(self, name: str = "Another Guild") -> Guild:
        """Add a guild the bot is in, with its #general channel (GUILD_CREATE if connected)."""
        guild = self.directory.add_guild(name, self.owner["id"])
        self._announce("GUILD_CREATE", self._guild_create(guild))
        return guild

    def add_channels(self, count: int, *, guild: Guild | str | None = None) -> list[str]:
        """Add `count` text channels to a guild (the default one unless given); return their ids."""
        found = self._guild(guild)
        added = self.directory.add_channels(found, count)
        for channel in added:
            self._announce("CHANNEL_CREATE", channel)
        return [channel["id"] for channel in added]

    def channels_of(self, guild: Guild | str | None = None) -> list[str]:
        """Return the ids of a guild's text channels (the default guild unless given)."""
        return [c["id"] for c in self.directory.guild_channels(self._guild(guild).id)]

    def forbid(self, channel_id: str, *, code: int = MISSING_ACCESS) -> None:
        """Take the bot's access to a channel: 403 Missing Access (50001) on every request about
        it; with `code=50013`, 403 Missing Permissions on all but reads."""
        self.directory.refuse(channel_id, code)

    def delete_channel(self, channel_id: str) -> None:
        """Delete a channel: 404 Unknown Channel (10003) from now on (and CHANNEL_DELETE)."""
        channel = self.directory.delete(channel_id)
        self._announce("CHANNEL_DELETE", channel)

    def _guild(self, guild: Guild | str | None) -> Guild:
        if guild is None:
            return self.guild
        found = self.directory.guilds.get(guild if isinstance(guild, str) else guild.id)
        if found is None:
            raise LookupError(f"no guild {guild}")
        return found

    def _announce(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event soon, if a client is connected (callers here are not async)."""
        if not self.gateway.connected:
            return
        task = asyncio.get_running_loop().create_task(self.gateway.dispatch(event, data))
        self._announcements.add(task)
        task.add_done_callback(self._announcements.discard)

    # --- what tests read --------------------------------------------------------------------

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Return the messages the bot has in a channel (or thread), oldest first."""
        return list(self.channel_messages.get(channel_id, []))

    def deliveries(self) -> dict[str, int]:
        """Return how many messages the bot has in each channel where it has any."""
        return {cid: len(found) for cid, found in self.channel_messages.items() if found}

    def request_times(self, method: str, pattern: str) -> list[float]:
        """Return when (time.monotonic()) each matching request the rate limits let through
        arrived: every answer but a 429. `pattern` is a glob under /api/v10."""
        return [call.at for call in self.calls(method, pattern) if call.status != 429]

    def count_429s(self, scope: str | None = None) -> int:
        """Return how many 429s the fake answered: `global`, `user` (a route's bucket),
        `injected` (by `rate_limit`), or all of them."""
        return self._limited[scope] if scope else sum(self._limited.values())

    def count_invalid(self) -> int:
        """Return how many answers were 401, 403 or 429 (not `shared` scope): Discord bans an
        IP for a while after 10,000 of them in 10 minutes (platforms.md §1)."""
        return self._invalid

    def commands_for(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        """Return the application commands registered globally, or in one guild."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.get(guild_id, [])

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        """Return the recorded requests matching a method and a glob under /api/v10."""
        return [
            r for r in self.requests if r.method == method and fnmatch.fnmatchcase(r.path, pattern)
        ]

    async def wait_for(self, predicate: Callable[[], bool], *, within: float = 10.0) -> None:
        """Wait until `predicate()` holds; it is checked after every request and event."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def wait_for_session(self, *, within: float = 10.0) -> None:
        """Wait until a client has identified and is connected."""
        await self.wait_for(lambda: self.gateway.connected, within=within)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the connected client."""
        await self.gateway.dispatch(event, data)

    async def interact(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        guild_id: str | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        user_id: str | None = None,
        focused: str | None = None,
        channel_id: str | None = None,
    ) -> FakeInteraction:
        """Send INTERACTION_CREATE for a registered command, as Discord does when one is used.

        Options are checked as the Discord client checks them before sending. With `focused`,
        the autocomplete interaction for that option is sent instead. It is used in
        `channel_id` (any channel the fake knows; its guild's) or else the default #general.
        """
        if channel_id is not None:
            guild_id = guild_id or self.directory.channels[channel_id].get("guild_id")
        guild_id = guild_id or self.guild.id
        registered = self._find_command(name, guild_id)
        data: dict[str, Any] = {
            "id": registered["id"],
            "name": name,
            "type": 1,
            "options": self._options(registered, options or {}, focused),
        }
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        return await self._interaction(
            4 if focused else 2, data, guild_id, permissions, user_id, channel_id=channel_id
        )

    async def click(
        self, message: dict[str, Any], custom_id: str, *, permissions: int = MEMBER_PERMISSIONS
    ) -> FakeInteraction:
        """Send the component interaction of a person pressing a button of `message`."""
        ids = [
            button.get("custom_id")
            for row in message.get("components", [])
            for button in row.get("components", [])
        ]
        if custom_id not in ids:
            raise LookupError(f"the message has no button {custom_id!r}: {ids}")
        data = {"custom_id": custom_id, "component_type": 2}
        channel = self.directory.channels.get(message.get("channel_id", ""))
        channel_id = channel["id"] if channel else None
        guild_id = channel.get("guild_id") if channel else None
        interaction = await self._interaction(
            3,
            data,
            guild_id or self.guild.id,
            permissions,
            None,
            message=message,
            channel_id=channel_id,
        )
        return interaction

    async def wait_for_messages(
        self, interaction: FakeInteraction, count: int = 1, *, within: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the answer to `interaction` shows `count` complete messages; return them."""

        def complete() -> bool:
            shown = interaction.messages
            return len(shown) >= count and not any(m["flags"] & LOADING for m in shown)

        await self.wait_for(complete, within=within)
        return interaction.messages

    # --- plumbing ---------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _ready(self, session: Session) -> None:
        guilds = list(self.directory.guilds.values())
        ready = payloads.ready(
            session.id,
            self.bot_user,
            self.application_id,
            [guild.id for guild in guilds],
            self.gateway_url,
        )
        await self.gateway.dispatch("READY", ready)
        for guild in guilds:
            await self.gateway.dispatch("GUILD_CREATE", self._guild_create(guild))

    def _guild_create(self, guild: Guild) -> dict[str, Any]:
        return guild.create_event(self.bot_user, self.directory.guild_channels(guild.id))

    async def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        guild_id: str,
        permissions: int,
        user_id: str | None,
        *,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
    ) -> FakeInteraction:
        if not self.gateway.connected:
            raise RuntimeError("no client is connected to the fake gateway")
        person = payloads.user(user_id or self.owner["id"], "reader")
        where = self.directory.channels[channel_id] if channel_id else self.guild.text_channel()
        channel = {**where, "permissions": str(permissions)}
        payload: dict[str, Any] = {
            "id": self.snowflake(),
            "application_id": self.application_id,
            "type": kind,
            "data": data,
            "guild_id": guild_id,
            "guild": {"id": guild_id, "locale": "en-US", "features": []},
            "channel_id": channel["id"],
            "channel": channel,
            "member": self.guild.member(person, permissions),
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
            "version": 1,
            "app_permissions": str(MEMBER_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild_id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(
            id=payload["id"], token=payload["token"], payload=payload, created=time.monotonic()
        )
        self.interactions[interaction.id] = interaction
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def _find_command(self, name: str, guild_id: str) -> dict[str, Any]:
        for command in [*self.guild_commands.get(guild_id, []), *self.global_commands]:
            if command["name"] == name:
                return command
        raise LookupError(f"/{name} is not registered with the fake Discord (sync it first)")

    def _options(
        self, command: dict[str, Any], values: dict[str, Any], focused: str | None
    ) -> list[dict[str, Any]]:
        """Return options as the Discord client sends them, after its own checks."""
        declared = {option["name"]: option for option in command.get("options", [])}
        sent = []
        for name, value in values.items():
            option = declared.get(name)
            if option is None:
                raise LookupError(f"/{command['name']} has no option {name!r}")
            entry: dict[str, Any] = {"name": name, "type": option["type"], "value": value}
            if name == focused:
                entry |= {"focused": True, "value": str(value)}
            else:
                _check_value(option, value)
            sent.append(entry)
        if focused is None:
            missing = [n for n, o in declared.items() if o.get("required") and n not in values]
            if missing:
                raise ValueError(f"the Discord client needs {missing} for /{command['name']}")
        return sent

    def _routes(self, app: web.Application) -> None:
        add = app.router.add_route
        add("GET", API + "/gateway", self._gateway_info)
        add("GET", API + "/gateway/bot", self._gateway_bot)
        add("GET", API + "/users/@me", self._me)
        add("GET", API + "/users/@me/guilds", self._my_guilds)
        add("GET", API + "/guilds/{guild_id}/channels", self._guild_channels)
        add("GET", API + "/oauth2/applications/@me", self._application)
        add("GET", API + "/applications/@me", self._application)
        commands = API + "/applications/{application_id}/commands"
        guild_commands = API + "/applications/{application_id}/guilds/{guild_id}/commands"
        for path in (commands, guild_commands):
            add("GET", path, self._get_commands)
            add("PUT", path, self._put_commands)
        add("POST", API + "/interactions/{interaction_id}/{token}/callback", self._callback)
        webhook = API + "/webhooks/{application_id}/{token}"
        add("POST", webhook, self._followup)
        add("GET", webhook + "/messages/{message_id}", self._get_webhook_message)
        add("PATCH", webhook + "/messages/{message_id}", self._edit_webhook_message)
        add("DELETE", webhook + "/messages/{message_id}", self._delete_webhook_message)
        channel = API + "/channels/{channel_id}"
        add("GET", channel, self._get_channel)
        add("GET", channel + "/messages", self._list_messages)
        add("POST", channel + "/messages", self._create_message)
        add("GET", channel + "/messages/{message_id}", self._get_message)
        add("PATCH", channel + "/messages/{message_id}", self._edit_message)
        add("DELETE", channel + "/messages/{message_id}", self._delete_message)
        add("POST", channel + "/messages/{message_id}/threads", self._start_thread)
        app.router.add_get("/gateway", self.gateway.handle)

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        resource = request.match_info.route.resource
        route = resource.canonical.removeprefix(API) if resource is not None else request.path
        record = Recorded(
            method=request.method,
            path=request.path.removeprefix(API),
            route=route,
            query=dict(request.query),
            body=None,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            at=time.monotonic(),
        )
        self.requests.append(record)
        bucket = self._buckets.get(request.method, route, request.match_info)
        response: web.StreamResponse
        try:
            record.body = request[BODY] = await _read_body(request)
            fault = next((f for f in self._faults if f.matches(request.method, record.path)), None)
            if fault is not None and fault.drop:
                response = self._drop(request, fault)
            elif fault is not None:
                response = fault.response()
                if response.status == 429:
                    self._limited["injected"] += 1
            else:
                response = await self._limited_or_handled(request, route, bucket, handler, record)
        except Invalid as error:
            response = json_response(error.body, status=error.status)
        except web.HTTPNotFound:
            response = json_response({"message": "404: Not Found", "code": 0}, status=404)
        if bucket is not None and response.status != 429:
            response.headers.update(bucket.headers())
        response.headers.update(VIA)
        if 200 <= response.status < 300:
            response = self._after(request, record, response)
        record.status = 0 if request.get(DROPPED) else response.status
        shared = response.headers.get("X-RateLimit-Scope") == "shared"
        if record.status in (401, 403) or (record.status == 429 and not shared):
            self._invalid += 1
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            with contextlib.suppress(ValueError):
                record.answer = json.loads(response.body)
        await self._notify()
        return response

    async def _limited_or_handled(
        self,
        request: web.Request,
        route: str,
        bucket: Bucket | None,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        record: Recorded,
    ) -> web.StreamResponse:
        """Apply the global limit, then the route's bucket, then carry the request out."""
        if self._authorise(request, route) and self._global is not None:
            wait = self._global.take(record.at)
            if wait:
                self._limited["global"] += 1
                return self._global.refusal(wait)
        if bucket is not None and not bucket.take():
            self._limited["user"] += 1
            return bucket.refusal()
        return await handler(request)

    def _after(
        self, request: web.Request, record: Recorded, response: web.StreamResponse
    ) -> web.StreamResponse:
        """Replace a successful answer when told to: a 5xx, or a connection closed unanswered."""
        fault = next(
            (f for f in self._after_commit if f.matches(request.method, record.path)), None
        )
        if fault is None:
            return response
        if not fault.drop:
            return fault.response()
        return self._drop(request, fault)

    def _drop(self, request: web.Request, fault: Fault) -> web.Response:
        """Close the connection without an answer; the response returned never leaves."""
        fault.count -= 1
        request[DROPPED] = True
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)

    def _authorise(self, request: web.Request, route: str) -> bool:
        """Check the bot token; return whether the request counts against the global limit."""
        if route.startswith(("/interactions/", "/webhooks/")):
            return False  # authorised by the interaction token in the path; not counted
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise Invalid(401, {"message": "401: Unauthorized", "code": 0})
        return True

    # --- REST: the bot and its application --------------------------------------------------

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.bot_user)

    async def _my_guilds(self, request: web.Request) -> web.Response:
        guilds = [
            {"id": g.id, "name": g.name, "icon": None, "owner": False, "permissions": "0"}
            for g in self.directory.guilds.values()
        ]
        return json_response(guilds)

    async def _guild_channels(self, request: web.Request) -> web.Response:
        guild_id = request.match_info["guild_id"]
        if guild_id not in self.directory.guilds:
            raise Invalid(404, {"message": "Unknown Guild", "code": 10004})
        # As Discord: the guild's channels, not its threads (those have routes of their own).
        return json_response(self.directory.guild_channels(guild_id))

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(payloads.application(self.application_id, self.bot_user, self.owner))

    def _check_application(self, request: web.Request) -> None:
        if request.match_info["application_id"] != self.application_id:
            raise Invalid(403, {"message": "Missing Access", "code": 50001})

    async def _get_commands(self, request: web.Request) -> web.Response:
        self._check_application(request)
        return json_response(self.commands_for(request.match_info.get("guild_id")))

    async def _put_commands(self, request: web.Request) -> web.Response:
        self._check_application(request)
        body = request[BODY]
        check_commands(body)
        guild_id = request.match_info.get("guild_id")
        if guild_id is not None and guild_id not in self.directory.guilds:
            raise Invalid(403, {"message": "Missing Access", "code": 50001})
        stored = []
        for command in body:
            entry = {
                "id": self.snowflake(),
                "application_id": self.application_id,
                "version": self.snowflake(),
                "type": 1,
                "default_member_permissions": None,
                "nsfw": False,
                **command,
            }
            entry.setdefault("options", [])
            if guild_id is not None:
                entry["guild_id"] = guild_id
            stored.append(entry)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return json_response(stored)

    # --- REST: interactions -----------------------------------------------------------------

    def _by_token(self, request: web.Request) -> FakeInteraction:
        if request.match_info["application_id"] != self.application_id:
            raise Invalid(404, UNKNOWN_WEBHOOK)
        token = request.match_info["token"]
        for interaction in self.interactions.values():
            if interaction.token == token:
                if time.monotonic() - interaction.created > TOKEN_LIFETIME:
                    raise Invalid(401, {"message": "Invalid Webhook Token", "code": 50027})
                if interaction.callback is None:
                    raise Invalid(404, UNKNOWN_WEBHOOK)  # not acknowledged yet
                return interaction
        raise Invalid(404, UNKNOWN_WEBHOOK)

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(request.match_info["interaction_id"])
        if interaction is None or interaction.token != request.match_info["token"]:
            raise Invalid(404, UNKNOWN_INTERACTION)
        if interaction.callback is not None:
            already = {"message": "Interaction has already been acknowledged.", "code": 40060}
            raise Invalid(400, already)
        if time.monotonic() - interaction.created > self.interaction_window:
            raise Invalid(404, UNKNOWN_INTERACTION)
        body = request[BODY] or {}
        kind, data = body.get("type"), body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}}[interaction.payload["type"]]
        if kind not in allowed:
            problem = {"code": "INTERACTION_TYPE_INVALID", "message": "Invalid callback type."}
            raise form_error({"type": {"_errors": [problem]}})
        channel_id = interaction.payload["channel_id"]
        message = None
        if kind == 8:
            check_choices(data)
        elif kind == 4:
            check_message(data)
            message = self._message(channel_id, data, interaction=interaction)
        elif kind == 5:
            if data.get("flags", 0) & ~EPHEMERAL:
                problem = {"code": "MESSAGE_FLAGS_INVALID", "message": "Invalid flags."}
                raise form_error({"data": {"flags": {"_errors": [problem]}}})
            thinking = {"content": "", "flags": (data.get("flags", 0) & EPHEMERAL) | LOADING}
            message = self._message(channel_id, thinking, interaction=interaction)
        interaction.callback = {"type": kind, "data": data}
        interaction.original = message
        if request.query.get("with_response") not in {"1", "true", "True"}:
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction.id,
                "type": interaction.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if message is not None and kind == 4:
            answer["resource"]["message"] = message
        return json_response(answer)

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request)
        body = request[BODY] or {}
        check_message(body)
        message = self._message(interaction.payload["channel_id"], body, interaction=interaction)
        interaction.followups.append(message)
        if request.query.get("wait") in {"1", "true", "True"}:
            return json_response(message)
        return web.Response(status=204)

    def _webhook_message(self, request: web.Request) -> tuple[FakeInteraction, dict[str, Any]]:
        interaction = self._by_token(request)
        wanted = request.match_info["message_id"]
        if wanted == "@original":
            if interaction.original is None or interaction.original_deleted:
                raise Invalid(404, UNKNOWN_MESSAGE)
            return interaction, interaction.original
        for message in interaction.followups:
            if message["id"] == wanted:
                return interaction, message
        raise Invalid(404, UNKNOWN_MESSAGE)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        return json_response(self._webhook_message(request)[1])

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        return json_response(self._edit(message, request[BODY] or {}))

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message = self._webhook_message(request)
        if message is interaction.original:
            interaction.original_deleted = True
        else:
            interaction.followups.remove(message)
        return web.Response(status=204)

    # --- REST: channels ---------------------------------------------------------------------

    def _channel(self, request: web.Request) -> str:
        channel_id = request.match_info["channel_id"]
        self.directory.channel(channel_id, request.method)
        return channel_id

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        return json_response(self.directory.channel(channel_id, request.method))

    async def _list_messages(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        return json_response(self.directory.page(channel_id, dict(request.query)))

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = self._channel(request)
        body = request[BODY] or {}
        check_message(body)
        nonce = body.get("nonce")
        enforced = nonce is not None and bool(body.get("enforce_nonce"))
        # With enforce_nonce, a nonce the same author used within minutes returns the message
        # already made: Discord keys it by author and nonce, whatever the channel (MSG).
        key = str(nonce)
        if enforced:
            seen = self._nonces.get(key)
            if seen is not None and time.monotonic() - seen[0] < NONCE_WINDOW:
                return json_response(seen[1])
        message = self._message(channel_id, body)
        self.directory.store(message)
        if enforced:
            self._nonces[key] = (time.monotonic(), message)
        guild_id = self.directory.channels[channel_id].get("guild_id")
        await self.gateway.dispatch("MESSAGE_CREATE", {**message, "guild_id": guild_id})
        return json_response(message)

    def _stored(self, request: web.Request) -> dict[str, Any]:
        channel_id = self._channel(request)
        return self.directory.message(channel_id, request.match_info["message_id"])

    async def _get_message(self, request: web.Request) -> web.Response:
        return json_response(self._stored(request))

    async def _edit_message(self, request: web.Request) -> web.Response:
        return json_response(self._edit(self._stored(request), request[BODY] or {}))

    async def _delete_message(self, request: web.Request) -> web.Response:
        self.directory.remove(self._stored(request))
        return web.Response(status=204)

    async def _start_thread(self, request: web.Request) -> web.Response:
        message = self._stored(request)
        body = request[BODY] or {}
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problem = {"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be 1 to 100 in length."}
            raise form_error({"name": {"_errors": [problem]}})
        if message["id"] in self.directory.channels:
            already = {
                "message": "A thread has already been created for this message",
                "code": 160004,
            }
            raise Invalid(400, already)
        parent = self.directory.channels[message["channel_id"]]
        thread = {
            **parent,
            "id": message["id"],
            "type": 11,
            "name": name,
            "parent_id": message["channel_id"],
            "owner_id": self.bot_user["id"],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": payloads.now_iso(),
                "locked": False,
            },
            "message_count": 0,
            "member_count": 1,
        }
        self.threads.append(thread)
        self.directory.add_thread(thread)
        return json_response(thread, status=201)

    # --- messages ---------------------------------------------------------------------------

    def _message(
        self, channel_id: str, body: dict[str, Any], *, interaction: FakeInteraction | None = None
    ) -> dict[str, Any]:
        content = body.get("content") or ""
        # Without allowed_mentions, channel messages parse everything, webhooks users only.
        default = ("users",) if interaction is not None else ("users", "roles", "everyone")
        message: dict[str, Any] = {
            "id": self.snowflake(),
            "channel_id": channel_id,
            "type": 20 if interaction is not None else 0,
            "content": content,
            "author": self.bot_user,
            "timestamp": payloads.now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": body.get("flags") or 0,
            "allowed_mentions": body.get("allowed_mentions"),
            **pings(content, body.get("allowed_mentions"), default),
        }
        if interaction is not None:
            message |= {
                "webhook_id": self.application_id,
                "application_id": self.application_id,
                "interaction_metadata": {
                    "id": interaction.id,
                    "type": interaction.payload["type"],
                    "user": interaction.payload["member"]["user"],
                    "authorizing_integration_owners": {},
                },
            }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        return message

    def _edit(self, message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        merged = {
            key: body.get(key, message.get(key))
            for key in ("content", "embeds", "components", "allowed_mentions")
        }
        check_message(merged)
        default = ("users",) if message.get("webhook_id") else ("users", "roles", "everyone")
        message.update(merged)
        message.update(pings(merged["content"] or "", merged["allowed_mentions"], default))
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = payloads.now_iso()
        return message


def _check_value(option: dict[str, Any], value: Any) -> None:
    """Refuse what the Discord client refuses: wrong types, values out of range, not a choice."""
    kind = option["type"]
    ok = {
        STRING: isinstance(value, str),
        INTEGER: isinstance(value, int) and not isinstance(value, bool),
        BOOLEAN: isinstance(value, bool),
        NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
    }.get(kind, True)
    if not ok:
        raise TypeError(f"option {option['name']!r} takes Discord type {kind}, not {value!r}")
    if kind in (INTEGER, NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"the Discord client refuses {value} for {option['name']!r}")
    longest = option.get("max_length", 6000)
    if kind == STRING and not option.get("min_length", 0) <= len(value) <= longest:
        raise ValueError(f"the Discord client refuses {value!r} for {option['name']!r}")
    choices = option.get("choices")
    if choices and value not in [choice["value"] for choice in choices]:
        raise ValueError(f"{value!r} is not one of the choices of {option['name']!r}")


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        payload = form.get("payload_json")
        return json.loads(str(payload)) if payload is not None else None
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise Invalid(400, {"message": "400: Bad Request", "code": 50109}) from error
