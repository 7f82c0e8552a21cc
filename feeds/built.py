"""A response built once: body, gzip body, validators and headers, never changed afterwards."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime

from multidict import CIMultiDict, CIMultiDictProxy

HTML = "text/html; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a builder returns: the bytes and what they are."""

    body: bytes
    content_type: str
    updated: dt.datetime
    status: int = 200
    links: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of a built response, with the headers of its 200 and of its 304.

    The headers are built once, as the multidicts aiohttp copies from at C speed: a request
    reads them and never changes them.
    """

    body: bytes
    etag: str
    headers: CIMultiDictProxy[str]
    not_modified_headers: CIMultiDictProxy[str]


@dataclass(frozen=True, slots=True)
class Built:
    """A complete response, swapped in whole: a reader sees the old one or the new one."""

    status: int
    content_type: str
    last_modified: dt.datetime
    identity: Variant
    gzipped: Variant
    etags: frozenset[str] = field(default_factory=frozenset)

    @property
    def body(self) -> bytes:
        """Return the identity bytes."""
        return self.identity.body

    @property
    def etag(self) -> str:
        """Return the strong ETag of the identity bytes."""
        return self.identity.etag

    @classmethod
    def of(cls, rendered: Rendered, *, max_age: int, previous: Built | None = None) -> Built:
        """Return the response for `rendered`, keeping `previous`'s Last-Modified if equal."""
        body = rendered.body
        digest = hashlib.sha256(body).hexdigest()
        etag = f'"{digest}"'
        # A strong validator names exact bytes, so the gzip bytes get an ETag of their own.
        gzip_etag = f'"{digest}-gz"'
        last_modified = rendered.updated.astimezone(dt.UTC).replace(microsecond=0)
        if previous is not None:
            if previous.etag == etag:
                last_modified = previous.last_modified
            elif last_modified <= previous.last_modified:
                # The bytes changed without a newer date (a paper left a search, say): move on,
                # or If-Modified-Since would keep a reader on the old bytes.
                last_modified = previous.last_modified + dt.timedelta(seconds=1)
        common = {
            "Cache-Control": f"public, max-age={max_age}",
            "Last-Modified": format_datetime(last_modified, usegmt=True),
            "Vary": "Accept-Encoding",
        }
        if rendered.links:
            common["Link"] = ", ".join(f'<{href}>; rel="{rel}"' for rel, href in rendered.links)
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        return cls(
            status=rendered.status,
            content_type=rendered.content_type,
            last_modified=last_modified,
            identity=_variant(body, etag, rendered.content_type, common, None),
            gzipped=_variant(compressed, gzip_etag, rendered.content_type, common, "gzip"),
            etags=frozenset({etag, gzip_etag}),
        )


def _variant(
    body: bytes, etag: str, content_type: str, common: Mapping[str, str], encoding: str | None
) -> Variant:
    not_modified = {**common, "ETag": etag}
    headers = {**not_modified, "Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    # Set here so aiohttp need not measure the body per request; a HEAD answer keeps it too.
    headers["Content-Length"] = str(len(body))
    return Variant(
        body=body,
        etag=etag,
        headers=CIMultiDictProxy(CIMultiDict(headers)),
        not_modified_headers=CIMultiDictProxy(CIMultiDict(not_modified)),
    )
