"""The Slack adapter: a slack-bolt app built from the command registry, over Socket Mode or HTTP."""

from bot.slack.app import SlackNotConfigured, create_slack_app
from bot.slack.routes import add_slack_routes
from bot.slack.runner import SlackRunner, start_slack

__all__ = [
    "SlackNotConfigured",
    "SlackRunner",
    "add_slack_routes",
    "create_slack_app",
    "start_slack",
]
