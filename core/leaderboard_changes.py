"""What changed between two snapshots of a leaderboard, for /movers, feeds and digest alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage.queries.leaderboards import EntryRow

ChangeKind = Literal["new-leader", "entered", "left", "score", "rank"]

DEFAULT_TOP_N = 5
DEFAULT_SCORE_THRESHOLD = 1.0


@dataclass(frozen=True, slots=True)
class Change:
    """One change worth a reader's attention."""

    kind: ChangeKind
    model: str
    rank: int | None
    previous_rank: int | None
    score: float | None
    previous_score: float | None

    def describe(self, top_n: int = DEFAULT_TOP_N) -> str:
        """Return the change as one sentence."""
        if self.kind == "new-leader":
            return f"{self.model} is the new #1 ({_score(self.score)})"
        if self.kind == "entered":
            return f"{self.model} enters the top {top_n} at #{self.rank} ({_score(self.score)})"
        if self.kind == "left":
            return f"{self.model} leaves the top {top_n} (was #{self.previous_rank})"
        if self.kind == "score":
            delta = (self.score or 0.0) - (self.previous_score or 0.0)
            return (
                f"{self.model} moves {delta:+.1f} to {_score(self.score)}"
                f" (#{self.previous_rank} → #{self.rank})"
            )
        return f"{self.model} moves from #{self.previous_rank} to #{self.rank}"


def movement(previous_rank: int | None, rank: int) -> str:
    """Return how a rank moved: ▲2, ▼1, = or new."""
    if previous_rank is None:
        return "new"
    if previous_rank > rank:
        return f"▲{previous_rank - rank}"
    if previous_rank < rank:
        return f"▼{rank - previous_rank}"
    return "="


def compare(
    previous: Sequence[EntryRow],
    current: Sequence[EntryRow],
    *,
    top_n: int = DEFAULT_TOP_N,
    score_threshold: float = DEFAULT_SCORE_THRESHOLD,
) -> list[Change]:
    """Return the changes from `previous` to `current`, most important first.

    A new #1; a model entering or leaving the top `top_n`; a score moving by `score_threshold`
    or more; a rank change inside the top `top_n` otherwise.
    """
    before = {row.model_id: row for row in previous}
    after = {row.model_id: row for row in current}
    changes: list[Change] = []
    leader = min(current, key=lambda row: row.rank, default=None)
    old_leader = min(previous, key=lambda row: row.rank, default=None)
    new_leader_id = None
    if leader is not None and old_leader is not None and leader.model_id != old_leader.model_id:
        new_leader_id = leader.model_id
        changes.append(_change("new-leader", leader, before.get(leader.model_id)))
    for row in sorted(current, key=lambda r: r.rank):
        old = before.get(row.model_id)
        in_top, was_top = row.rank <= top_n, old is not None and old.rank <= top_n
        if in_top and not was_top:
            changes.append(_change("entered", row, old))
        elif old is None or row.model_id == new_leader_id:
            continue
        elif abs(row.score - old.score) >= score_threshold:
            changes.append(_change("score", row, old))
        elif in_top and old.rank != row.rank:
            changes.append(_change("rank", row, old))
    for old in sorted(previous, key=lambda r: r.rank):
        now = after.get(old.model_id)
        if old.rank <= top_n and (now is None or now.rank > top_n):
            changes.append(
                Change(
                    "left",
                    old.model,
                    None if now is None else now.rank,
                    old.rank,
                    None if now is None else now.score,
                    old.score,
                )
            )
    return changes


def _change(kind: ChangeKind, row: EntryRow, old: EntryRow | None) -> Change:
    return Change(
        kind,
        row.model,
        row.rank,
        None if old is None else old.rank,
        row.score,
        None if old is None else old.score,
    )


def _score(score: float | None) -> str:
    if score is None:
        return "?"
    return f"{score:g}" if score == int(score) else f"{score:.1f}"
