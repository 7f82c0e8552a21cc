"""A fake Discord (REST API and gateway) for the real discord.py client, on 127.0.0.1.

Use the `fake_discord` fixture (tests/fakes/discord/fixtures.py, loaded by tests/conftest.py) and
point discord.py at it by its base URLs only: `discord.http.Route.BASE = fake.api_base_url`; the
gateway address comes from the fake's `GET /gateway/bot` (`bot.discord.endpoints` does both).
Then, for example::

    await fake.wait_for_session()                      # the client identified, READY was sent
    interaction = await fake.interact("top", {"leaderboard": "swe"})   # INTERACTION_CREATE
    messages = await fake.wait_for_messages(interaction)               # what the bot answered
    fake.channel_messages[fake.guild.channel_id]       # what it posted in the channel
    fake.rate_limit("POST", "/channels/*/messages")    # the next such request gets a 429
    fake.fail("POST", "/webhooks/*", status=502)       # ... or a 502
    fake.calls("POST", "/channels/*/messages")         # every request, with status and answer
"""

from tests.fakes.discord.server import FakeDiscord, FakeInteraction, Recorded

__all__ = ["FakeDiscord", "FakeInteraction", "Recorded"]
