"""The one way sources are fetched: timeouts, conditional GET and a per-host limit."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp

USER_AGENT = "inference-report/0.1 (+https://github.com/inference-report)"
MAX_BODY_BYTES = 32 * 1024 * 1024


class FetchError(Exception):
    """A fetch that gave no usable answer; the message says why, for the source's health."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """How a host (or a group of hosts) may be asked: connections at once, time between starts."""

    connections: int = 2
    min_interval: float = 0.0


@dataclass(frozen=True, slots=True)
class Validators:
    """What a previous answer said to send back so an unchanged resource costs a 304."""

    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def headers_for(self, url: str) -> dict[str, str]:
        """Return the conditional headers for `url`: only when these came from that URL."""
        if self.url != url:
            return {}
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class HttpResult:
    """A 200 with its body, or a 304 (`not_modified`, no body)."""

    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """Return whether the server said the resource is unchanged."""
        return self.status == 304

    def validators(self) -> Validators:
        """Return what to send back next time."""
        return Validators(self.url, self.etag, self.last_modified)


@dataclass
class _Gate:
    connections: asyncio.Semaphore
    min_interval: float
    spacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float | None = None


class HostLimiter:
    """Keep each group of hosts within its policy; unknown groups get the default policy."""

    def __init__(
        self, policies: Mapping[str, HostPolicy] | None = None, default: HostPolicy | None = None
    ) -> None:
        self._policies = dict(policies or {})
        self._default = default or HostPolicy()
        self._gates: dict[str, _Gate] = {}

    def _gate(self, group: str) -> _Gate:
        gate = self._gates.get(group)
        if gate is None:
            policy = self._policies.get(group, self._default)
            gate = _Gate(asyncio.Semaphore(policy.connections), policy.min_interval)
            self._gates[group] = gate
        return gate

    async def acquire(self, group: str) -> _Gate:
        """Wait for a connection slot of `group` and for its spacing; return the gate held."""
        gate = self._gate(group)
        await gate.connections.acquire()
        try:
            async with gate.spacing:
                loop = asyncio.get_running_loop()
                if gate.last_start is not None:
                    wait = gate.last_start + gate.min_interval - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                gate.last_start = loop.time()
        except BaseException:
            gate.connections.release()
            raise
        return gate


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Return the seconds a Retry-After header asks to wait (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


class HttpClient:
    """An aiohttp client session with a timeout per request and a limiter per host group."""

    def __init__(
        self,
        *,
        timeout: float,
        limiter: HostLimiter | None = None,
        user_agent: str = USER_AGENT,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.timeout = timeout
        self.limiter = limiter or HostLimiter()
        self.max_body_bytes = max_body_bytes
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": self._user_agent},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    async def close(self) -> None:
        """Close the connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self,
        url: str,
        *,
        group: str,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
    ) -> HttpResult:
        """Fetch `url`, conditionally when validators from it are known; raise FetchError."""
        sent = dict(headers or {})
        if validators is not None:
            sent.update(validators.headers_for(url))
        gate = await self.limiter.acquire(group)
        try:
            return await self._get(url, sent)
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except aiohttp.ClientPayloadError as error:
            raise FetchError(f"truncated response: {error}") from None
        except aiohttp.ClientError as error:
            raise FetchError(f"connection failed: {error}") from None
        finally:
            gate.connections.release()

    async def _get(self, url: str, headers: dict[str, str]) -> HttpResult:
        async with self._client().get(url, headers=headers, allow_redirects=True) as response:
            if response.status == 304:
                return HttpResult(
                    url,
                    304,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
            if response.status != 200:
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), now=dt.datetime.now(dt.UTC)
                )
                reason = response.reason or ""
                message = f"HTTP {response.status} {reason}".rstrip()
                if retry_after is not None:
                    message += f" (retry after {retry_after:g} s)"
                raise FetchError(message, retry_after=retry_after)
            body = await self._read(response)
            return HttpResult(
                url,
                200,
                body,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.max_body_bytes:
                raise FetchError(f"response larger than {self.max_body_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
