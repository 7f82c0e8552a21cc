"""Discord's request validation: its limits, and its error bodies when a payload breaks them.

Figures from https://discord.com/developers/docs/resources/message and .../interactions. Lengths
are counted in code points here; the renderer counts UTF-16 units, the stricter reading.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_ACTION_ROWS = 5
MAX_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_NONCE = 25
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
MAX_COMMAND_DESCRIPTION = 100
MAX_OPTIONS = 25
# Flags a message may be sent with: SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS.
SENDABLE_FLAGS = (1 << 2) | (1 << 6) | (1 << 12)
EPHEMERAL = 1 << 6

Errors = dict[str, Any]


class Invalid(Exception):
    """A request Discord refuses, with the status and JSON body it answers."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body


def form_error(errors: Errors) -> Invalid:
    """Return Discord's 400 `Invalid Form Body` with nested `_errors`."""
    return Invalid(400, {"message": "Invalid Form Body", "code": 50035, "errors": errors})


def _put(errors: Errors, path: tuple[str | int, ...], code: str, message: str) -> None:
    node = errors
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).append({"code": code, "message": message})


def _at_most(limit: int) -> str:
    return f"Must be {limit} or fewer in length."


def _too_long(errors: Errors, path: tuple[str | int, ...], value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        _put(errors, path, "BASE_TYPE_MAX_LENGTH", _at_most(limit))


def _required(errors: Errors, path: tuple[str | int, ...], value: Any) -> None:
    if not isinstance(value, str) or not value:
        _put(errors, path, "BASE_TYPE_REQUIRED", "This field is required")


def _url(errors: Errors, path: tuple[str | int, ...], value: Any) -> None:
    if value is not None and not (isinstance(value, str) and re.match(r"^https?://[^\s/]+", value)):
        _put(errors, path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def embed_size(embed: dict[str, Any]) -> int:
    """Return the characters an embed counts towards the 6000 of a message."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    for item in embed.get("fields") or []:
        size += len(item.get("name") or "") + len(item.get("value") or "")
    return size


def check_message(payload: dict[str, Any], *, editing: bool = False) -> None:
    """Raise Invalid as Discord would for a message payload that breaks a limit."""
    errors: Errors = {}
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        _put(errors, ("content",), "BASE_TYPE_STRING", "Must be a string.")
    _too_long(errors, ("content",), content, MAX_CONTENT)
    embeds = payload.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        _put(errors, ("embeds",), "BASE_TYPE_MAX_LENGTH", _at_most(MAX_EMBEDS))
    for index, embed in enumerate(embeds):
        _check_embed(errors, ("embeds", index), embed)
    if sum(embed_size(embed) for embed in embeds) > MAX_EMBED_TOTAL:
        _put(
            errors,
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
        )
    _check_components(errors, payload.get("components") or [])
    _check_allowed_mentions(errors, payload.get("allowed_mentions"))
    nonce = payload.get("nonce")
    if isinstance(nonce, str):
        _too_long(errors, ("nonce",), nonce, MAX_NONCE)
    flags = payload.get("flags")
    if flags is not None and (not isinstance(flags, int) or flags & ~SENDABLE_FLAGS):
        _put(errors, ("flags",), "MESSAGE_FLAGS_INVALID", "Invalid flags.")
    if errors:
        raise form_error(errors)
    if not editing and not (content or embeds or payload.get("components")):
        raise Invalid(400, {"message": "Cannot send an empty message", "code": 50006})


def _check_embed(errors: Errors, path: tuple[str | int, ...], embed: Any) -> None:
    if not isinstance(embed, dict):
        _put(errors, path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    for key, limit in EMBED_LIMITS.items():
        _too_long(errors, (*path, key), embed.get(key), limit)
    _url(errors, (*path, "url"), embed.get("url"))
    footer = embed.get("footer")
    if footer is not None:
        _required(errors, (*path, "footer", "text"), footer.get("text"))
        _too_long(errors, (*path, "footer", "text"), footer.get("text"), MAX_FOOTER)
    author = embed.get("author")
    if author is not None:
        _required(errors, (*path, "author", "name"), author.get("name"))
        _too_long(errors, (*path, "author", "name"), author.get("name"), MAX_AUTHOR)
    fields = embed.get("fields") or []
    if len(fields) > MAX_FIELDS:
        _put(errors, (*path, "fields"), "BASE_TYPE_MAX_LENGTH", _at_most(MAX_FIELDS))
    for number, item in enumerate(fields):
        _required(errors, (*path, "fields", number, "name"), item.get("name"))
        _required(errors, (*path, "fields", number, "value"), item.get("value"))
        _too_long(errors, (*path, "fields", number, "name"), item.get("name"), MAX_FIELD_NAME)
        _too_long(errors, (*path, "fields", number, "value"), item.get("value"), MAX_FIELD_VALUE)


def _check_components(errors: Errors, rows: list[Any]) -> None:
    if len(rows) > MAX_ACTION_ROWS:
        _put(
            errors,
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ACTION_ROWS} or fewer in length.",
        )
    seen: set[str] = set()
    for number, row in enumerate(rows):
        path: tuple[str | int, ...] = ("components", number)
        if row.get("type") != 1:
            _put(errors, (*path, "type"), "COMPONENT_LAYOUT_INVALID", "Expected an action row.")
            continue
        buttons = row.get("components") or []
        if not 1 <= len(buttons) <= MAX_BUTTONS:
            _put(
                errors,
                (*path, "components"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_BUTTONS} in length.",
            )
        for index, button in enumerate(buttons):
            where = (*path, "components", index)
            _too_long(errors, (*where, "label"), button.get("label"), MAX_LABEL)
            if button.get("style") == 5:
                _url(errors, (*where, "url"), button.get("url"))
                continue
            custom_id = button.get("custom_id")
            _required(errors, (*where, "custom_id"), custom_id)
            _too_long(errors, (*where, "custom_id"), custom_id, MAX_CUSTOM_ID)
            if custom_id in seen:
                _put(
                    errors,
                    (*where, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)


def _check_allowed_mentions(errors: Errors, allowed: Any) -> None:
    if allowed is None:
        return
    parse = allowed.get("parse", [])
    if any(kind not in {"users", "roles", "everyone"} for kind in parse):
        path = ("allowed_mentions", "parse")
        _put(errors, path, "ENUM_TYPE_COERCE", "Value is not a valid enum.")


def check_commands(commands: Any) -> None:
    """Raise Invalid as Discord would for a bulk overwrite of application commands."""
    errors: Errors = {}
    if not isinstance(commands, list):
        raise form_error({"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]})
    names: set[str] = set()
    for index, command in enumerate(commands):
        name = command.get("name", "")
        if not COMMAND_NAME.match(name) or name != name.lower():
            _put(errors, (index, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if name in names:
            _put(errors, (index, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
        names.add(name)
        description = command.get("description", "")
        if command.get("type", 1) == 1:
            _required(errors, (index, "description"), description)
        _too_long(errors, (index, "description"), description, MAX_COMMAND_DESCRIPTION)
        options = command.get("options") or []
        if len(options) > MAX_OPTIONS:
            _put(errors, (index, "options"), "BASE_TYPE_MAX_LENGTH", _at_most(MAX_OPTIONS))
        optional_seen = False
        for number, option in enumerate(options):
            where = (index, "options", number)
            if not COMMAND_NAME.match(option.get("name", "")):
                _put(errors, (*where, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
            _required(errors, (*where, "description"), option.get("description"))
            _too_long(errors, (*where, "description"), option.get("description"), 100)
            if option.get("required"):
                if optional_seen:
                    _put(
                        errors,
                        (*where, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                optional_seen = True
            if option.get("autocomplete") and option.get("choices"):
                _put(
                    errors,
                    (*where, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be set with choices",
                )
    if errors:
        raise form_error(errors)


def check_choices(data: Any) -> None:
    """Raise Invalid for an autocomplete answer Discord would refuse."""
    errors: Errors = {}
    choices = (data or {}).get("choices")
    if not isinstance(choices, list):
        _put(errors, ("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        raise form_error(errors)
    if len(choices) > MAX_CHOICES:
        _put(errors, ("data", "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for index, choice in enumerate(choices):
        _required(errors, ("data", "choices", index, "name"), choice.get("name"))
        _too_long(errors, ("data", "choices", index, "name"), choice.get("name"), MAX_CHOICE_TEXT)
        if isinstance(choice.get("value"), str):
            _too_long(
                errors, ("data", "choices", index, "value"), choice.get("value"), MAX_CHOICE_TEXT
            )
    if errors:
        raise form_error(errors)


_EVERYONE = re.compile(r"@(everyone|here)")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")


def pings(content: str, allowed: dict[str, Any] | None, default: tuple[str, ...]) -> dict[str, Any]:
    """Return whom a message's content notifies, as Discord decides it (embeds never ping)."""
    parse = tuple(allowed.get("parse", [])) if allowed is not None else default
    users = list(allowed.get("users", [])) if allowed is not None else []
    roles = list(allowed.get("roles", [])) if allowed is not None else []
    return {
        "mention_everyone": "everyone" in parse and bool(_EVERYONE.search(content)),
        # Users come as user objects, roles as ids, as Discord sends them.
        "mentions": [
            {"id": uid, "username": f"user-{uid}", "discriminator": "0", "avatar": None}
            for uid in _USER.findall(content)
            if "users" in parse or uid in users
        ],
        "mention_roles": [
            rid for rid in _ROLE.findall(content) if "roles" in parse or rid in roles
        ],
    }
