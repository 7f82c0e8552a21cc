"""HTML fragments for feed entries, whole HTML pages and the OPML list, from Jinja2 templates."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from feeds.links import Links
from feeds.model import FORMAT_NAMES, FORMATS, MEDIA_TYPES
from feeds.sanitize import clean_html, xml_safe
from feeds.views import (
    ChangeSetView,
    FeedInfo,
    IssueView,
    NewsSectionsView,
    NewsView,
    PaperView,
    TableView,
)

MAX_QUERY = 200


def _longdate(value: dt.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


_ENV = Environment(
    loader=PackageLoader("feeds", "templates"),
    # Every value from the data is text: autoescape makes markup in it inert before nh3 runs.
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    # Templates ship with the package: no stat() per render to see whether they changed.
    auto_reload=False,
    lstrip_blocks=True,
)
_ENV.filters["longdate"] = _longdate


class SafeHtml(str):
    """A string of HTML that went through `clean_html`."""

    __slots__ = ()


class _Fragments:
    """Rendered fragments by template and view: a view is every value its HTML shows.

    A rebuild after an import re-renders only the entries whose data changed; the others are
    equal views, found here. Least recently used fragments go first.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._found: OrderedDict[tuple[str, Hashable], SafeHtml] = OrderedDict()

    def render(self, template: str, name: str, view: Hashable) -> SafeHtml:
        key = (template, view)
        html = self._found.get(key)
        if html is not None:
            self._found.move_to_end(key)
            return html
        rendered = _ENV.get_template(template).render({name: view})
        # Markup from templates is ours, but data can carry links (javascript:, data:): clean it.
        html = SafeHtml(clean_html(rendered))
        self._found[key] = html
        if len(self._found) > self.size:
            self._found.popitem(last=False)
        return html

    def clear(self) -> None:
        self._found.clear()


FRAGMENTS = _Fragments(4096)


def issue_html(issue: IssueView) -> SafeHtml:
    """Return an issue as sanitised HTML: editorial, papers, tables with movement."""
    return FRAGMENTS.render("entry/issue.html", "issue", issue)


def paper_html(paper: PaperView) -> SafeHtml:
    """Return a paper as sanitised HTML: abstract, category and links."""
    return FRAGMENTS.render("entry/paper.html", "paper", paper)


def changes_html(changeset: ChangeSetView) -> SafeHtml:
    """Return a leaderboard's changes and the table they led to as sanitised HTML."""
    return FRAGMENTS.render("entry/changes.html", "changeset", changeset)


def news_html(item: NewsView) -> SafeHtml:
    """Return a lab or wire post as sanitised HTML: its summary and where it comes from."""
    return FRAGMENTS.render("entry/news.html", "item", item)


def news_sections_html(view: NewsSectionsView) -> SafeHtml:
    """Return an issue's "AI Labs" and "From the Wire" sections as sanitised HTML."""
    return FRAGMENTS.render("entry/news_sections.html", "view", view)


def table_html(table: TableView) -> SafeHtml:
    """Return a leaderboard table as sanitised HTML."""
    return FRAGMENTS.render("entry/table.html", "table", table)


def page(
    template: str,
    *,
    links: Links,
    title: str,
    alternates: Sequence[FeedInfo],
    **context: Any,
) -> bytes:
    """Return a whole HTML page, with discovery links to `alternates` in every format."""
    html = _ENV.get_template(f"page/{template}.html").render(
        title=title,
        alternates=alternates,
        formats=FORMATS,
        media_types=MEDIA_TYPES,
        format_names=FORMAT_NAMES,
        home_url=links.home(),
        opml_url=links.opml(),
        max_query=MAX_QUERY,
        **{key: _markup(value) for key, value in context.items()},
    )
    return xml_safe(html).encode()


def _markup(value: Any) -> Any:
    # Fragments arrive as sanitised strings; mark them so autoescape leaves them as HTML.
    if isinstance(value, SafeHtml):
        return Markup(str(value))
    return value


def opml(title: str, groups: Sequence[tuple[str, Sequence[FeedInfo]]]) -> bytes:
    """Return the OPML 2.0 list of feeds, grouped."""
    return xml_safe(_ENV.get_template("opml.xml").render(title=title, groups=groups)).encode()
