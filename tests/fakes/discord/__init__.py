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

For delivery at scale (platforms.md §1)::

    fake = FakeDiscord(global_limit=50)                # 50 requests/s per bot, bursts of 50
    ids = fake.add_channels(2000)                      # text channels in fake.guild, O(1) by id
    other = fake.add_guild("Second Guild"); fake.add_channels(10, guild=other)
    fake.forbid(ids[0])                                # 403 Missing Access (50001)
    fake.delete_channel(ids[1])                        # 404 Unknown Channel (10003)
    fake.fail_after_commit("POST", "/channels/*/messages", status=500)   # made, answer lost
    fake.fail_after_commit("POST", "/channels/*/messages", drop=True)    # made, no answer
    fake.deliveries()                                  # {channel_id: messages there}
    fake.messages_in(ids[2])                           # oldest first
    fake.request_times("POST", "/channels/*/messages") # arrivals not answered 429
    fake.count_429s("global")                          # or "user", "injected", None: all
"""

from tests.fakes.discord.server import FakeDiscord, FakeInteraction, Recorded

__all__ = ["FakeDiscord", "FakeInteraction", "Recorded"]
