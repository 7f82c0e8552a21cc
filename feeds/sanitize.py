"""Make text and HTML safe to publish: XML-legal, and HTML without anything that runs."""

from __future__ import annotations

import re

import nh3

# XML 1.0 allows tab, newline and carriage return below 0x20; lxml refuses the rest, and so do
# feed validators. Surrogates and the two non-characters are illegal too.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "caption",
        "code",
        "em",
        "h2",
        "h3",
        "li",
        "ol",
        "p",
        "small",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def xml_safe(text: str) -> str:
    """Return `text` without the characters XML 1.0 forbids."""
    return _XML_ILLEGAL.sub("", text)


def clean_html(html: str) -> str:
    """Return `html` with only a small safe set of tags, links to http(s) and mailto only."""
    return nh3.clean(
        xml_safe(html),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
