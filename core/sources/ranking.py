"""Ranks from scores: the highest first, ties sharing a rank (1, 2, 2, 4)."""

from __future__ import annotations

from collections.abc import Sequence

from core.sources.found import BoardRow


def ranked(rows: Sequence[BoardRow]) -> list[tuple[int, BoardRow]]:
    """Return `rows` best first with their competition ranks."""
    ordered = sorted(rows, key=lambda row: (-row.score, row.model.casefold()))
    result: list[tuple[int, BoardRow]] = []
    for position, row in enumerate(ordered, start=1):
        if result and result[-1][1].score == row.score:
            result.append((result[-1][0], row))
        else:
            result.append((position, row))
    return result
