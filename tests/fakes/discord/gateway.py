"""The fake gateway: Discord's websocket protocol in JSON, plain or zlib-stream compressed.

HELLO (op 10) opens; the client heartbeats (op 1, answered by op 11) and IDENTIFYs (op 2), and is
sent READY then GUILD_CREATE; events (op 0) carry a sequence number; RECONNECT (op 7) asks it to
come back and RESUME (op 6), which replays the events it missed, then RESUMED.
"""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Session:
    """A gateway session: its events so far, and the socket it is on (None while away)."""

    id: str
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None
    send: Send | None = None


class Gateway:
    """One fake gateway endpoint, for one bot token."""

    def __init__(
        self,
        *,
        token: str,
        heartbeat_interval_ms: int,
        on_identify: Callable[[Session], Awaitable[None]],
        on_change: Callable[[], Awaitable[None]],
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeats = 0
        self.ack_heartbeats = True
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.live: Session | None = None
        self._on_identify = on_identify
        self._on_change = on_change
        self._sessions: dict[str, Session] = {}
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def connected(self) -> bool:
        """Return whether a client is identified and connected now."""
        return self.live is not None and self.live.socket is not None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event (op 0) with the next sequence number; kept for a RESUME to replay."""
        session = self.live
        if session is None:
            return  # nobody has identified: nobody to tell
        session.seq += 1
        message = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.events.append(message)
        if session.send is not None:
            await session.send(message)
        await self._on_change()

    async def request_reconnect(self) -> None:
        """Send RECONNECT (op 7), as Discord does before it moves a session to another node."""
        if self.live is not None and self.live.send is not None:
            await self.live.send({"op": 7, "s": None, "t": None, "d": None})

    async def close(self) -> None:
        """Close every connection."""
        for socket in list(self._sockets):
            await socket.close()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one websocket connection."""
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        self._sockets.add(socket)
        try:
            await self._serve(request, socket)
        finally:
            self._sockets.discard(socket)
            await self._on_change()
        return socket

    async def _serve(self, request: web.Request, socket: web.WebSocketResponse) -> None:
        if request.query.get("encoding", "json") != "json":
            await socket.close(code=4002, message=b"Decode error")
            return
        send = sender(socket, request.query.get("compress"))
        if send is None:
            await socket.close(code=4000, message=b"Unsupported compression")
            return
        hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
        await send({"op": 10, "s": None, "t": None, "d": hello})
        session: Session | None = None
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                if frame.type == WSMsgType.BINARY:
                    await socket.close(code=4002, message=b"Decode error")
                break
            payload = json.loads(frame.data)
            op, data = payload.get("op"), payload.get("d")
            if op == 1:
                self.heartbeats += 1
                if self.ack_heartbeats:
                    await send({"op": 11, "s": None, "t": None, "d": None})
                await self._on_change()
                continue
            if op in (2, 6) and session is not None:
                await socket.close(code=4005, message=b"Already authenticated")
                break
            if op == 2:
                session = await self._identify(data or {}, socket, send)
            elif op == 6:
                session = await self._resume(data or {}, socket, send)
            elif op in (3, 4, 8) and session is not None:
                continue  # presence, voice and member requests: nothing to do here
            else:
                code, reason = (4003, b"Not authenticated") if op in (3, 4, 8) else (4001, b"")
                await socket.close(code=code, message=reason or b"Unknown opcode")
                break
            if session is None:
                break
        if session is not None and session.socket is socket:
            session.socket = session.send = None

    async def _identify(
        self, data: dict[str, Any], socket: web.WebSocketResponse, send: Send
    ) -> Session | None:
        if data.get("token") != self.token:
            await socket.close(code=4004, message=b"Authentication failed")
            return None
        if not isinstance(data.get("intents"), int):
            await socket.close(code=4013, message=b"Invalid intent(s)")
            return None
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        session = Session(id=secrets.token_hex(16), socket=socket, send=send)
        self._sessions[session.id] = session
        self.live = session
        await self._on_identify(session)
        return session

    async def _resume(
        self, data: dict[str, Any], socket: web.WebSocketResponse, send: Send
    ) -> Session | None:
        self.resumes.append({k: v for k, v in data.items() if k != "token"})
        if data.get("token") != self.token:
            await socket.close(code=4004, message=b"Authentication failed")
            return None
        session = self._sessions.get(str(data.get("session_id")))
        if session is None:
            await send({"op": 9, "s": None, "t": None, "d": False})
            return None
        session.socket, session.send = socket, send
        self.live = session
        seq = int(data.get("seq") or 0)
        for event in session.events:
            if event["s"] > seq:
                await send(event)
        await self.dispatch("RESUMED", {"_trace": ["fake-gateway"]})
        return session


def sender(socket: web.WebSocketResponse, compress: str | None) -> Send | None:
    """Return how payloads go out: JSON text, or a zlib (or zstd) transport stream."""
    if not compress:

        async def send_text(payload: dict[str, Any]) -> None:
            await socket.send_str(json.dumps(payload))

        return send_text
    if compress == "zlib-stream":
        # One deflate stream per connection; each payload ends with a sync flush (00 00 ff ff).
        stream = zlib.compressobj()

        async def send_zlib(payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            await socket.send_bytes(stream.compress(data) + stream.flush(zlib.Z_SYNC_FLUSH))

        return send_zlib
    if compress == "zstd-stream":
        # discord.py asks for zstd when the zstandard package is installed.
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            return None
        zstd = zstandard.ZstdCompressor().compressobj()

        async def send_zstd(payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            block = zstd.compress(data) + zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            await socket.send_bytes(block)

        return send_zstd
    return None
