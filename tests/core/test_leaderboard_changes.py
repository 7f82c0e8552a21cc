"""Changes between two snapshots: the new #1, entries and exits, score and rank moves."""

from __future__ import annotations

import pytest

from core.leaderboard_changes import compare, movement
from storage.queries.leaderboards import EntryRow


def rows(*entries: tuple[str, float]) -> list[EntryRow]:
    return [
        EntryRow(rank=rank, model_id=hash(name) % 10_000, model=name, score=score,
                 tokens_per_second=None, price_cents=None)
        for rank, (name, score) in enumerate(entries, start=1)
    ]  # fmt: skip


def test_a_new_leader_an_entry_and_an_exit() -> None:
    before = rows(("A", 60), ("B", 59), ("C", 58), ("D", 57), ("E", 56), ("F", 55))
    after = rows(("B", 61), ("A", 60), ("C", 58), ("D", 57), ("F", 56.5), ("E", 56))
    found = [(c.kind, c.model) for c in compare(before, after, top_n=5)]
    assert found == [("new-leader", "B"), ("rank", "A"), ("entered", "F"), ("left", "E")]
    described = [c.describe(5) for c in compare(before, after, top_n=5)]
    assert described[0] == "B is the new #1 (61)"
    assert described[2] == "F enters the top 5 at #5 (56.5)"
    assert described[3] == "E leaves the top 5 (was #5)"


def test_a_score_move_past_the_threshold() -> None:
    before = rows(("A", 60), ("B", 50))
    after = rows(("A", 62.5), ("B", 50.4))
    changes = compare(before, after, top_n=5, score_threshold=1.0)
    assert [(c.kind, c.model) for c in changes] == [("score", "A")]
    assert changes[0].describe() == "A moves +2.5 to 62.5 (#1 → #1)"


def test_no_change_is_no_change() -> None:
    table = rows(("A", 60), ("B", 50))
    assert compare(table, table) == []


@pytest.mark.parametrize(
    ("previous", "rank", "shown"), [(None, 3, "new"), (4, 2, "▲2"), (1, 2, "▼1"), (3, 3, "=")]
)
def test_movement(previous: int | None, rank: int, shown: str) -> None:
    assert movement(previous, rank) == shown
