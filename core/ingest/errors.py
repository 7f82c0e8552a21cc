"""The error every malformed input turns into."""

from __future__ import annotations


class ParseError(ValueError):
    """The text is not a report or a paper list; `line` is 1-based where one line is to blame."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)
