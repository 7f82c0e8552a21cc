"""Digest delivery: plan a delivery per channel and issue, send it once, at the platforms' pace.

Exactly-once comes from the database, not from the scheduler: a delivery is a row unique per
subscription and issue, claimed under a lease, recorded message by message, and a message that may
have gone out before a crash is looked for before it is sent again. Posting is the platforms'
business (bot/discord/delivery.py, bot/slack/delivery.py), behind the `Poster` protocol.
"""

from core.delivery.budget import Budget, MemoryBudget
from core.delivery.dispatcher import Dispatcher
from core.delivery.errors import PermanentFailure, TransientFailure
from core.delivery.planner import plan
from core.delivery.posting import Message, Poster, Target

__all__ = [
    "Budget",
    "Dispatcher",
    "MemoryBudget",
    "Message",
    "PermanentFailure",
    "Poster",
    "Target",
    "TransientFailure",
    "plan",
]
