"""Slack's Block Kit validation: its limits, and the errors it answers when a payload breaks them.

Figures from docs.slack.dev/reference/block-kit (blocks, block elements, composition objects)
and the chat.postMessage and views.publish error lists. Slack publishes no exact aggregate limit
for a message's blocks (it refuses at about 13,200 characters with `msg_blocks_too_long`); this
fake refuses above 12,000, the figure the renderer promises to keep.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_BLOCK_ID = 255
MAX_TEXT_OBJECT = 3000
MAX_MESSAGE_BLOCK_CHARS = 12_000
MAX_MESSAGE_TEXT = 40_000
BLOCK_TYPES = frozenset(
    {"section", "header", "context", "divider", "actions", "image", "rich_text", "markdown"}
)
TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}


class SlackError(Exception):
    """A request Slack refuses: its `error` code and the messages it explains it with."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)

    def body(self) -> dict[str, Any]:
        """Return Slack's JSON answer: `{"ok": false, "error": ...}`, with the messages if any."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def _invalid(message: str, pointer: str) -> SlackError:
    return SlackError("invalid_blocks", f"[ERROR] {message} [json-pointer:{pointer}]")


def check_text(obj: Any, pointer: str, *, limit: int, kinds: tuple[str, ...]) -> int:
    """Check a text object; return its length."""
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        raise _invalid(f"must be a text object of type {' or '.join(kinds)}", pointer)
    extra = set(obj) - TEXT_KEYS[obj["type"]]
    if extra:
        raise _invalid(f"unsupported properties {sorted(extra)}", pointer)
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise _invalid("must be more than 0 characters", f"{pointer}/text")
    if len(text) > limit:
        raise _invalid(f"must be less than {limit + 1} characters", f"{pointer}/text")
    return len(text)


def _button(element: dict[str, Any], pointer: str, action_ids: set[str]) -> int:
    size = check_text(
        element.get("text"), f"{pointer}/text", limit=MAX_BUTTON_TEXT, kinds=("plain_text",)
    )
    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or len(action_id) > MAX_ACTION_ID:
            raise _invalid(
                f"must be less than {MAX_ACTION_ID + 1} characters", f"{pointer}/action_id"
            )
        if action_id in action_ids:
            raise _invalid(f"action_id {action_id!r} already exists", f"{pointer}/action_id")
        action_ids.add(action_id)
    value = element.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE):
        raise _invalid(f"must be less than {MAX_BUTTON_VALUE + 1} characters", f"{pointer}/value")
    url = element.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
        raise _invalid(f"must be less than {MAX_URL + 1} characters", f"{pointer}/url")
    return size


def check_block(block: Any, pointer: str, block_ids: set[str], action_ids: set[str]) -> int:
    """Check one block; return the characters of text it holds."""
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        raise _invalid("unsupported type", f"{pointer}/type")
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID:
            raise _invalid(
                f"must be less than {MAX_BLOCK_ID + 1} characters", f"{pointer}/block_id"
            )
        if block_id in block_ids:
            raise _invalid(f"block_id {block_id!r} already exists", f"{pointer}/block_id")
        block_ids.add(block_id)
    kind = block["type"]
    size = 0
    if kind == "section":
        if "text" not in block and "fields" not in block:
            raise _invalid("must provide either text or fields", pointer)
        if "text" in block:
            size += check_text(
                block["text"],
                f"{pointer}/text",
                limit=MAX_SECTION_TEXT,
                kinds=("plain_text", "mrkdwn"),
            )
        if "fields" in block:
            fields = block["fields"]
            if not isinstance(fields, list) or not fields or len(fields) > MAX_FIELDS:
                raise _invalid(f"must provide 1 to {MAX_FIELDS} items", f"{pointer}/fields")
            for n, item in enumerate(fields):
                size += check_text(
                    item,
                    f"{pointer}/fields/{n}",
                    limit=MAX_FIELD_TEXT,
                    kinds=("plain_text", "mrkdwn"),
                )
    elif kind == "header":
        size += check_text(
            block.get("text"), f"{pointer}/text", limit=MAX_HEADER_TEXT, kinds=("plain_text",)
        )
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
            raise _invalid(f"must provide 1 to {MAX_CONTEXT_ELEMENTS} items", f"{pointer}/elements")
        for n, item in enumerate(elements):
            size += check_text(
                item,
                f"{pointer}/elements/{n}",
                limit=MAX_TEXT_OBJECT,
                kinds=("plain_text", "mrkdwn"),
            )
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
            raise _invalid(f"must provide 1 to {MAX_ACTIONS_ELEMENTS} items", f"{pointer}/elements")
        for n, item in enumerate(elements):
            if not isinstance(item, dict) or item.get("type") != "button":
                raise _invalid("unsupported element type", f"{pointer}/elements/{n}")
            size += _button(item, f"{pointer}/elements/{n}", action_ids)
    return size


def check_blocks(blocks: Any, *, limit: int, pointer: str = "/blocks") -> int:
    """Check a list of blocks; return the characters of text they hold in all."""
    if not isinstance(blocks, list):
        raise _invalid("must be an array", pointer)
    if len(blocks) > limit:
        raise _invalid(f"no more than {limit} items allowed", pointer)
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    return sum(
        check_block(block, f"{pointer}/{n}", block_ids, action_ids)
        for n, block in enumerate(blocks)
    )


def check_message(payload: dict[str, Any]) -> None:
    """Raise SlackError as chat.postMessage (or a response_url) would refuse `payload`."""
    text = payload.get("text")
    blocks = payload.get("blocks")
    if not text and not blocks:
        raise SlackError("no_text")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None:
        total = check_blocks(blocks, limit=MAX_MESSAGE_BLOCKS)
        if total > MAX_MESSAGE_BLOCK_CHARS:
            raise SlackError("msg_blocks_too_long")


def check_view(view: Any) -> None:
    """Raise SlackError as views.publish would refuse `view`."""
    if not isinstance(view, dict) or view.get("type") != "home":
        raise SlackError("invalid_arguments", "[ERROR] must be a home view [json-pointer:/view]")
    try:
        check_blocks(view.get("blocks", []), limit=MAX_VIEW_BLOCKS, pointer="/view/blocks")
    except SlackError as error:
        # views.* report block errors as invalid_arguments, with the same explanations.
        raise SlackError("invalid_arguments", *error.messages) from None
