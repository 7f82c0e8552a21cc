"""/subscribe, /unsubscribe, /subscriptions: this channel's digest."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence

from rapidfuzz import process

from core import digest
from core.commands.arguments import split_list
from core.commands.channel import (
    chat_platform,
    managed_channel,
    not_a_channel,
    settings_fields,
)
from core.commands.context import CommandContext
from core.commands.leaderboards import find_board, unknown_board
from core.commands.registry import Option, command
from core.commands.reply import Action, Block, Fields, Heading, Paragraph, Reply, error_reply
from core.commands.schedule import (
    PUBLISH_WORDS,
    describe_schedule,
    parse_time,
    resolve_timezone,
    suggest_timezones,
)
from storage.queries import deliveries, issues, leaderboards, subscriptions
from storage.queries.categories import paper_categories
from storage.queries.subscriptions import SECTIONS, DigestSettings, settings_of
from storage.tables import Leaderboard

MAX_ITEMS = 20
MAX_KEYWORD = 50
MAX_TOP_N = 50
CLEAR_WORDS = frozenset({"none", "all", "any", "-"})
_CATEGORY = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?$")
Step = Callable[[str, DigestSettings], DigestSettings | Reply]
SEND_NOW = Action("/digest send:now", "Send the latest issue now")
START_NEXT = Action("/subscriptions", "Start with the next")


@command(
    "subscribe",
    "Set up or change this channel's digest (members who can manage the channel)",
    Option("time", "time", "HH:MM (24-hour) in the timezone, or publish to get each issue at once"),
    Option("timezone", "timezone", "an IANA timezone such as Europe/Paris (default UTC)"),
    Option("sections", "sections", "editorial, papers, leaderboards, news, with commas; or all"),
    Option(
        "categories", "categories", "only papers in these arXiv categories (cs.DC,cs.LG), or all"
    ),
    Option("keywords", "list", "only papers mentioning these words, with commas; or none"),
    Option("alerts", "leaderboards", "leaderboards to alert on, such as swe-rebench; or none"),
    Option("alert_top", "integer", f"alerts watch the top N (1-{MAX_TOP_N}, default 5)"),
    Option("alert_threshold", "number", "alert when a score moves this much or more (default 1)"),
    example="/subscribe time:08:30 timezone:Europe/Paris sections:editorial,papers",
)
async def subscribe(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Save this channel's digest choices; the ones not given stay as they were."""
    platform = managed_channel(ctx, "subscribe")
    if isinstance(platform, Reply):
        return platform
    async with ctx.db.transaction() as session:
        existing = await subscriptions.get_subscription(
            session, platform=platform, channel_id=ctx.channel_id
        )
        base = digest.DEFAULT_SETTINGS if existing is None else settings_of(existing)
        boards = await leaderboards.list_leaderboards(session)
        known_categories = await paper_categories(session)
        settings = _apply(args, base, boards, known_categories)
        if isinstance(settings, Reply):
            return settings
        latest = await issues.latest_issue(session)
        was_paused = existing is not None and existing.paused_at is not None
        saved, created = await subscriptions.save_subscription(
            session,
            platform=platform,
            workspace_id=ctx.workspace_id,
            channel_id=ctx.channel_id,
            user_id=ctx.user_id,
            settings=settings,
            # A new digest starts with the next issue; "Send the latest issue now" sends this one.
            skip_through=None if latest is None else latest.date,
        )
        if was_paused and saved.id is not None:
            # Whatever failed while the channel was closed to the bot gets another chance.
            await deliveries.retry_failed(session, subscription_id=saved.id, now=ctx.clock())
    async with ctx.db.session() as session:
        data = await digest.load_digest(session)
    blocks: list[Block] = [Fields(settings_fields(settings, ctx.clock()))]
    unknown = [c for c in settings.categories if c not in known_categories]
    if unknown:
        blocks.append(
            Paragraph.of(f"No paper is filed under {', '.join(unknown)} yet: check the spelling.")
        )
    blocks.append(Heading("Preview"))
    if data is None:
        blocks.append(Paragraph.of("No issue has been imported yet: the first one will come."))
    else:
        blocks.append(Paragraph.of(digest.preview_sentence(data, settings)))
    schedule = describe_schedule(settings)
    return Reply(
        title=(
            f"This channel now gets the digest {schedule}"
            if created
            else f"This channel's digest is updated: {schedule}"
        ),
        blocks=tuple(blocks),
        footer="See it with /digest, change it with /subscribe, stop it with /unsubscribe.",
        actions=(SEND_NOW, START_NEXT) if created and data is not None else (),
    )


@command(
    "unsubscribe",
    "Stop this channel's digest (members who can manage the channel)",
    example="/unsubscribe",
)
async def unsubscribe(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Remove this channel's digest."""
    platform = managed_channel(ctx, "unsubscribe")
    if isinstance(platform, Reply):
        return platform
    async with ctx.db.transaction() as session:
        removed = await subscriptions.delete_subscription(
            session, platform=platform, channel_id=ctx.channel_id
        )
    if not removed:
        return error_reply("This channel has no digest to stop.")
    return Reply(title="This channel's digest is off.", footer="Turn it back on with /subscribe.")


@command(
    "subscriptions",
    "Show this channel's digest: when it comes and what it carries",
    example="/subscriptions",
)
async def show_subscriptions(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return this channel's digest choices; anyone may read them."""
    platform = chat_platform(ctx)
    if platform is None:
        return not_a_channel("subscriptions")
    async with ctx.db.session() as session:
        found = await subscriptions.get_subscription(
            session, platform=platform, channel_id=ctx.channel_id
        )
    if found is None:
        return Reply(
            title="This channel has no digest.",
            footer="Set one up with /subscribe time:08:30 timezone:Europe/Paris",
            ephemeral=True,
        )
    pairs = settings_fields(settings_of(found), ctx.clock())
    if found.paused_at is not None:
        reason = f": {found.paused_reason}" if found.paused_reason else ""
        pairs += (("Paused", f"since {found.paused_at:%Y-%m-%d %H:%M} UTC{reason}"),)
    return Reply(
        title="This channel's digest",
        blocks=(Fields(pairs),),
        footer="Change it with /subscribe, stop it with /unsubscribe, preview it with /digest.",
    )


def _apply(
    args: Mapping[str, str],
    base: DigestSettings,
    boards: Sequence[Leaderboard],
    known_categories: Sequence[str],
) -> DigestSettings | Reply:
    """Return `base` changed by the options given, or the answer to the first bad one."""
    steps: tuple[tuple[str, Step], ...] = (
        ("time", _time),
        ("timezone", _timezone),
        ("sections", _sections),
        ("categories", lambda text, settings: _categories(text, settings, known_categories)),
        ("keywords", _keywords),
        ("alerts", lambda text, settings: _alerts(text, settings, boards)),
        ("alert_top", _alert_top),
        ("alert_threshold", _alert_threshold),
    )
    settings = base
    for name, step in steps:
        if name in args:
            changed = step(args[name], settings)
            if isinstance(changed, Reply):
                return changed
            settings = changed
    return settings


def _time(text: str, settings: DigestSettings) -> DigestSettings | Reply:
    if text.strip().casefold() in PUBLISH_WORDS:
        return dataclasses.replace(settings, schedule_kind="on-publish", time_of_day=None)
    time = parse_time(text)
    if time is None:
        return error_reply(
            f"time should be HH:MM on a 24-hour clock (such as 08:30), or publish; not {text!r}."
        )
    return dataclasses.replace(settings, schedule_kind="daily", time_of_day=time)


def _timezone(text: str, settings: DigestSettings) -> DigestSettings | Reply:
    name = resolve_timezone(text)
    if name is not None:
        return dataclasses.replace(settings, timezone=name)
    close = tuple(suggest_timezones(text))
    hint = f" Did you mean {close[0]}?" if close else " Use an IANA name such as Europe/Paris."
    return error_reply(f"Unknown timezone {text!r}.{hint}", suggestions=close)


def _sections(text: str, settings: DigestSettings) -> DigestSettings | Reply:
    if text.strip().casefold() == "all":
        return dataclasses.replace(settings, sections=SECTIONS)
    wanted = [part.casefold() for part in split_list(text)]
    for section in wanted:
        if section not in SECTIONS:
            match = process.extractOne(section, SECTIONS, score_cutoff=60)
            hint = f" Did you mean {match[0]}?" if match else ""
            return error_reply(
                f"Unknown section {section!r}.{hint} Sections: {', '.join(SECTIONS)}, or all.",
                suggestions=(match[0],) if match else (),
            )
    if not wanted:
        return error_reply(f"sections needs at least one of {', '.join(SECTIONS)}, or all.")
    return dataclasses.replace(settings, sections=tuple(s for s in SECTIONS if s in wanted))


def _categories(
    text: str, settings: DigestSettings, known: Sequence[str]
) -> DigestSettings | Reply:
    if text.strip().casefold() in CLEAR_WORDS:
        return dataclasses.replace(settings, categories=())
    by_folded = {category.casefold(): category for category in known}
    chosen: list[str] = []
    for part in split_list(text):
        if len(part) > 32 or not _CATEGORY.match(part):
            return error_reply(
                f"{part!r} is not an arXiv category: write them like cs.DC or stat.ML, "
                "separated by commas, or all."
            )
        chosen.append(by_folded.get(part.casefold(), part))
    if len(chosen) > MAX_ITEMS:
        return error_reply(f"categories takes at most {MAX_ITEMS} categories.")
    return dataclasses.replace(settings, categories=tuple(dict.fromkeys(chosen)))


def _keywords(text: str, settings: DigestSettings) -> DigestSettings | Reply:
    if text.strip().casefold() in CLEAR_WORDS:
        return dataclasses.replace(settings, keywords=())
    words = list(dict.fromkeys(" ".join(part.split()) for part in split_list(text)))
    for word in words:
        if len(word) > MAX_KEYWORD:
            return error_reply(
                f"A keyword is at most {MAX_KEYWORD} characters: {word[:20]!r}… is not."
            )
    if len(words) > MAX_ITEMS:
        return error_reply(f"keywords takes at most {MAX_ITEMS} words or phrases.")
    return dataclasses.replace(settings, keywords=tuple(words))


def _alerts(
    text: str, settings: DigestSettings, boards: Sequence[Leaderboard]
) -> DigestSettings | Reply:
    folded = text.strip().casefold()
    if folded in {"none", "-"}:
        return dataclasses.replace(settings, alert_boards=())
    if folded == "all":
        return dataclasses.replace(settings, alert_boards=tuple(b.slug for b in boards))
    slugs: list[str] = []
    for part in split_list(text):
        board = find_board(boards, part)
        if board is None:
            return unknown_board(boards, part)
        slugs.append(board.slug)
    return dataclasses.replace(settings, alert_boards=tuple(dict.fromkeys(slugs)))


def _alert_top(text: str, settings: DigestSettings) -> DigestSettings | Reply:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_TOP_N:
        return error_reply(
            f"alert_top should be a whole number from 1 to {MAX_TOP_N}, not {text!r}."
        )
    return dataclasses.replace(settings, alert_top_n=value)


def _alert_threshold(text: str, settings: DigestSettings) -> DigestSettings | Reply:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 100:
        return error_reply(
            f"alert_threshold should be a number of points above 0 and up to 100, not {text!r}."
        )
    return dataclasses.replace(settings, alert_score_threshold=value)
