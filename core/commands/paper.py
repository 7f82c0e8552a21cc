"""/paper: the papers that best match what a person typed."""

from __future__ import annotations

from collections.abc import Mapping

from core.commands.context import CommandContext
from core.commands.registry import Option, command
from core.commands.reply import Item, ItemList, Reply, Span, error_reply
from storage.search import MARK_END, MARK_START, find_papers, query_terms, suggest_query

RESULTS = 5


@command(
    "paper",
    "Find research papers by words in their title or abstract",
    Option("query", "text", "words to look for", True, rest=True),
    Option("category", "category", "only this arXiv category, such as cs.DC"),
    example="/paper batching",
)
async def paper(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return the best-matching papers with an extract that marks the match."""
    query = args.get("query", "")
    category = args.get("category") or None
    if not query_terms(query):
        return error_reply("Type a word or two to search for, for example: /paper batching")
    # A read of its own: on SQLite the whole search runs in one worker thread.
    hits = await find_papers(ctx.db, query=query, category=category, limit=RESULTS)
    suggestion = None
    if not hits:
        async with ctx.db.session() as session:
            suggestion = await suggest_query(session, query=query)
    scope = f" in {category}" if category else ""
    if not hits:
        hint = f"Did you mean {suggestion!r}?" if suggestion else "Try fewer or other words."
        return error_reply(
            f"No paper matches {query!r}{scope}. {hint}",
            suggestions=(suggestion,) if suggestion else (),
        )
    items = tuple(
        Item(
            title=hit.paper.title,
            meta=hit.paper.category or "",
            body=marked_spans(hit.extract),
            url=ctx.link(f"/papers/{hit.paper.key}"),
        )
        for hit in hits
    )
    return Reply(
        title=f"Papers matching {query!r}{scope}",
        blocks=(ItemList(items),),
        footer=f"{len(items)} best matches",
    )


def marked_spans(extract: str) -> tuple[Span, ...]:
    """Split an extract at the search marks into plain and strong spans."""
    spans: list[Span] = []
    for index, part in enumerate(extract.replace(MARK_END, MARK_START).split(MARK_START)):
        if part:
            spans.append(Span(part, strong=index % 2 == 1))
    return tuple(spans)
