"""Chat commands, each written once: a context in, a neutral reply out."""

from core.commands import (  # noqa: F401  (registers the commands)
    digest,
    help,
    issue,
    model,
    movers,
    paper,
    status,
    subscribe,
    top,
)
from core.commands.complete import COMPLETED_KINDS, complete
from core.commands.context import CommandContext
from core.commands.registry import REGISTRY, all_commands, ask, dispatch
from core.commands.reply import Reply

__all__ = [
    "COMPLETED_KINDS",
    "REGISTRY",
    "CommandContext",
    "Reply",
    "all_commands",
    "ask",
    "complete",
    "dispatch",
]
