"""Answer a request from a built response: gzip when asked, 304 when the reader is current."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from functools import lru_cache

from aiohttp import web

from feeds.built import Built

_ENTITY_TAG = re.compile(r'\*|(?:W/)?("[^"]*")')


# Readers send a handful of distinct values: parse each once.
@lru_cache(maxsize=256)
def wants_gzip(accept_encoding: str | None) -> bool:
    """Return whether an Accept-Encoding value accepts gzip (RFC 9110 section 12.5.3)."""
    if not accept_encoding:
        return False
    star = None
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in {"gzip", "x-gzip"}:
            return quality > 0
        if coding == "*":
            star = quality > 0
    return bool(star)


def is_not_modified(built: Built, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Return whether the reader's copy is current.

    If-None-Match decides alone when present (RFC 9110 section 13.2.2); it compares weakly, and
    either variant's ETag names a current copy. Otherwise If-Modified-Since compares dates to the
    second; an unreadable date is ignored.
    """
    if if_none_match is not None:
        for match in _ENTITY_TAG.finditer(if_none_match):
            if match.group(0) == "*" or match.group(1) in built.etags:
                return True
        return False
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            return False
        return built.last_modified <= since
    return False


def respond(request: web.BaseRequest, built: Built) -> web.Response:
    """Return the response to a GET or HEAD from `built`."""
    headers = request.headers
    variant = built.gzipped if wants_gzip(headers.get("Accept-Encoding")) else built.identity
    if built.status != 200:
        return web.Response(status=built.status, body=variant.body, headers=variant.headers)
    if is_not_modified(built, headers.get("If-None-Match"), headers.get("If-Modified-Since")):
        return web.Response(status=304, headers=variant.not_modified_headers)
    return web.Response(body=variant.body, headers=variant.headers)
