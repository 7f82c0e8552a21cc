"""Renderers and the Discord and Slack adapters."""
