"""The Slack app's HTTP routes, mounted into the service's aiohttp application.

Commands, events and clicks all arrive at POST /slack/events; with OAuth, GET /slack/install
starts an install and GET /slack/oauth_redirect finishes it. Each request goes through bolt's
own adapter (aiohttp request → bolt request → the app → bolt response → aiohttp response).
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.slack.manifest import EVENTS_PATH

SLACK_APP = web.AppKey("slack_app", AsyncApp)


def add_slack_routes(app: web.Application, bolt_app: AsyncApp) -> None:
    """Add the Slack routes to `app` (before it starts), answered by `bolt_app`."""
    app[SLACK_APP] = bolt_app

    async def events(request: web.Request) -> web.Response:
        response = await bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app.router.add_post(EVENTS_PATH, events)
    flow = bolt_app.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(flow.install_path, install)
    app.router.add_get(flow.redirect_uri_path, redirect)
