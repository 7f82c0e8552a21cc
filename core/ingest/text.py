"""Clean captured text before parsing, so every later step sees the same characters."""

from __future__ import annotations

import re
import unicodedata

from core.ingest.errors import ParseError

# C0/C1 controls other than tab and newline are illegal in XML and invisible on a page; the
# private-use range holds the marks search puts around matched terms.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ue000-\uf8ff\ufffe\uffff]")


def decode(data: bytes) -> str:
    """Return `data` as text, refusing anything that is not UTF-8 text."""
    if b"\x00" in data:
        raise ParseError("this is a binary file, not the text of a page")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8 text (byte {error.start})") from None


def clean(text: str) -> str:
    """Return `text` normalised: NFC, Unix newlines, no invisible control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text))


def clean_line(text: str) -> str:
    """Return one line of text cleaned and with its spaces collapsed."""
    return " ".join(clean(text).split())
