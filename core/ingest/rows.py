"""Resolve benchmark rows whose cells the page glued together.

`4Claude Opus 4.65361$10.00` could be split many ways. Every split that the cells' formats allow
is a candidate; each gets a cost from what is known of the data (scores never rise as rank falls
and move in small steps, ranks count up, names seen before are likely, odd name endings are
not), and the cheapest path through all rows of a table wins (Viterbi over the rows).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from core.ingest.document import EntryRecord
from core.ingest.errors import ParseError


class Column(Enum):
    """A cell kind of a benchmark table."""

    RANK = "rank"
    MODEL = "model"
    SCORE = "score"
    TOKENS = "tokens_per_second"
    PRICE = "price"


# Header labels as the page prints them, longest first so `tok/s` wins over a shorter label.
_HEADER_LABELS: tuple[tuple[str, Column], ...] = tuple(
    sorted(
        (
            ("#", Column.RANK),
            ("rank", Column.RANK),
            ("model", Column.MODEL),
            ("score", Column.SCORE),
            ("resolved", Column.SCORE),
            ("resolved %", Column.SCORE),
            ("tok/s", Column.TOKENS),
            ("tokens/s", Column.TOKENS),
            ("$/1m", Column.PRICE),
            ("price", Column.PRICE),
        ),
        key=lambda item: -len(item[0]),
    )
)

_PRICE = re.compile(r"\$(\d{1,5}(?:,\d{3})*)\.(\d{2})$")
_NO_PRICE = re.compile(r"(?:—|–|n/a|N/A)$")
_SCORE = re.compile(r"(?:0|[1-9]\d{0,2})(?:\.\d)?")
_TRAILING_DIGITS = re.compile(r"\d+$")
_LEADING_DIGITS = re.compile(r"\d{1,4}")
# The number a name ends with: `5`, `4.6`, `2.5.1`, `0905`, `2025-12-11`.
_NAME_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)*$")
# A version is not glued to a size or count: `A17B2`, `8x72` took a digit from the next cell.
_AFTER_SIZE = re.compile(r"\d[A-Za-z]\d+(?:\.\d+)*$")
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
# Dates as model ids spell them: `2025-12-11`, `20250514`, and the short `0905` (MMDD) or
# `2507` (YYMM). A name that ends partway into a dashed date (`2025-12-1`, `2025-12-116`) is not
# one of them.
_DATE_TAIL = re.compile(
    rf"(?<!\d)(?:(?:19|20)\d\d-{_MONTH}-{_DAY}|(?:19|20)\d\d{_MONTH}{_DAY}|{_MONTH}{_DAY}|\d\d{_MONTH})$"
)
_DASHED_DATE = re.compile(rf"(?<!\d)(?:19|20)\d\d-{_MONTH}-{_DAY}$")
_DASHED_DATE_START = re.compile(r"(?<!\d)(?:19|20)\d\d-(?:\d\d-)?\d+$")
_GLUED_QUALIFIER = re.compile(r"[\s-][A-Za-z]{2,}\d+(?:\.\d+)*$")
# A version glued to a word is a single digit (`Qwen3`, `Qwen2.5`), not `OpenHands17`.
_GLUED_LONG_VERSION = re.compile(r"[A-Za-z]{2}\d{2,}(?:\.\d+)*$")
# A version spelled with a dash (`claude-opus-4-6`, `k7-5`): the last number is a minor version.
_DASHED_MINOR = re.compile(r"(?<![\d.-])[A-Za-z]?\d-\d+$")
# `Kimi K`, `GPT-5 x`: a name seldom ends in a letter standing alone (`Command A` does).
_LONE_LETTER = re.compile(r"(?:^|[\s-])[A-Za-z]$")

# Costs, in rough units of "how surprised a reader would be".
_RISE = 60.0  # a score higher than the row above it
_GAP_PER_POINT = 0.25  # each point between neighbouring scores
# Big steps are rarer than small ones, so 55 between 58 and 53 beats 53 (a step of 5, then a tie):
# a small convex term, capped so that a real gap of 20 points is not treated like a rise.
_GAP_SQUARED = 0.02
_GAP_SQUARED_CAP = 10.0
_RANK_SKIP = 1.5  # a rank that skips ahead
_RANK_TIE = 0.5  # a rank equal to the one above (a tie)
_RANK_BACK = 60.0  # a rank lower than the one above
_FIRST_NOT_ONE = 1.0  # a table that does not start at rank 1
_KNOWN_MODEL = -4.0  # a name already seen
_MENTIONED_MODEL = -2.0  # a name the editorial spells out
_PRIOR_SCORE_PER_POINT = 0.1  # distance from the score a known model had last time (capped)
# A qualifier word ending a name does not take a number (`-medium6`, ` Flash5`, ` xhigh42.4`),
# where the name's first word may (`Qwen3`, `qwen3`) and a version letter does (`Kimi K2`).
_GLUED_WORD_DIGIT = 1.5
_LONG_MINOR_VERSION = 1.0  # a two-digit minor version: `4.65`
_FAST_TOKENS = 1.0  # a thousand tokens per second, rising with each doubling beyond
# Reading a whole table one digit short (53 as 5, the digit lent to the name or the speed) shrinks
# every gap tenfold, which the gap cost alone would reward; boards seldom publish single-digit
# scores, so such a score pays for itself.
_LOW_SCORE = 2.0  # a score below 10
_SLOW_TOKENS = 0.5  # 1-9 tokens per second: 0 means "not published", real speeds run to tens
# A name's trailing number is a version (`5`, `4.6`, `K2`), or a date (`2025-12-11`, `20250514`,
# `0905`, `2507`); sizes end in a letter (`70B`). Anything else took digits from the score.
_TWO_DIGIT_VERSION = 1.0  # `GPT-12`, `A35B18.4`: as rare as a two-digit minor version
_ODD_NAME_NUMBER = 2.0  # `K120`, `0623.7`, `23032`, `A17B2`, `Aider22.7`: not a version or date
_BROKEN_DATE = 4.0  # `2025-07-278`, `2025-12-1`: a dated id's day is two digits, always
_LONE_LETTER_END = 1.0  # `Solar 32B K` rather than `Solar 32B K2`


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to split a row into cells."""

    rank: int
    model: str
    score: float
    tokens_per_second: int | None
    price_cents: int | None
    cost: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """What is already known of the models: canonical spellings and their last scores."""

    names: frozenset[str] = frozenset()
    last_scores: Mapping[str, float] | None = None
    text: str = ""

    def knows(self, model: str) -> bool:
        """Return whether `model` has been seen, ignoring case."""
        return model.casefold() in self.names

    def mentions(self, model: str) -> bool:
        """Return whether the surrounding text spells `model` out as a whole name."""
        needle = model.casefold()
        start = self.text.find(needle)
        while start != -1:
            end = start + len(needle)
            before = self.text[start - 1] if start else " "
            after = self.text[end : end + 2]
            # "GPT-5.4" inside "GPT-5.45" or "GPT-5.4-mini" is not a mention of it.
            if not (before.isalnum() or before in ".-") and not (
                after[:1].isalnum()
                or after[:1] == "-"
                or (after[:1] == "." and after[1:2].isdigit())
            ):
                return True
            start = self.text.find(needle, start + 1)
        return False

    def with_text(self, text: str) -> Evidence:
        """Return this evidence with `text` to look names up in."""
        return Evidence(self.names, self.last_scores, text.casefold())

    def last_score(self, model: str) -> float | None:
        """Return the score `model` had on this board last time, if known."""
        if self.last_scores is None:
            return None
        return self.last_scores.get(model.casefold())

    def merged(self, names: Sequence[str]) -> Evidence:
        """Return this evidence with more names added."""
        return Evidence(self.names | {n.casefold() for n in names}, self.last_scores, self.text)


def parse_header(line: str, *, line_number: int) -> tuple[Column, ...]:
    """Return the columns a header line such as `#ModelScoretok/s$/1M` names."""
    columns: list[Column] = []
    rest = line.strip()
    while rest:
        lowered = rest.casefold()
        for label, column in _HEADER_LABELS:
            if lowered.startswith(label):
                columns.append(column)
                rest = rest[len(label) :].lstrip()
                break
        else:
            raise ParseError(f"unknown column in table header {line!r}", line=line_number)
    if columns[:3] != [Column.RANK, Column.MODEL, Column.SCORE] or len(set(columns)) != len(
        columns
    ):
        raise ParseError(
            f"table header {line!r} should start with rank, model and score columns",
            line=line_number,
        )
    return tuple(columns)


def resolve_rows(
    rows: Sequence[tuple[int, str]], columns: Sequence[Column], evidence: Evidence
) -> list[EntryRecord]:
    """Return the cheapest consistent reading of a table's glued rows, given as (line, text)."""
    lattice = []
    for line_number, text in rows:
        candidates = candidates_for(text, columns, evidence)
        if not candidates:
            raise ParseError(
                f"cannot read {text!r} as a row of {_describe(columns)}", line=line_number
            )
        lattice.append(candidates)
    best = _viterbi(lattice)
    return [
        EntryRecord(
            rank=c.rank,
            model=c.model,
            score=c.score,
            tokens_per_second=c.tokens_per_second,
            price_cents=c.price_cents,
        )
        for c in best
    ]


def candidates_for(text: str, columns: Sequence[Column], evidence: Evidence) -> list[Candidate]:
    """Return every split of one glued row that the cells' formats allow, each with its cost."""
    splits = _splits(text.strip(), tuple(columns))
    if not evidence.names and not evidence.text:
        return list(splits)
    bonus: dict[str, float] = {}
    results = []
    for split in splits:
        extra = bonus.get(split.model)
        if extra is None:
            extra = bonus[split.model] = _evidence_cost(split.model, evidence)
        if evidence.last_scores is not None and evidence.knows(split.model):
            last = evidence.last_score(split.model)
            if last is not None:
                extra += min(abs(split.score - last) * _PRIOR_SCORE_PER_POINT, 2.0)
        if extra:
            split = Candidate(
                split.rank,
                split.model,
                split.score,
                split.tokens_per_second,
                split.price_cents,
                split.cost + extra,
            )
        results.append(split)
    return results


def _evidence_cost(model: str, evidence: Evidence) -> float:
    if evidence.knows(model):
        return _KNOWN_MODEL
    if len(model) >= 3 and evidence.mentions(model):
        return _MENTIONED_MODEL
    return 0.0


@lru_cache(maxsize=4096)
def _splits(text: str, columns: tuple[Column, ...]) -> tuple[Candidate, ...]:
    """Return every split of `text` with the cost of its shape alone (no evidence)."""
    tail_columns = list(columns[2:])
    price_cents: int | None = None
    if tail_columns and tail_columns[-1] is Column.PRICE:
        tail_columns.pop()
        price_match = _PRICE.search(text)
        if price_match:
            price_cents = int(price_match.group(1).replace(",", "")) * 100 + int(
                price_match.group(2)
            )
            text = text[: price_match.start()]
        else:
            missing = _NO_PRICE.search(text)
            if missing is None:
                return ()
            text = text[: missing.start()]
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    results: list[Candidate] = []
    for rank_text in _rank_prefixes(text):
        body = text[len(rank_text) :]
        for model, values in _peel(body, tail_columns):
            candidate = _candidate(int(rank_text), model, values, price_cents)
            if candidate is not None:
                results.append(candidate)
    return tuple(results)


def _describe(columns: Sequence[Column]) -> str:
    return ", ".join(column.value for column in columns)


def _rank_prefixes(text: str) -> list[str]:
    match = _LEADING_DIGITS.match(text)
    if match is None:
        return []
    digits = match.group(0)
    return [digits[:n] for n in range(1, len(digits) + 1) if digits[0] != "0"]


def _peel(body: str, columns: list[Column]) -> list[tuple[str, dict[Column, str]]]:
    """Split `body` into a model name and the cells of `columns`, in every allowed way."""
    if not columns:
        return [(body, {})]
    *head, last = columns
    splits = []
    for cell in _cell_suffixes(body, last):
        for model, values in _peel(body[: -len(cell)], head):
            splits.append((model, {**values, last: cell}))
    return splits


def _cell_suffixes(body: str, column: Column) -> list[str]:
    if column is Column.TOKENS:
        digits = _TRAILING_DIGITS.search(body)
        if digits is None:
            return []
        run = digits.group(0)[-6:]
        return [run[-n:] for n in range(1, len(run) + 1) if n == 1 or run[-n] != "0"]
    if column is Column.SCORE:
        return [body[-n:] for n in range(1, min(5, len(body)) + 1) if _SCORE.fullmatch(body[-n:])]
    return []


def _candidate(
    rank: int, model: str, values: Mapping[Column, str], price_cents: int | None
) -> Candidate | None:
    if not _plausible_name(model):
        return None
    score = float(values[Column.SCORE])
    if score > 100:
        return None
    tokens_text = values.get(Column.TOKENS)
    tokens = int(tokens_text) if tokens_text is not None else None
    cost = _name_cost(model)
    if tokens is not None and tokens >= 1000:
        cost += _FAST_TOKENS * (1 + math.log2(tokens / 1000))
    if tokens is not None and 0 < tokens < 10:
        cost += _SLOW_TOKENS
    if score < 10:
        cost += _LOW_SCORE
    return Candidate(rank, model, score, tokens, price_cents, cost)


@lru_cache(maxsize=8192)
def _name_cost(model: str) -> float:
    """Return how odd `model` is as a name, from its shape alone."""
    cost = _name_number_cost(model)
    if _GLUED_QUALIFIER.search(model):
        cost += _GLUED_WORD_DIGIT
    if _LONE_LETTER.search(model):
        cost += _LONE_LETTER_END
    return cost


def _name_number_cost(model: str) -> float:
    """Return how odd the number a name ends with is: 0 for a short version or a date."""
    match = _NAME_NUMBER.search(model)
    if match is None:
        return 0.0
    if _DASHED_DATE_START.search(model):
        return 0.0 if _DASHED_DATE.search(model) else _BROKEN_DATE
    if _AFTER_SIZE.search(model):
        return _ODD_NAME_NUMBER
    number = match.group(0)
    if "." not in number and _DATE_TAIL.search(model):
        return 0.0
    if _GLUED_LONG_VERSION.search(model):
        return _ODD_NAME_NUMBER
    major, *minors = ("0", number) if _DASHED_MINOR.search(model) else number.split(".")
    cost = {1: 0.0, 2: _TWO_DIGIT_VERSION}.get(len(major), _ODD_NAME_NUMBER)
    for minor in minors:
        cost += {1: 0.0, 2: _LONG_MINOR_VERSION}.get(len(minor), _ODD_NAME_NUMBER)
    return cost


def _plausible_name(model: str) -> bool:
    # The page glues cells without a separator, so a cell never begins or ends with a space,
    # and a name does not end in the dot or dash that would start a version number.
    return (
        bool(model)
        and model == model.strip()
        and model[-1] not in ".-_/("
        and any(ch.isalpha() for ch in model)
    )


def _transition(previous: Candidate, current: Candidate) -> float:
    cost = 0.0
    if current.score > previous.score:
        cost += _RISE
    else:
        gap = previous.score - current.score
        cost += gap * _GAP_PER_POINT + min(gap, _GAP_SQUARED_CAP) ** 2 * _GAP_SQUARED
    if current.rank == previous.rank + 1:
        pass
    elif current.rank == previous.rank:
        cost += _RANK_TIE
    elif current.rank > previous.rank:
        cost += _RANK_SKIP
    else:
        cost += _RANK_BACK
    return cost


def _viterbi(lattice: list[list[Candidate]]) -> list[Candidate]:
    first = lattice[0]
    totals = [c.cost + (0.0 if c.rank == 1 else _FIRST_NOT_ONE) for c in first]
    back: list[list[int]] = []
    for column in lattice[1:]:
        new_totals = []
        pointers = []
        for current in column:
            best_total, best_index = math.inf, 0
            for index, previous in enumerate(lattice[len(back)]):
                total = totals[index] + _transition(previous, current)
                if total < best_total:
                    best_total, best_index = total, index
            new_totals.append(best_total + current.cost)
            pointers.append(best_index)
        totals = new_totals
        back.append(pointers)
    index = min(range(len(totals)), key=totals.__getitem__)
    path = [lattice[-1][index]]
    for step in range(len(back) - 1, -1, -1):
        index = back[step][index]
        path.append(lattice[step][index])
    path.reverse()
    return path
