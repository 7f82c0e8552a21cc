"""Render a reply as Discord message payloads: embeds, components, no mentions, within limits.

Each payload is a dict exactly as Discord's REST API takes it (an interaction response's `data`,
a followup, or a channel message). Text that comes from data is escaped so it neither formats nor
pings; every payload also carries `allowed_mentions: {"parse": []}`. Long answers are split
into several messages at word, line or row boundaries, never inside a word, a link or a code
block (a table split in two closes its code block and reopens it with the header repeated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any
from urllib.parse import quote, urlsplit

from discord.utils import escape_markdown

from core.commands.reply import (
    Action,
    Fields,
    Heading,
    Item,
    ItemList,
    Paragraph,
    Reply,
    Span,
    Table,
)

# Discord's limits (https://discord.com/developers/docs/resources/message).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80

EPHEMERAL = 1 << 6
COLOUR = 0x3B5BDB
ELLIPSIS = "…"
ZWSP = "\u200b"

# A mention that would ping (or render as one): @everyone, @here, <@id>, <@!id>, <@&id>, <#id>.
# discord.utils.escape_mentions only knows 17-20 digit ids and no channels, hence our own pattern.
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)
_TAGGED = re.compile(r"<(?=(?:@[!&]?|#)\d+>)")
_WHITESPACE = re.compile(r"(\s+)")
_URL = re.compile(r"(https?://[^\s<]+[^\s<.,:;\"')\]])")
_MARKERS = frozenset("*_~|`[]")
# Text with none of these (markdown markers, a quote, heading or list at a line's start, a link's
# brackets, a mention) shows as itself already: escaping it would change nothing.
_RISKY = re.compile(r"[\\*_~|`\[\]@<]|^\s*[>#-]", re.MULTILINE)
# What a URL keeps as is inside a masked link `[text](url)`; anything else is percent-encoded.
_URL_SAFE = "!#$%&'*+,/:;=?@~-._"
# Longer addresses are not links but garbage; their text is shown without them.
MAX_URL = 1000
# Bold phrases up to this long are kept whole; longer ones are bolded word by word.
MAX_BOLD_PHRASE = 200


def render_discord(reply: Reply) -> list[dict[str, Any]]:
    """Return the message payloads that carry `reply`, in the order they are sent."""
    payloads = _embed_messages(reply) if reply.blocks else _content_messages(reply)
    rows = _action_rows(reply.actions)
    for start in range(0, len(rows), MAX_ACTION_ROWS):
        if start == 0:
            payloads[-1]["components"] = rows[:MAX_ACTION_ROWS]
        else:
            payloads.append({"components": rows[start : start + MAX_ACTION_ROWS]})
    flags = EPHEMERAL if reply.ephemeral else 0
    for payload in payloads:
        payload["allowed_mentions"] = {"parse": []}
        if flags:
            payload["flags"] = flags
    return payloads


def measure(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, never less than Discord counts."""
    # An ASCII string knows it is one without a scan: its length is its UTF-16 length.
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def inert(text: str) -> str:
    """Return `text` with every mention broken by a zero-width space, so it cannot ping."""
    if "@" not in text and "<" not in text:
        return text
    return _TAGGED.sub("<" + ZWSP, _BROADCAST.sub("@" + ZWSP + r"\1", text))


def escape(text: str) -> str:
    """Return data text that shows as itself: markdown escaped and mentions inert."""
    if _RISKY.search(text) is None:
        return text
    parts = _URL.split(escape_markdown(text))
    # escape_markdown escapes a marker only when its partner follows in the same string; text is
    # split into words and spans afterwards, so every marker outside a bare URL is escaped here.
    return inert("".join(p if i % 2 else _escape_markers(p) for i, p in enumerate(parts)))


def _escape_markers(text: str) -> str:
    out: list[str] = []
    backslashes = 0
    for char in text:
        if char in _MARKERS and backslashes % 2 == 0:
            out.append("\\")
        out.append(char)
        backslashes = backslashes + 1 if char == "\\" else 0
    return "".join(out)


# --- words: the unbreakable units text is split between ---------------------------------------


@dataclass(slots=True)
class _Words:
    """Rendered words, each with the glue before it: a space, a line break or a blank line."""

    items: list[tuple[str, str]] = field(default_factory=list)
    _open: list[str] = field(default_factory=list)
    _glue: str = ""
    _pending: str = ""

    def add(self, fragment: str) -> None:
        """Append to the current word."""
        if not self._open:
            self._glue, self._pending = self._pending, ""
        self._open.append(fragment)

    def gap(self, whitespace: str) -> None:
        """End the current word; the strongest break asked for comes before the next one."""
        if self._open:
            self.items.append((self._glue, "".join(self._open)))
            self._open = []
        glue = _glue(whitespace)
        if len(glue) > len(self._pending) or (glue == " " and not self._pending):
            self._pending = glue

    def text(self, text: str, *, strong: bool = False) -> None:
        """Add text whose whitespace separates words, each bold on its own if `strong`."""
        # What add and gap would do word by word, without a call per word: abstracts are long.
        parts = _WHITESPACE.split(text)
        if strong:
            parts[::2] = [f"**{part}**" if part else "" for part in parts[::2]]
        last = len(parts) - 1
        if parts[0]:
            self.add(parts[0])
        if not last:
            return
        self.gap(parts[1])
        pending, items = self._pending, self.items
        # The words between two runs of whitespace: never empty, each closed by the next gap.
        for index in range(2, last, 2):
            items.append((pending, parts[index]))
            space = parts[index + 1]
            pending = " " if space == " " else _glue(space)
        self._pending = pending
        if parts[last]:
            self.add(parts[last])

    def done(self) -> list[tuple[str, str]]:
        """Return every word."""
        self.gap("")
        return self.items


def _glue(whitespace: str) -> str:
    """Return the break whitespace asks for: a blank line at most, a space, or nothing."""
    breaks = min(whitespace.count("\n"), 2)
    return "\n" * breaks if breaks else (" " if whitespace else "")


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Join neighbouring spans of the same style, so bold never opens twice in a word."""
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last and last.url is None and span.url is None and last.strong == span.strong:
            merged[-1] = Span(last.text + span.text, strong=span.strong)
        else:
            merged.append(span)
    return merged


def _span_words(spans: Iterable[Span], words: _Words | None = None) -> _Words:
    words = words if words is not None else _Words()
    for span in _merge(spans):
        url = _safe_url(span.url)
        if url is not None:
            link = _link(span.text, url)
            words.add(f"**{link}**" if span.strong else link)
            continue
        text = escape(span.text)
        if span.strong and measure(text) <= MAX_BOLD_PHRASE and text.strip():
            # A short bold phrase stays whole, so its markers open and close once.
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            if lead:
                words.gap(lead)
            words.add("**" + " ".join(text.split()) + "**")
            if trail:
                words.gap(trail)
            continue
        words.text(text, strong=span.strong)
    return words


def _link(text: str, url: str) -> str:
    """Return a masked link whose text can close neither the brackets nor the link."""
    label = " ".join(escape(text).split()) or url
    return f"[{label}]({url})"


def _safe_url(url: str | None) -> str | None:
    """Return an http(s) URL that cannot end a masked link early, or None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    # Brackets, parentheses, spaces and angle brackets are percent-encoded; the rest is kept.
    safe = quote(url.strip(), safe=_URL_SAFE)
    return safe if measure(safe) <= MAX_URL else None


def _pack(words: Sequence[tuple[str, str]], limit: int) -> list[str]:
    """Join words into chunks of at most `limit`, breaking only between words."""
    if words:
        # Most text fits whole: one join and one measure instead of one a word.
        whole = "".join(chain.from_iterable(words))[len(words[0][0]) :]
        if measure(whole) <= limit:
            return [whole]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for glue, word in words:
        length = measure(word)
        if current and size + len(glue) + length <= limit:
            current += (glue, word)
            size += len(glue) + length
            continue
        if current:
            chunks.append("".join(current))
        if length <= limit:
            current, size = [word], length
            continue
        # A single "word" longer than a whole message is not a word; only here is text cut.
        pieces = _hard_split(word, limit)
        chunks.extend(pieces[:-1])
        current, size = [pieces[-1]], measure(pieces[-1])
    if current:
        chunks.append("".join(current))
    return chunks


def _hard_split(word: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if measure(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def shorten(text: str, limit: int) -> str:
    """Return text shortened between words to at most `limit`, marked with an ellipsis."""
    if measure(text) <= limit:
        return text
    chunks = _pack([(" ", word) for word in text.split()], limit - 1)
    return (chunks[0] if chunks else "") + ELLIPSIS


# --- blocks -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Unit:
    """A piece of description text that is never split; a heading keeps with what follows."""

    text: str
    keep_with_next: bool = False


def _units(block: Paragraph | Table | ItemList | Heading, limit: int) -> list[_Unit]:
    """Return a block's text in pieces of at most `limit`, each whole on its own."""
    if isinstance(block, Paragraph):
        return [_Unit(text) for text in _pack(_span_words(block.spans).done(), limit)]
    if isinstance(block, Table):
        return [_Unit(text) for text in _table(block, limit)]
    if isinstance(block, ItemList):
        units: list[_Unit] = []
        for number, item in enumerate(block.items, 1):
            units.extend(_Unit(text) for text in _pack(_item_words(number, item), limit))
        return units
    words = _span_words((Span(block.text, strong=True),)).done()
    return [_Unit(text, keep_with_next=True) for text in _pack(words, limit)]


def _item_words(number: int, item: Item) -> list[tuple[str, str]]:
    words = _Words()
    url = _safe_url(item.url)
    title = " ".join(item.title.split())
    head = f"**{number}\\. {_link(title, url)}**" if url is not None else ""
    if head and measure(head) <= MAX_DESCRIPTION // 2:
        words.add(head)
        url = None
    elif url is None and measure(escape(title)) <= MAX_BOLD_PHRASE:
        # A short title without a link stays one bold phrase, its markers opened and closed once.
        words.add(f"**{number}\\. {escape(title)}**")
    else:
        # No link, or a title too long to keep whole as one: its words, the address below.
        words.add(f"**{number}\\.**")
        for word in escape(title).split():
            words.gap(" ")
            words.add(f"**{word}**")
    if item.meta:
        words.gap(" ")
        words.add("·")
        words.gap(" ")
        _span_words((Span(item.meta),), words)
    if item.body:
        words.gap("\n")
        _span_words(item.body, words)
    if url is not None:
        words.gap("\n")
        words.add(url)
    return words.done()


def _table(table: Table, limit: int) -> list[str]:
    """Return the table as monospace code blocks, split between rows, header on each."""
    columns = [_cell(c) for c in table.columns]
    rows = [[_cell(c) for c in row] for row in table.rows]
    every = [columns, *rows]
    widths = [max(len(row[i]) for row in every) for i in range(len(columns))]
    numeric = tuple(table.numeric) + (False,) * (len(columns) - len(table.numeric))
    pads = [str.rjust if right else str.ljust for right in numeric[: len(columns)]]

    def line(cells: Sequence[str]) -> str:
        padded = [pad(cell, width) for pad, cell, width in zip(pads, cells, widths, strict=False)]
        return "  ".join(padded).rstrip()

    fence_open, fence_close = "```\n", "\n```"
    room = limit - measure(fence_open) - measure(fence_close)
    header = shorten(line(columns), room // 2)
    lines = [shorten(line(row), room - measure(header) - 1) for row in rows]
    blocks: list[str] = []
    current = [header]
    # UTF-16 lengths add up, so the block's size is kept as a sum rather than measured again.
    size = header_size = measure(header)
    for text in lines:
        text_size = measure(text)
        if len(current) > 1 and size + 1 + text_size > room:
            blocks.append(fence_open + "\n".join(current) + fence_close)
            current, size = [header], header_size
        current.append(text)
        size += 1 + text_size
    blocks.append(fence_open + "\n".join(current) + fence_close)
    return blocks


def _cell(text: str) -> str:
    # In a code block only a backtick can do harm (it closes the block); the modifier letter
    # grave looks the same. Mentions in code blocks never render, but are made inert all the same.
    return inert(" ".join(text.split()).replace("`", "ˋ"))


def _fields(block: Fields, room: int) -> list[dict[str, Any]]:
    """Return embed fields for named values; a long value continues in fields without a name."""
    found: list[dict[str, Any]] = []
    for name, value in block.pairs:
        label = shorten(" ".join(escape(name).split()), MAX_FIELD_NAME) or ZWSP
        words = _span_words((Span(value),)).done()
        limit = min(MAX_FIELD_VALUE, room - measure(label))
        for index, text in enumerate(_pack(words, limit) or ["—"]):
            found.append({"name": label if index == 0 else ZWSP, "value": text, "inline": False})
    return found


# --- messages -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Embed:
    """An embed being filled: description text, then fields."""

    description: str = ""
    fields: list[dict[str, Any]] = field(default_factory=list)

    def size(self) -> int:
        return measure(self.description) + sum(
            measure(f["name"]) + measure(f["value"]) for f in self.fields
        )


def _embed_messages(reply: Reply) -> list[dict[str, Any]]:
    whole_title = " ".join(escape(reply.title).split())
    title = shorten(whole_title, MAX_TITLE)
    footer = shorten(" ".join(inert(reply.footer).split()), MAX_FOOTER) if reply.footer else ""
    url = _safe_url(reply.url)
    # Any embed's text and fields, with the title and the footer, must fit a message's 6000.
    room = MAX_EMBED_TOTAL - measure(title) - measure(footer)
    text_room = min(MAX_DESCRIPTION, room)

    embeds: list[_Embed] = []
    units: list[_Unit] = []
    if title != whole_title:
        # The whole title is kept: in bold at the head of the text.
        units.extend(_units(Heading(reply.title), text_room))
        units[-1].keep_with_next = False
    for block in (*reply.blocks, *_suggestions(reply)):
        if isinstance(block, Fields):
            # Fields show below an embed's text: the text so far closes an embed, they follow.
            embeds.extend(_Embed(text) for text in _join(units, text_room))
            units = []
            _add_fields(embeds, _fields(block, room), room)
        elif isinstance(block, Paragraph | Table | ItemList | Heading):
            units.extend(_units(block, text_room))
        else:
            raise TypeError(f"the Discord renderer cannot show a {type(block).__name__} block")
    embeds.extend(_Embed(text) for text in _join(units, text_room))

    messages: list[list[dict[str, Any]]] = [[]]
    used = 0
    for index, draft in enumerate(embeds or [_Embed()]):
        embed: dict[str, Any] = {}
        if index == 0:
            embed["title"] = title
            if url is not None:
                embed["url"] = url
        if draft.description:
            embed["description"] = draft.description
        if draft.fields:
            embed["fields"] = draft.fields
        embed["color"] = COLOUR
        size = measure(embed.get("title", "")) + draft.size()
        # Room for the footer is kept in every message: any of them may turn out to be the last.
        if messages[-1] and (
            used + size + measure(footer) > MAX_EMBED_TOTAL or len(messages[-1]) == MAX_EMBEDS
        ):
            messages.append([])
            used = 0
        messages[-1].append(embed)
        used += size
    if footer:
        messages[-1][-1]["footer"] = {"text": footer}
    return [{"embeds": embeds} for embeds in messages]


def _suggestions(reply: Reply) -> tuple[Paragraph, ...]:
    if not reply.suggestions:
        return ()
    return (Paragraph.of("Suggestions: " + ", ".join(reply.suggestions)),)


def _add_fields(embeds: list[_Embed], fields: list[dict[str, Any]], room: int) -> None:
    """Put fields under the last embed, opening more past 25 fields or the size allowed."""
    if not embeds:
        embeds.append(_Embed())
    for item in fields:
        target = embeds[-1]
        size = measure(item["name"]) + measure(item["value"])
        if len(target.fields) == MAX_FIELDS or target.size() + size > room:
            target = _Embed()
            embeds.append(target)
        target.fields.append(item)


def _join(units: Sequence[_Unit], limit: int) -> list[str]:
    """Join units with blank lines into texts of at most `limit`; a heading moves with its text."""
    chunks: list[list[_Unit]] = []
    for unit in units:
        current = chunks[-1] if chunks else None
        if current is not None and measure(_text(current)) + 2 + measure(unit.text) <= limit:
            current.append(unit)
            continue
        moved: list[_Unit] = []
        while current is not None and len(current) > 1 and current[-1].keep_with_next:
            moved.insert(0, current.pop())
        fresh = [*moved, unit]
        if current is not None and moved and measure(_text(fresh)) > limit:
            current.extend(moved)
            fresh = [unit]
        chunks.append(fresh)
    return [_text(chunk) for chunk in chunks]


def _text(units: Sequence[_Unit]) -> str:
    return "\n\n".join(unit.text for unit in units)


def _content_messages(reply: Reply) -> list[dict[str, Any]]:
    words = _span_words((Span(reply.title),))
    if reply.suggestions:
        words.gap("\n")
        _span_words((Span("Suggestions: " + ", ".join(reply.suggestions)),), words)
    if reply.footer:
        words.gap("\n")
        _span_words((Span(reply.footer),), words)
    found = words.done()
    url = _safe_url(reply.url)
    if url is not None:
        # Angle brackets keep Discord from unfurling a preview under a short answer.
        found.append(("\n", f"<{url}>"))
    return [{"content": chunk} for chunk in _pack(found, MAX_CONTENT)] or [{"content": ELLIPSIS}]


def _action_rows(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """Return rows of buttons (5 a row) whose custom id is the command line they run."""
    buttons: list[dict[str, Any]] = []
    seen: set[str] = set()
    for action in actions:
        label = shorten(" ".join(action.label.split()), MAX_BUTTON_LABEL)
        # Discord refuses an id over 100 characters or used twice in a message.
        if not label or measure(action.id) > MAX_CUSTOM_ID or action.id in seen:
            continue
        seen.add(action.id)
        buttons.append({"type": 2, "style": 2, "label": label, "custom_id": action.id})
    return [
        {"type": 1, "components": buttons[start : start + MAX_BUTTONS_PER_ROW]}
        for start in range(0, len(buttons), MAX_BUTTONS_PER_ROW)
    ]
