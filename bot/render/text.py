"""Render a reply as plain text, for the terminal (`inference-report ask`)."""

from __future__ import annotations

import textwrap

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

WIDTH = 100
# Names longer than this put their value on the next line instead of beside them.
FIELD_NAME_WIDTH = 20


def render_text(reply: Reply) -> str:
    """Return `reply` as plain text; matched terms are shown between « and », links after."""
    parts = [reply.title]
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            parts.append(_fill(_spans(block.spans), WIDTH))
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, ItemList):
            parts.append("\n\n".join(_item(n, item) for n, item in enumerate(block.items, 1)))
        elif isinstance(block, Heading):
            parts.append(f"{block.text}\n{'-' * len(block.text)}")
        elif isinstance(block, Fields):
            parts.append(_fields(block))
    if reply.suggestions:
        parts.append("Suggestions: " + ", ".join(reply.suggestions))
    if reply.actions:
        parts.append(_actions(reply.actions))
    tail = [text for text in (reply.footer, reply.url) if text]
    if tail:
        parts.append("\n".join(tail))
    return "\n\n".join(parts) + "\n"


def _fill(text: str, width: int, *, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap text between words only: a long word or link overflows rather than breaks."""
    return textwrap.fill(
        text,
        width,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _spans(spans: tuple[Span, ...]) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    text = f"«{span.text}»" if span.strong else span.text
    # A terminal cannot hide a link behind its text: show where it goes.
    if span.url and span.url != span.text:
        text += f" <{span.url}>"
    return text


def _table(table: Table) -> str:
    rows = [table.columns, *table.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.columns))]
    numeric = table.numeric or tuple(False for _ in table.columns)
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _item(number: int, item: Item) -> str:
    head = f"{number}. {item.title}" + (f" [{item.meta}]" if item.meta else "")
    lines = [head]
    if item.body:
        lines.append(_fill(_spans(item.body), WIDTH, initial_indent="   ", subsequent_indent="   "))
    if item.url:
        lines.append(f"   {item.url}")
    return "\n".join(lines)


def _fields(fields: Fields) -> str:
    width = max((len(name) for name, _ in fields.pairs), default=0)
    lines = []
    for name, value in fields.pairs:
        if width <= FIELD_NAME_WIDTH:
            head = f"{name}:".ljust(width + 2)
            lines.append(
                _fill(value, WIDTH, initial_indent=head, subsequent_indent=" " * (width + 2))
                if value
                else head.rstrip()
            )
        else:
            lines.append(name)
            lines.append(_fill(value, WIDTH, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


def _actions(actions: tuple[Action, ...]) -> str:
    return "\n".join(["Choices:", *(f"  {action.label}: {action.id}" for action in actions)])
