"""Render a reply as Slack Block Kit messages: escaped mrkdwn, inert mentions, within limits.

Each message is a dict as chat.postMessage and a response_url take it: `{"text", "blocks"}`,
the text being the notification fallback. Every piece of text that comes from data has `&`, `<`
and `>` escaped (Slack's control characters), so data can never make `<!channel>`, `<@U…>`,
`<#C…>` or a link; every mrkdwn text object is `verbatim`, so Slack does not turn bare URLs,
`#channel` or `@here` into links or mentions either. Links are made only from a reply's own
URLs. Long answers are split into several messages between words, items or table rows, never
inside a word, a link or a code block (a table split in two repeats its header).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any
from urllib.parse import quote, urlsplit

from core.commands.reply import (
    Action,
    Block,
    Fields,
    Heading,
    Item,
    ItemList,
    Paragraph,
    Reply,
    Span,
    Table,
)

# Slack's limits (docs.slack.dev/reference/block-kit/blocks; slack_sdk models/blocks).
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
# Slack refuses a message whose blocks hold about 13,200 characters in all (msg_blocks_too_long);
# no exact figure is published, so messages are kept to 12,000.
MAX_MESSAGE_CHARS = 12_000
# The notification text is a summary: the title, shortened.
MAX_FALLBACK = 300

ELLIPSIS = "…"
ZWSP = "\u200b"
# Longer addresses are not links but garbage; longer labels are shortened.
MAX_URL = 1000
MAX_LABEL = 300
LINK_LABEL = "Open the page"
# Bold words in a row are joined into one bold phrase up to this long.
MAX_BOLD = 200

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_CONTROL = re.compile("[&<>]")
# Text with none of these shows as itself already: escaping it would change nothing.
_RISKY = re.compile("[&<>`@]")
# An escaped text's unbreakable pieces: an entity, or one character.
_TOKEN = re.compile(r"&(?:amp|lt|gt);|.", re.DOTALL)
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WHITESPACE = re.compile(r"(\s+)")
# What a URL keeps as is inside `<url|label>`; `|`, `<`, `>` and spaces are percent-encoded.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def escape(text: str) -> str:
    """Return data text that shows as itself: `&`, `<`, `>` as entities, broadcasts broken.

    Escaping `<` is what keeps `<!channel>` or `<@U1>` from pinging; a zero-width space after
    the `@` of a bare `@channel`, `@here` or `@everyone` is for clients that parse those too.
    mrkdwn has no escape for a backtick, which would open code around the rest of the text;
    the modifier letter grave looks the same.
    """
    if _RISKY.search(text) is None:
        return text
    escaped = _CONTROL.sub(lambda match: _ESCAPES[match.group()], text).replace("`", "ˋ")
    return _BROADCAST.sub("@" + ZWSP + r"\1", escaped)


def measure(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, never less than Slack counts."""
    # An ASCII string knows it is one without a scan: its length is its UTF-16 length.
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def mrkdwn(text: str) -> dict[str, Any]:
    """Return a mrkdwn text object Slack shows as written: no automatic links or mentions."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str) -> dict[str, Any]:
    """Return a plain_text object."""
    return {"type": "plain_text", "text": text, "emoji": True}


def safe_url(url: str | None) -> str | None:
    """Return an http(s) URL that cannot end `<url|label>` early, or None."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    safe = quote(url, safe=_URL_SAFE).replace("&", "&amp;")
    return safe if measure(safe) <= MAX_URL else None


def link(url: str, label: str) -> str:
    """Return `<url|label>` for a URL from `safe_url`, the label escaped and on one line."""
    text = shorten(" ".join(label.split()), MAX_LABEL) or url
    return f"<{url}|{escape(text)}>"


def shorten(text: str, limit: int) -> str:
    """Return text shortened between words to at most `limit`, marked with an ellipsis."""
    if measure(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for word in text.split():
        extra = measure(word) + (1 if kept else 0)
        if size + extra > limit - 1:
            break
        kept.append(word)
        size += extra
    if not kept:
        # One word longer than the limit: only here is a word cut.
        return _cut(text, limit - 1) + ELLIPSIS
    return " ".join(kept) + ELLIPSIS


def _cut(text: str, limit: int) -> str:
    out: list[str] = []
    size = 0
    for char in text:
        size += measure(char)
        if size > limit:
            break
        out.append(char)
    return "".join(out)


def _shorten_escaped(text: str, limit: int) -> str:
    """Return data text escaped and shortened to at most `limit` once escaped."""
    escaped = escape(text)
    if measure(escaped) <= limit:
        return escaped
    words = text.split()
    kept: list[str] = []
    size = 0
    for word in words:
        piece = escape(word)
        extra = measure(piece) + (1 if kept else 0)
        if size + extra > limit - 1:
            break
        kept.append(piece)
        size += extra
    if kept:
        return " ".join(kept) + ELLIPSIS
    return "".join(_fit_tokens(escaped, limit - 1)) + ELLIPSIS


def _fit_tokens(escaped: str, limit: int) -> list[str]:
    out: list[str] = []
    size = 0
    for token in _TOKEN.findall(escaped):
        size += measure(token)
        if size > limit:
            break
        out.append(token)
    return out


def fallback(text: str, limit: int = MAX_FALLBACK) -> str:
    """Return a notification text: escaped, broadcasts broken, shortened."""
    return _shorten_escaped(" ".join(text.split()), limit) or ELLIPSIS


# --- words: the unbreakable units text is split between ---------------------------------------


@dataclass(slots=True)
class _Words:
    """Rendered words, each with the glue before it: a space, a line break or a blank line."""

    items: list[tuple[str, str]] = field(default_factory=list)
    _open: list[tuple[str, bool]] = field(default_factory=list)
    _glue: str = ""
    _pending: str = ""
    _last_bold: bool = False

    def add(self, fragment: str, *, strong: bool = False) -> None:
        """Append escaped text to the current word; a word with a strong part is all bold."""
        if not self._open:
            self._glue, self._pending = self._pending, ""
        self._open.append((fragment, strong))

    def gap(self, whitespace: str) -> None:
        """End the current word; the strongest break asked for comes before the next one."""
        if self._open:
            text = "".join(part for part, _ in self._open)
            # Slack bolds `*word*` only at word boundaries: a word partly matched is bold whole.
            bold = any(strong for _, strong in self._open) and bool(text)
            last = self.items[-1][1] if self.items else ""
            if bold and self._last_bold and self._glue == " " and len(last) + len(text) < MAX_BOLD:
                # Bold words in a row make one bold phrase, up to a length that splits easily.
                self.items[-1] = (self.items[-1][0], f"{last[:-1]} {text}*")
            else:
                self.items.append((self._glue, f"*{text}*" if bold else text))
            self._last_bold = bold
            self._open = []
        breaks = min(whitespace.count("\n"), 2)
        glue = "\n" * breaks if breaks else (" " if whitespace else "")
        if len(glue) > len(self._pending) or (glue == " " and not self._pending):
            self._pending = glue

    def done(self) -> list[tuple[str, str]]:
        """Return every word."""
        self.gap("")
        return self.items


def _span_words(spans: Iterable[Span], words: _Words | None = None) -> _Words:
    words = words if words is not None else _Words()
    for span in spans:
        if not span.text:
            continue
        url = safe_url(span.url)
        if url is not None:
            words.add(link(url, span.text), strong=span.strong)
            continue
        for part in _WHITESPACE.split(span.text):
            if not part:
                continue
            if part.isspace():
                words.gap(part)
            else:
                words.add(escape(part), strong=span.strong)
    return words


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
        # A single "word" longer than a whole section is not a word; only here is text cut,
        # and never inside an entity.
        pieces = _hard_split(word, limit)
        chunks.extend(pieces[:-1])
        current, size = [pieces[-1]], measure(pieces[-1])
    if current:
        chunks.append("".join(current))
    return chunks


def _hard_split(word: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for token in _TOKEN.findall(word):
        length = measure(token)
        if current and size + length > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(token)
        size += length
    return [*pieces, "".join(current)]


# --- units: blocks that are never split -------------------------------------------------------


@dataclass(slots=True)
class _Unit:
    """A Block Kit block; a heading keeps with the block after it."""

    block: dict[str, Any]
    keep_with_next: bool = False

    @property
    def size(self) -> int:
        return block_chars(self.block)


def block_chars(block: dict[str, Any]) -> int:
    """Return the characters of text a block holds, as counted toward a message's total."""
    return sum(measure(text) for text in _texts(block))


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") in {"mrkdwn", "plain_text"} and isinstance(value.get("text"), str):
            yield value["text"]
            return
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def message_chars(blocks: Sequence[dict[str, Any]]) -> int:
    """Return the characters of text a message's blocks hold in all."""
    return sum(block_chars(block) for block in blocks)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def _units(block: Block) -> list[_Unit]:
    """Return a block of the reply as Block Kit blocks, each within Slack's limits."""
    if isinstance(block, Paragraph):
        words = _span_words(block.spans).done()
        return [_Unit(_section(text)) for text in _pack(words, MAX_SECTION_TEXT)]
    if isinstance(block, Table):
        return [_Unit(_section(text)) for text in _table(block, MAX_SECTION_TEXT)]
    if isinstance(block, ItemList):
        units: list[_Unit] = []
        for number, item in enumerate(block.items, 1):
            texts = _pack(_item_words(number, item), MAX_SECTION_TEXT)
            units.extend(_Unit(_section(text)) for text in texts)
        return units
    if isinstance(block, Heading):
        words = _span_words((Span(block.text, strong=True),)).done()
        return [_Unit(_section(text), keep_with_next=True) for text in _pack(words, 1000)]
    if isinstance(block, Fields):
        return _fields(block)
    raise TypeError(f"the Slack renderer cannot show a {type(block).__name__} block")


def _item_words(number: int, item: Item) -> list[tuple[str, str]]:
    words = _Words()
    url = safe_url(item.url)
    title = " ".join(item.title.split())
    if url is not None:
        words.add(f"{number}. ", strong=True)
        words.add(link(url, title), strong=True)
    else:
        words.add(f"{number}.", strong=True)
        for part in title.split():
            words.gap(" ")
            words.add(escape(part), strong=True)
    if item.meta:
        words.gap(" ")
        words.add("·")
        words.gap(" ")
        _span_words((Span(item.meta),), words)
    if item.body:
        words.gap("\n")
        _span_words(item.body, words)
    return words.done()


def _table(table: Table, limit: int) -> list[str]:
    """Return the table as preformatted text, split between rows, the header on each part."""
    columns = [_cell(c) for c in table.columns]
    rows = [[_cell(c) for c in row] for row in table.rows]
    every = [columns, *rows]
    widths = [max(len(row[i]) for row in every if i < len(row)) for i in range(len(columns))]
    numeric = tuple(table.numeric) + (False,) * (len(columns) - len(table.numeric))

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=False)
        )
        return "  ".join(padded).rstrip()

    fence_open, fence_close = "```\n", "\n```"
    room = limit - measure(fence_open) - measure(fence_close)
    header = _shorten_escaped(line(columns), room // 2)
    lines = [_shorten_escaped(line(row), room - measure(header) - 1) for row in rows]
    parts: list[str] = []
    current = [header]
    for text in lines:
        if len(current) > 1 and measure("\n".join([*current, text])) > room:
            parts.append(fence_open + "\n".join(current) + fence_close)
            current = [header]
        current.append(text)
    parts.append(fence_open + "\n".join(current) + fence_close)
    return parts


def _cell(text: str) -> str:
    # Escaping (a backtick would close the block) happens once the row is padded.
    return " ".join(text.split())


def _fields(block: Fields) -> list[_Unit]:
    """Return named values as sections of up to 10 fields; a long one gets its own section."""
    units: list[_Unit] = []
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        if pending:
            units.append(_Unit({"type": "section", "fields": list(pending)}))
            pending.clear()

    for name, value in block.pairs:
        name = " ".join(name.split())
        label = "*" + _shorten_escaped(name, 200) + "*" if name else ZWSP
        words = _span_words((Span(value),)).done() if value.strip() else [("", "—")]
        text = label + "\n" + "".join(glue + word for glue, word in words)
        if measure(text) <= MAX_FIELD_TEXT:
            pending.append(mrkdwn(text))
            if len(pending) == MAX_FIELDS:
                flush()
            continue
        flush()
        for index, chunk in enumerate(_pack(words, MAX_SECTION_TEXT - measure(label) - 1)):
            units.append(_Unit(_section(label + "\n" + chunk if index == 0 else chunk)))
    flush()
    return units


# --- messages -----------------------------------------------------------------------------------


def render_slack(reply: Reply) -> list[dict[str, Any]]:
    """Return the messages that carry `reply`, in the order they are sent."""
    head, units, tail = _layout(reply)
    pages: list[list[_Unit]] = [[_Unit(block) for block in head]]
    for unit in units:
        page = pages[-1]
        if page and not _fits(page, unit, tail):
            moved: list[_Unit] = []
            # A heading is never left at the end of a message: it moves with what follows.
            while len(page) > 1 and page[-1].keep_with_next:
                moved.insert(0, page.pop())
            page = moved
            pages.append(page)
        page.append(unit)
    title = fallback(reply.title)
    total = len(pages)
    return [
        {
            "text": title if total == 1 else f"{title} ({number}/{total})",
            "blocks": [unit.block for unit in page] + (tail if number == total else []),
        }
        for number, page in enumerate(pages, 1)
    ]


def _fits(page: Sequence[_Unit], unit: _Unit, tail: Sequence[dict[str, Any]]) -> bool:
    """Return whether `unit` fits in the message, keeping room for the tail in every one."""
    blocks = len(page) + 1 + len(tail)
    chars = sum(u.size for u in page) + unit.size + message_chars(tail)
    return blocks <= MAX_BLOCKS and chars <= MAX_MESSAGE_CHARS


def render_blocks(reply: Reply, *, max_blocks: int) -> list[dict[str, Any]]:
    """Return `reply` as one list of at most `max_blocks` blocks, for a view such as App Home.

    Buttons are left out (a view has no response_url to answer them through); what does not
    fit is left out between blocks, with a note saying so.
    """
    head, units, tail = _layout(reply, with_actions=False)
    room = max_blocks - len(head) - len(tail)
    if len(units) <= room:
        return [*head, *(unit.block for unit in units), *tail]
    kept = units[: max(room - 1, 0)]
    while kept and kept[-1].keep_with_next:
        kept.pop()
    note = _context([mrkdwn("Shortened to fit here; the command gives the whole answer.")])
    return [*head, *(unit.block for unit in kept), note, *tail][:max_blocks]


def _layout(
    reply: Reply, *, with_actions: bool = True
) -> tuple[list[dict[str, Any]], list[_Unit], list[dict[str, Any]]]:
    """Return the head (title), the body units and the tail (footer, link, buttons) of a reply."""
    head: list[dict[str, Any]] = []
    units: list[_Unit] = []
    title = " ".join(reply.title.split())
    if reply.blocks and reply.kind == "answer" and title:
        header = _shorten_escaped(title, MAX_HEADER_TEXT)
        head.append({"type": "header", "text": plain(header)})
        if header != escape(title):
            # The whole title is kept, in bold, at the head of the text.
            words = _span_words((Span(title, strong=True),)).done()
            units.extend(_Unit(_section(text)) for text in _pack(words, MAX_SECTION_TEXT))
    else:
        # A short answer or a mistake: its text, no header.
        words = _span_words((Span(title),)).done()
        units.extend(_Unit(_section(text)) for text in _pack(words, MAX_SECTION_TEXT))
    for block in reply.blocks:
        units.extend(_units(block))
    if units:
        units[-1].keep_with_next = False
    tail = _tail(reply, with_actions=with_actions)
    if not (head or units or tail):
        # Slack refuses a message with nothing in it; an empty reply still shows something.
        units.append(_Unit(_section(ELLIPSIS)))
    return head, units, tail


def _tail(reply: Reply, *, with_actions: bool) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    suggestions = [" ".join(s.split()) for s in reply.suggestions if s.strip()]
    if suggestions:
        text = "Suggestions: " + ", ".join(suggestions)
        elements.append(mrkdwn(_shorten_escaped(text, 1000)))
    if reply.footer and reply.footer.strip():
        elements.append(mrkdwn(_shorten_escaped(" ".join(reply.footer.split()), 2000)))
    url = safe_url(reply.url)
    if url is not None:
        elements.append(mrkdwn(link(url, LINK_LABEL)))
    tail: list[dict[str, Any]] = []
    if elements:
        tail.append(_context(elements[:MAX_CONTEXT_ELEMENTS]))
    if with_actions:
        tail.extend(_actions(reply.actions))
    return tail


def _context(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "context", "elements": elements}


def _actions(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """Return actions blocks of buttons whose action_id and value are the command they run."""
    buttons: list[dict[str, Any]] = []
    seen: set[str] = set()
    for action in actions:
        label = shorten(" ".join(action.label.split()), MAX_BUTTON_TEXT - 10)
        # Slack refuses an action_id over 255 characters or used twice in a message.
        if not label or measure(action.id) > MAX_ACTION_ID or action.id in seen:
            continue
        seen.add(action.id)
        buttons.append(
            {
                "type": "button",
                "text": plain(_shorten_escaped(label, MAX_BUTTON_TEXT)),
                "action_id": action.id,
                "value": action.id,
            }
        )
    return [
        {"type": "actions", "elements": buttons[start : start + MAX_BUTTONS]}
        for start in range(0, len(buttons), MAX_BUTTONS)
    ]
