"""Where discord.py finds Discord: the REST base URL, and the gateway that REST hands out."""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"


def use_api(base_url: str) -> None:
    """Send discord.py's REST requests to `base_url` (Discord's, a proxy's, or a fake's)."""
    Route.BASE = base_url.rstrip("/")


async def use_gateway_of(http: HTTPClient) -> str:
    """Connect to the gateway the API names (GET /gateway/bot), as Discord asks clients to."""
    _, url, _ = await http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return url
