"""Installing into many workspaces with OAuth: installs and states kept in the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlalchemy import text

from bot.slack.manifest import BOT_SCOPES
from storage import Database
from tests.bot.slack.conftest import PUBLIC_URL, Endpoint, answer, oauth_settings, serve, state
from tests.fakes.slack import FakeSlack

COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def multi(loaded: Database, fake_slack: FakeSlack) -> AsyncIterator[Endpoint]:
    """Serve the Slack app for any number of workspaces (OAuth)."""
    async with serve(oauth_settings(fake_slack), loaded) as endpoint:
        yield endpoint


async def _get(url: str, *, cookie: str | None = None) -> tuple[int, str, dict[str, str], str]:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        cookies = SimpleCookie()
        for value in response.headers.getall("Set-Cookie", []):
            cookies.load(value)
        state_cookie = cookies[COOKIE].value if COOKIE in cookies else ""
        return (
            response.status,
            response.headers.get("Location", ""),
            dict(response.headers),
            (state_cookie or await response.text()),
        )


async def _install(fake: FakeSlack, endpoint: Endpoint) -> str:
    """Go through the whole install as a person's browser would; return the new team's id."""
    status, location, _, cookie = await _get(f"{endpoint.base}/slack/install")
    assert status == 302 and cookie
    status, back, _, _ = await _get(location)  # Slack's page approves and sends the browser back
    assert status == 302 and back.startswith(f"{PUBLIC_URL}/slack/oauth_redirect?")
    query = urlsplit(back).query
    status, _, _, page = await _get(f"{endpoint.base}/slack/oauth_redirect?{query}", cookie=cookie)
    assert status == 200, page
    return "T02OTHER"


async def test_install_redirects_to_slack_with_a_stored_state(
    fake_slack: FakeSlack, multi: Endpoint
) -> None:
    status, location, headers, cookie = await _get(f"{multi.base}/slack/install")
    assert status == 302
    target = urlsplit(location)
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == f"{fake_slack.url}/oauth/v2/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == fake_slack.client_id
    assert query["scope"].split(",") == list(BOT_SCOPES)
    assert query["redirect_uri"] == f"{PUBLIC_URL}/slack/oauth_redirect"
    assert query["state"] == cookie
    cookie_header = headers["Set-Cookie"]
    assert "Secure" in cookie_header and "HttpOnly" in cookie_header
    async with multi.db.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT state FROM slack_oauth_states"))).scalars().all()
    assert stored == [cookie]


async def test_the_redirect_stores_the_installation_and_a_restart_keeps_it(
    fake_slack: FakeSlack, multi: Endpoint, loaded: Database
) -> None:
    team_id = await _install(fake_slack, multi)
    (exchange,) = fake_slack.calls_of("oauth.v2.access")
    assert exchange.ok and exchange.args["redirect_uri"] == f"{PUBLIC_URL}/slack/oauth_redirect"
    counts = await state(loaded)
    assert counts["slack_installations"] == 1 and counts["slack_bots"] == 1
    assert counts["slack_oauth_states"] == 0  # the state was used up
    async with loaded.engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT team_id, bot_token, bot_user_id FROM slack_bots"))
        ).one()
    team = fake_slack.teams[team_id]
    assert tuple(row) == (team_id, team.bot_token, team.bot_user_id)

    # A new app on the same database (the service restarted) answers that workspace.
    async with serve(oauth_settings(fake_slack), loaded) as restarted:
        fields = fake_slack.slash_command("/top", "swe-rebench", team=team)
        posts = await answer(fake_slack, restarted, fields)
    assert posts[0]["text"] == "SWE-rebench — 2026-11-22"
    (lookup,) = [c for c in fake_slack.calls_of("users.info") if c.args.get("user") == "U04MEMBER"]
    assert lookup.token == team.bot_token


async def test_a_redirect_without_its_cookie_installs_nothing(
    fake_slack: FakeSlack, multi: Endpoint, loaded: Database
) -> None:
    _, location, _, _ = await _get(f"{multi.base}/slack/install")
    _, back, _, _ = await _get(location)
    query = urlsplit(back).query
    status, _, _, _ = await _get(f"{multi.base}/slack/oauth_redirect?{query}")
    assert status == 400
    forged = query.replace("state=", "state=forged")
    status, _, _, _ = await _get(f"{multi.base}/slack/oauth_redirect?{forged}", cookie="forged")
    assert status == 400
    assert fake_slack.calls_of("oauth.v2.access") == []
    assert (await state(loaded))["slack_installations"] == 0


async def test_a_workspace_that_never_installed_gets_no_answer(
    fake_slack: FakeSlack, multi: Endpoint
) -> None:
    fields = fake_slack.slash_command("/top", "swe-rebench")  # T01FAKE: not installed here
    sent = await multi.sender.command(fields)
    assert sent.status == 200
    await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(fields["response_url"])))
    (post,) = fake_slack.posts_to(fields["response_url"])
    assert post["text"] == (
        "The Inference Report is not installed in this workspace (or was removed): "
        f"install it at {PUBLIC_URL}/slack/install"
    )
    assert fake_slack.calls_of("users.info") == []  # no command ran


async def test_uninstalling_forgets_the_installation(
    fake_slack: FakeSlack, multi: Endpoint, loaded: Database
) -> None:
    team = fake_slack.teams[await _install(fake_slack, multi)]
    sent = await multi.sender.event(fake_slack.event({"type": "app_uninstalled"}, team=team))
    assert sent.status == 200
    await fake_slack.settle(0.5)
    counts = await state(loaded)
    assert counts["slack_installations"] == 0 and counts["slack_bots"] == 0


async def test_the_oauth_exchange_puts_no_token_in_the_log(
    fake_slack: FakeSlack, multi: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    team = fake_slack.teams[await _install(fake_slack, multi)]
    logged = caplog.text
    # slack_sdk logs oauth.v2.access's answer, bot token and all, at DEBUG: it is redacted.
    assert "oauth.v2.access" in logged and "[redacted]" in logged
    assert team.bot_token not in logged and fake_slack.client_secret not in logged
