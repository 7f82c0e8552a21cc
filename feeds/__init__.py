"""Feeds (RSS, Atom, JSON Feed), the pages their entries link to, and the web app serving them."""
