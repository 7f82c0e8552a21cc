"""An aiohttp server on 127.0.0.1 serving source payloads, with the failures sources show."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

Mode = str  # "ok", "status", "slow", "truncated"


@dataclass
class Route:
    """What one path answers: a body with validators, or a failure."""

    body: bytes
    content_type: str = "application/xml"
    mode: Mode = "ok"
    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0
    last_modified: str | None = None

    @property
    def etag(self) -> str:
        """Return a strong ETag made from the body."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class Seen:
    """A request the fake answered."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    started: float
    finished: float


@dataclass
class FakeSources:
    """The fake: set routes, start, point sources at `url(path)`, read `seen`."""

    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    active: int = 0
    most_active: int = 0
    _server: TestServer | None = None

    def url(self, path: str) -> str:
        """Return the absolute URL of `path` on the fake."""
        assert self._server is not None
        return str(self._server.make_url(path))

    def serve(self, path: str, body: bytes | str, **options: object) -> Route:
        """Answer `path` with `body` (and options such as mode="slow")."""
        data = body.encode() if isinstance(body, str) else body
        route = Route(data, **options)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def hits(self, path: str) -> list[Seen]:
        """Return the requests made for `path`."""
        return [seen for seen in self.seen if seen.path == path]

    async def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            await self._server.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            return await self._answer(request)
        finally:
            self.active -= 1
            self.seen.append(
                Seen(
                    request.path,
                    dict(request.query),
                    dict(request.headers),
                    started,
                    loop.time(),
                )
            )

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="no such path")
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.mode == "status":
            headers = {"Retry-After": route.retry_after} if route.retry_after else {}
            return web.Response(status=route.status, text="failure", headers=headers)
        validators = {"ETag": route.etag}
        if route.last_modified:
            validators["Last-Modified"] = route.last_modified
        if request.headers.get("If-None-Match") == route.etag or (
            route.last_modified and request.headers.get("If-Modified-Since") == route.last_modified
        ):
            return web.Response(status=304, headers=validators)
        if route.mode == "truncated":
            response = web.StreamResponse(headers=validators)
            response.content_type = route.content_type
            response.content_length = len(route.body) + 1000
            await response.prepare(request)
            await response.write(route.body[: len(route.body) // 2])
            assert request.transport is not None
            request.transport.close()
            return response
        return web.Response(body=route.body, content_type=route.content_type, headers=validators)
