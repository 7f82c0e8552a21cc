"""Stable identities: a paper's key, a model's key."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_VERSION = re.compile(r"v\d+$")
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})$")


def normalise_title(title: str) -> str:
    """Return `title` reduced to what identifies it: case, accents and punctuation dropped."""
    folded = title.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def paper_key(*, title: str, arxiv_id: str | None, title_key: str | None = None) -> str:
    """Return a paper's public key: its arXiv id when known, else a digest of its title."""
    if arxiv_id:
        return bare_arxiv_id(arxiv_id)
    normalised = normalise_title(title) if title_key is None else title_key
    return "t-" + hashlib.blake2b(normalised.encode(), digest_size=8).hexdigest()


def bare_arxiv_id(arxiv_id: str) -> str:
    """Return an arXiv id without its version suffix or URL prefix."""
    arxiv_id = arxiv_id.strip().rsplit("/abs/", 1)[-1].removeprefix("arXiv:")
    return _VERSION.sub("", arxiv_id)


def is_arxiv_id(text: str) -> bool:
    """Return whether `text` is an arXiv identifier (new or old style, no version)."""
    return bool(_ARXIV_ID.match(bare_arxiv_id(text)))


def model_key(name: str) -> str:
    """Return the key a model name is looked up by: case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
