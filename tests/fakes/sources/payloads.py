"""Source payloads written for the project, in the shapes docs/formats.md documents."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

ATOM_NS = (
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom"'
)


def arxiv_entry(
    arxiv_id: str,
    title: str,
    *,
    abstract: str = "We study a thing.",
    category: str = "cs.DC",
    bare_links: bool = False,
) -> str:
    """Return one API entry; `bare_links` drops rel/type/title as arXiv did in Nov 2025."""
    if bare_links:
        link_tags = (
            f'<link href="https://arxiv.org/abs/{arxiv_id}v2"/>'
            f'<link href="https://arxiv.org/pdf/{arxiv_id}v2"/>'
        )
    else:
        link_tags = (
            f'<link href="https://arxiv.org/abs/{arxiv_id}v2" rel="alternate" type="text/html"/>'
            f'<link href="https://arxiv.org/pdf/{arxiv_id}v2" rel="related" '
            'type="application/pdf" title="pdf"/>'
        )
    return f"""
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v2</id>
    <title>{title}</title>
    <updated>2026-11-30T18:00:00Z</updated>
    {link_tags}
    <summary>{abstract}</summary>
    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>2026-11-30T18:00:00Z</published>
    <arxiv:primary_category term="{category}"/>
    <author><name>Ada Example</name></author>
  </entry>"""


def arxiv_api(entries: Sequence[str]) -> str:
    """Return an API answer holding `entries`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed {ATOM_NS}>
  <id>https://arxiv.org/api/fakeQueryId</id>
  <title>arXiv Query: search_query=cat:cs.DC&amp;start=0&amp;max_results=100</title>
  <updated>2026-12-01T00:00:00Z</updated>
  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  {"".join(entries)}
</feed>"""


def arxiv_api_error(message: str) -> str:
    """Return the API's way of reporting a bad query: a feed with one error entry."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed {ATOM_NS}>
  <id>https://arxiv.org/api/errorId</id>
  <title>arXiv Query: search_query=bad</title>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format</id>
    <title>Error</title>
    <summary>{message}</summary>
  </entry>
</feed>"""


def arxiv_rss_item(
    arxiv_id: str, title: str, *, announce: str = "new", categories: Sequence[str] = ("cs.DC",)
) -> str:
    """Return one RSS item in arXiv's serializer's shape."""
    tags = "".join(f"<category>{c}</category>" for c in categories)
    return f"""
<item><title>{title}</title><link>https://arxiv.org/abs/{arxiv_id}</link>
 <description>arXiv:{arxiv_id}v1 Announce Type: {announce}
Abstract: An abstract about {title.lower()}.</description>
 <guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v1</guid>{tags}
 <arxiv:announce_type>{announce}</arxiv:announce_type>
 <dc:rights>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</dc:rights>
 <dc:creator>Bo Sample (Some University), Cy Person</dc:creator></item>"""


def arxiv_rss(items: Sequence[str], category: str = "cs.DC") -> str:
    """Return a category's RSS; no items is a weekend."""
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>
<title>{category} updates on arXiv.org</title><link>http://rss.arxiv.org/rss/{category}</link>
<description>{category} updates</description>
<atom:link href="http://rss.arxiv.org/rss/{category}" rel="self" type="application/rss+xml"/>
<pubDate>Tue, 01 Dec 2026 00:00:00 -0500</pubDate>
<skipDays><day>Saturday</day><day>Sunday</day></skipDays>
{"".join(items)}
</channel></rss>"""


def hf_item(arxiv_id: str, title: str, *, upvotes: int | None = 7) -> dict[str, Any]:
    """Return one daily papers item."""
    paper: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [{"_id": "a1", "name": "Dee Writer", "hidden": False}],
        "publishedAt": "2026-11-30T12:00:00.000Z",
        "submittedOnDailyAt": "2026-12-01T02:00:00.000Z",
        "title": title,
        "summary": f"Summary of {title.lower()}.",
        "discussionId": "d1",
        "ai_keywords": ["serving"],
    }
    if upvotes is not None:
        paper["upvotes"] = upvotes
    return {
        "paper": paper,
        "title": title,
        "summary": paper["summary"],
        "publishedAt": paper["publishedAt"],
        "numComments": 2,
        "submittedBy": {"user": "someone"},
        "isAuthorParticipating": False,
    }


def hf_daily(items: Sequence[dict[str, Any]]) -> str:
    """Return a daily papers answer."""
    return json.dumps(list(items))


def aa_model(
    name: str,
    index: float | None,
    *,
    speed: float | None = 100.0,
    blended: float | None = 2.5,
    model_id: str = "",
    tiered: bool = False,
) -> dict[str, Any]:
    """Return one model of the models answer (legacy shape, or the tiered one)."""
    model: dict[str, Any] = {
        "id": model_id or f"id-{name.lower().replace(' ', '-')}",
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "model_creator": {"id": "c1", "name": "Lab", "slug": "lab"},
        "evaluations": {"artificial_analysis_intelligence_index": index, "gpqa": 0.5},
    }
    if tiered:
        model["pricing"] = {"input": 2.0, "output": 8.0}
        model["performance"] = {"median_output_tokens_per_second": speed}
    else:
        model["pricing"] = {
            "price_1m_blended_3_to_1": blended,
            "price_1m_input_tokens": 1.0,
            "price_1m_output_tokens": 4.0,
        }
        model["median_output_tokens_per_second"] = speed
    return model


def aa_models(models: Sequence[dict[str, Any]], *, version: str | None = None) -> str:
    """Return a models answer."""
    answer: dict[str, Any] = {"status": 200, "prompt_options": {}, "data": list(models)}
    if version is not None:
        answer["intelligence_index_version"] = version
    return json.dumps(answer)


WINDOW = "1778803200000:1782864000000"  # 2026-05-15 to 2026-07-01
OLD_WINDOW = "1772323200000:1777593600000"


def swe_item(name: str, rate: float, *, sem: float = 0.012, window: str = WINDOW) -> dict[str, Any]:
    """Return one row of the leaderboard's embedded data."""
    return {
        "modelName": name,
        "modelId": name.lower().replace(" ", "-"),
        "agentVersion": "tools",
        "meta": {"instance_type": "default"},
        "release": {"date": "2026-04-01"},
        "rangeStats": {
            "all": {
                window: {
                    "resolvedRate": rate,
                    "sem": sem,
                    "passN": min(1.0, rate + 0.1),
                    "instanceCosts": 0.4,
                    "totalTokenUsage": 123456,
                    "nTasks": 111,
                },
                OLD_WINDOW: {"resolvedRate": rate / 2, "sem": sem},
            }
        },
    }


def swe_page(items: Sequence[dict[str, Any]]) -> str:
    """Return the leaderboard page with its rows in the RSC payload, split over two pushes."""
    payload = "6:" + json.dumps(["$", "div", None, {"items": list(items), "title": "Board"}])
    half = len(payload) // 2
    pushes = "".join(
        f"<script>self.__next_f.push([1,{json.dumps(part)}])</script>"
        for part in (payload[:half], payload[half:] + "\n")
    )
    return (
        "<!DOCTYPE html><html><head><title>SWE-rebench</title></head><body>"
        '<div id="root">Leaderboard</div>'
        "<script>(self.__next_f=self.__next_f||[]).push([0])</script>"
        f"{pushes}</body></html>"
    )


def swe_page_next_data(items: Sequence[dict[str, Any]]) -> str:
    """Return the leaderboard page with its rows in a __NEXT_DATA__ script."""
    data = {"props": {"pageProps": {"leaderboard": {"items": list(items)}}}, "page": "/"}
    return (
        '<html><body><script id="__NEXT_DATA__" type="application/json">'
        f"{json.dumps(data)}</script></body></html>"
    )


def swe_page_changed() -> str:
    """Return a redesigned page: the rows are gone from the embedded data."""
    payload = "6:" + json.dumps(["$", "div", None, {"rows": [{"name": "X", "score": 1}]}])
    return (
        f"<html><body><script>self.__next_f.push([1,{json.dumps(payload)}])</script></body></html>"
    )


def rss_news(items: Sequence[tuple[str, str, str, str]], title: str = "A Lab's News") -> str:
    """Return an RSS 2.0 feed of (title, link, description, pubDate) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<pubDate>{date}</pubDate><category>Research</category><guid>{link}</guid></item>"
        for t, link, d, date in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{title}</title><link>https://lab.example/news</link>
<description>News</description>{body}</channel></rss>"""


def atom_news(items: Sequence[tuple[str, str, str, str]]) -> str:
    """Return an Atom feed of (title, link, summary, updated) entries."""
    body = "".join(
        f'<entry><id>tag:wire.example,2026:{i}</id><title>{t}</title><link href="{link}"/>'
        f'<summary type="html">{s}</summary><updated>{u}</updated></entry>'
        for i, (t, link, s, u) in enumerate(items)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:wire.example,2026:feed</id>
<title>The Wire</title><updated>2026-12-01T08:00:00Z</updated>{body}</feed>"""
