"""The Slack app's logger: everything Slack-related logs through it, with tokens redacted.

slack_sdk logs whole response bodies at DEBUG (oauth.v2.access answers with a bot token), bolt
logs payloads, and the database drivers log statement parameters (an installation's token) at
DEBUG. The SDK clients, the stores and the app are given this logger, whose filter replaces
tokens, secrets and response URLs; `protect_logs` puts the same filter on the database drivers'
loggers and on the handlers logging is configured with, for whatever else might log one.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# Slack's token kinds (bot, user, app-level, configuration, refresh) and its response URLs,
# which act as credentials for thirty minutes.
_SECRETS = re.compile(
    r"\b(?:xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|xoxe\.[A-Za-z0-9.-]+)"
    r"|https://hooks\.slack\.com/\S+"
)


class RedactSecrets(logging.Filter):
    """Replace Slack tokens, response URLs and the configured secrets in every record."""

    def __init__(self) -> None:
        super().__init__()
        self._known: set[str] = set()

    def add(self, secret: str | None) -> None:
        """Redact this value too (the signing secret, the client secret, a token)."""
        if secret and len(secret) >= 8:
            self._known.add(secret)

    def redact(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self._known:
            text = text.replace(secret, REDACTED)
        return _SECRETS.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets replaced; never drop a record."""
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot format is left to the handler to report
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


REDACT = RedactSecrets()
log = logging.getLogger("inference_report.slack")
log.addFilter(REDACT)

# Loggers that log SQL parameters, which include an installation's tokens when it is saved.
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine.Engine")


def protect_logs() -> None:
    """Put the redacting filter on the drivers' loggers and on every configured root handler."""
    for name in PARAMETER_LOGGERS:
        logger = logging.getLogger(name)
        if REDACT not in logger.filters:
            logger.addFilter(REDACT)
    for handler in logging.getLogger().handlers:
        if REDACT not in handler.filters:
            handler.addFilter(REDACT)
