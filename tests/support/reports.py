"""Reports written for delivery tests: an issue long enough to overflow into a thread."""

from __future__ import annotations

import datetime as dt

TOPICS = ("batching", "caching", "routing", "sharding", "scheduling", "quantisation")


def long_report(date: dt.date, *, papers: int = 60, lead: str = "A long issue") -> str:
    """Return a report with `papers` invented papers, in the shape the importer reads."""
    lines = [
        "The Inference Report",
        "",
        f"{date:%B} {date.day}, {date.year}",
        "",
        f"{lead}, written for the delivery tests: every paper below is invented.",
        "",
        "Its many papers make a digest longer than one message, so the rest goes in a thread.",
        "",
        "Ada Lindqvist",
        "",
        "Research Papers — FocusedAll papers",
    ]
    for number in range(1, papers + 1):
        topic = TOPICS[number % len(TOPICS)]
        lines += [
            f"Study {number} of {topic.title()} at Scale in Serving Systems cs.DC",
            "",
            f"Paper {number} looks at {topic} when many requests share a cluster, and measures "
            "throughput and tail latency on an invented trace of chat traffic.",
            "",
        ]
    return "\n".join(lines)
