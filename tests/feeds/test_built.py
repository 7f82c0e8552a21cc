"""A built response: validators from the bytes, a Last-Modified that only moves forward."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib

from feeds.built import Built, Rendered

MOMENT = dt.datetime(2026, 11, 20, 8, 30, 15, 123456, tzinfo=dt.UTC)


def test_validators_come_from_the_bytes() -> None:
    built = Built.of(Rendered(b"<feed/>", "application/atom+xml", MOMENT), max_age=60)
    digest = hashlib.sha256(b"<feed/>").hexdigest()
    assert built.etag == f'"{digest}"'
    assert built.gzipped.etag == f'"{digest}-gz"'
    assert gzip.decompress(built.gzipped.body) == b"<feed/>"
    assert built.last_modified == MOMENT.replace(microsecond=0)
    assert built.identity.headers["Last-Modified"] == "Fri, 20 Nov 2026 08:30:15 GMT"
    again = Built.of(Rendered(b"<feed/>", "application/atom+xml", MOMENT), max_age=60)
    assert again.gzipped.body == built.gzipped.body, "gzip bytes are the same on every build"


def test_last_modified_holds_for_equal_bytes_and_moves_on_for_new_ones() -> None:
    first = Built.of(Rendered(b"one", "text/html", MOMENT), max_age=60)
    later = MOMENT + dt.timedelta(hours=1)
    same = Built.of(Rendered(b"one", "text/html", later), max_age=60, previous=first)
    assert same.last_modified == first.last_modified
    # New bytes with no newer date (an entry left a search): a reader's If-Modified-Since must
    # not keep the old bytes.
    changed = Built.of(Rendered(b"two", "text/html", MOMENT), max_age=60, previous=first)
    assert changed.last_modified > first.last_modified


def test_each_variant_states_its_own_length_and_a_304_none() -> None:
    built = Built.of(
        Rendered(b"<feed>" * 100 + b"</feed>", "application/atom+xml", MOMENT), max_age=60
    )
    for variant in (built.identity, built.gzipped):
        assert variant.headers["Content-Length"] == str(len(variant.body))
        assert "Content-Length" not in variant.not_modified_headers
    assert built.gzipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in built.identity.headers
