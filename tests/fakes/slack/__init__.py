"""A fake Slack (Web API, response_urls, OAuth, Socket Mode) for the real slack_sdk client.

Use the `fake_slack` fixture (tests/fakes/slack/fixtures.py, loaded by tests/conftest.py) and
point the real client at it by its base URL only: `AsyncWebClient(token, base_url=fake.api_url)`
(for the app: `SLACK_API_BASE_URL=fake.api_url`). Then, for example::

    fields = fake_slack.slash_command("/top", "swe-rebench")   # form fields, fresh response_url
    await SlackSender(url, secret).command(fields)              # signed, as Slack sends it
    await fake_slack.wait_for(lambda: fake_slack.posts_to(fields["response_url"]))
    fake_slack.calls_of("chat.postMessage")                     # every call, args and answer
    fake_slack.team.channels["C01GENERAL"].messages             # what was posted there
    fake_slack.fail("chat.postMessage", "not_in_channel")       # the next call gets that error
    fake_slack.rate_limit("chat.postMessage", retry_after=1)    # ... or a 429
    fake_slack.revoke(fake_slack.team.bot_token)                # token_revoked from now on
    await fake_slack.socket_send("slash_commands", fields)      # over Socket Mode

The default workspace `fake_slack.team` (T01FAKE) has an admin (U01ADMIN), an owner
(U02OWNER), a member who created C02CREATED (U03CREATOR), a plain member (U04MEMBER), public
channels C01GENERAL and C02CREATED, a private G01PRIVATE and a direct message D01DIRECT.

For delivery at scale (platforms.md §2; the limits are in ratelimits.py)::

    fake = FakeSlack(workspace_per_minute=300, channel_per_second=1.0, channel_burst=2)
    team = fake.add_team("T02OTHER", "Other Workspace")
    ids = fake.add_channels(team, 2000)                # unique ids, O(1) by id
    fake.leave(ids[0]); fake.archive(ids[1])           # not_in_channel, is_archived
    fake.deactivate(team)                              # account_inactive for its token
    fake.fail_after_commit("chat.postMessage", drop=True)   # posted, no answer
    fake.deliveries(team)                              # {channel_id: top-level messages}
    fake.messages_in(ids[2])                           # replies included, oldest first
    fake.request_times("chat.postMessage")             # arrivals not answered 429
    fake.count_429s("channel")                         # or "workspace", "method", "injected"
"""

from tests.fakes.slack.server import Call, FakeSlack, Team
from tests.fakes.slack.signing import SlackSender, sign

__all__ = ["Call", "FakeSlack", "SlackSender", "Team", "sign"]
