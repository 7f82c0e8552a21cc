"""The captured issues and the trending page parse to exactly what they say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.ingest import PaperListDocument, ReportDocument, parse_document

SAMPLES = Path(__file__).parents[3].parent / "shared" / "samples"

REPORT_KEYS = ["kind", "title", "date", "author", "editorial", "papers", "leaderboards"]
PAPER_KEYS = ["title", "category", "abstract"]
BOARD_KEYS = ["slug", "name", "description", "entries"]
AA_KEYS = ["rank", "model", "score", "tokens_per_second", "price_per_million_tokens"]
SWE_KEYS = ["rank", "model", "score"]

AA_NAME = "Artificial Analysis Intelligence Index"
AA_DESCRIPTION = "Composite score across coding, math, and reasoning"
SWE_DESCRIPTION = "Agentic coding on real-world software engineering tasks"

EXPECTED: dict[str, dict[str, Any]] = {
    "report-2026-03-31.txt": {
        "date": "2026-03-31",
        "editorial_starts": [
            "From ten thousand feet, the AI industry",
            "The money tells the story most clearly.",
            "The real leverage is consolidating around data",
            "The research and benchmark data reinforce the pattern.",
        ],
        "editorial_ends": "Models are becoming utilities.",
        "papers": [
            ("Adaptive Block-Scaled Data Types", "cs.CL", "NVFP4 has grown increasingly popular"),
            (
                "Geometry-aware similarity metrics for neural representations on Riemannian "
                "and statistical manifolds",
                "cs.LG",
                "Similarity measures are widely used",
            ),
            (
                "On-the-fly Repulsion in the Contextual Space for Rich Diversity in Diffusion "
                "Transformers",
                "cs.CV",
                "Modern Text-to-Image (T2I) diffusion models",
            ),
            ("Temporal Credit Is Free", "cs.LG", "Recurrent networks do not need Jacobian"),
            (
                "Stop Probing, Start Coding: Why Linear Probes and Sparse Autoencoders Fail at "
                "Compositional Generalisation",
                "cs.LG",
                "The linear representation hypothesis",
            ),
            (
                "Rethinking Language Model Scaling under Transferable Hypersphere Optimization",
                "cs.LG",
                "Scaling laws for large language models",
            ),
        ],
        "aa": [
            (1, "GPT-5.4", 57.2, 96, 5.63),
            (2, "Gemini 3.1 Pro Preview", 57.2, 120, 4.50),
            (3, "GPT-5.3 Codex", 54, 94, 4.81),
            (4, "Claude Opus 4.6", 53, 61, 10.00),
            (5, "Claude Sonnet 4.6", 51.7, 79, 6.00),
        ],
        "swe": [
            (1, "Claude Opus 4.6", 65.3),
            (2, "gpt-5.2-2025-12-11-medium", 64.4),
            (3, "GLM-5", 62.8),
            (4, "gpt-5.4-2026-03-05-medium", 62.8),
            (5, "Gemini 3.1 Pro Preview", 62.3),
        ],
    },
    "report-2026-05-14.txt": {
        "date": "2026-05-14",
        "editorial_starts": [
            "Hyperscalers ",
            "The demand problem reveals itself in unexpected places.",
            "The labs are converging on agentic systems",
            "Claude Opus 4.6 holds the top position on SWE-rebench at 65.3%,",
        ],
        "editorial_ends": "without becoming a liability.",
        "papers": [
            (
                "RolloutPipe: Overlapping Pipelined Rollout and Training in Disaggregated "
                "On-Policy LLM Reinforcement Learning",
                "cs.DC",
                "Large language model (LLM) post-training for reasoning",
            ),
            (
                "DMuon: Efficient Distributed Muon Training with Near-Adam Overhead",
                "cs.DC",
                "Matrix-orthogonalization-based optimizers",
            ),
            (
                "Power-Flexible AI Data Centers: A New Paradigm for Grid-Responsive Compute",
                "cs.DC",
                "The rapid expansion of artificial intelligence (AI) infrastructure",
            ),
            (
                "AI-Assisted Computational Reproducibility on the FABRIC Testbed",
                "cs.DC",
                "Computational reproducibility remains difficult",
            ),
            (
                "CrossPool: Efficient Multi-LLM Serving for Cold MoE Models through KV-Cache and "
                "Weight Disaggregation",
                "cs.DC",
                "Emerging LLM services increasingly host many sparse MoE models",
            ),
            (
                "FeLoG: Scalable and Efficient Distributed Graph Embedding with Feedback Loop "
                "Mechanism",
                "cs.DC",
                "Graph embedding maps graph nodes into low-dimensional vectors",
            ),
        ],
        "aa": [
            (1, "GPT-5.5", 60.2, 65, 11.25),
            (2, "Claude Opus 4.7", 57.3, 63, 10.94),
            (3, "Gemini 3.1 Pro Preview", 57.2, 128, 4.50),
            (4, "GPT-5.4", 56.8, 83, 5.63),
            (5, "Kimi K2.6", 53.9, 41, 1.71),
        ],
        "swe": [
            (1, "Claude Opus 4.6", 65.3),
            (2, "gpt-5.2-2025-12-11-medium", 64.4),
            (3, "GLM-5", 62.8),
            (4, "Junie", 62.8),
            (5, "gpt-5.4-2026-03-05-medium", 62.8),
        ],
    },
}


def _parse(name: str) -> Any:
    return parse_document((SAMPLES / name).read_bytes())


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def report(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    document = _parse(request.param)
    assert isinstance(document, ReportDocument)
    # What the CLI prints is the JSON text, so check the round trip through it too.
    data = document.to_json()
    assert json.loads(json.dumps(data)) == data
    return data, EXPECTED[request.param]


def test_report_header_fields(report: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, expected = report
    assert list(data) == REPORT_KEYS
    assert data["kind"] == "report"
    assert data["title"] == "The Inference Report"
    assert data["date"] == expected["date"]
    assert data["author"] == "Grant Calloway"


def test_report_editorial(report: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, expected = report
    editorial = data["editorial"]
    assert len(editorial) == len(expected["editorial_starts"]) == 4
    for paragraph, start in zip(editorial, expected["editorial_starts"], strict=True):
        assert paragraph.startswith(start)
        assert paragraph == paragraph.strip()
        assert "\n" not in paragraph
    assert editorial[-1].endswith(expected["editorial_ends"])


def test_report_papers(report: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, expected = report
    papers = data["papers"]
    assert [list(paper) for paper in papers] == [PAPER_KEYS] * len(papers)
    assert [(p["title"], p["category"]) for p in papers] == [
        (title, category) for title, category, _ in expected["papers"]
    ]
    for paper, (_, _, abstract_start) in zip(papers, expected["papers"], strict=True):
        assert paper["abstract"].startswith(abstract_start)
        # The section heading and the next paper's title never leak into an abstract.
        assert "BenchmarksFull tables" not in paper["abstract"]
        assert not any(
            other["title"] in paper["abstract"] for other in papers if other is not paper
        )


def test_report_leaderboards(report: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, expected = report
    boards = data["leaderboards"]
    assert [list(board) for board in boards] == [BOARD_KEYS, BOARD_KEYS]
    aa, swe = boards
    assert (aa["slug"], aa["name"], aa["description"]) == (
        "artificial-analysis",
        AA_NAME,
        AA_DESCRIPTION,
    )
    assert (swe["slug"], swe["name"], swe["description"]) == (
        "swe-rebench",
        "SWE-rebench",
        SWE_DESCRIPTION,
    )
    assert [list(entry) for entry in aa["entries"]] == [AA_KEYS] * len(aa["entries"])
    assert [list(entry) for entry in swe["entries"]] == [SWE_KEYS] * len(swe["entries"])
    assert [tuple(entry.values()) for entry in aa["entries"]] == expected["aa"]
    assert [tuple(entry.values()) for entry in swe["entries"]] == expected["swe"]


def test_report_numbers_have_json_types(report: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, _ = report
    for board in data["leaderboards"]:
        for entry in board["entries"]:
            assert type(entry["rank"]) is int
            assert type(entry["score"]) is float
            assert type(entry["model"]) is str
            if "tokens_per_second" in entry:
                assert type(entry["tokens_per_second"]) is int
                assert type(entry["price_per_million_tokens"]) is float


def test_trending_paper_list() -> None:
    document = _parse("trending-papers.txt")
    assert isinstance(document, PaperListDocument)
    data = document.to_json()
    assert list(data) == ["kind", "papers"]
    assert data["kind"] == "paper-list"
    papers = data["papers"]
    assert len(papers) == 119
    assert [list(paper) for paper in papers] == [["title", "abstract"]] * 119
    # The subscribe box is dropped, including the button text glued to the first title.
    assert papers[0]["title"] == (
        "Lattica: A Decentralized Cross-NAT Communication Framework for Scalable AI Inference "
        "and Training"
    )
    assert papers[0]["abstract"].startswith("The rapid expansion of distributed Artificial")
    assert papers[1]["title"] == "JSTprove: Pioneering Verifiable AI for a Trustless Future"
    assert (
        papers[-1]["title"] == "Splitwise: Efficient generative LLM inference using phase splitting"
    )
    for paper in papers:
        assert "trending papers" not in paper["title"].casefold()
        assert not paper["title"].startswith("Subscribe")
        assert 0 < len(paper["title"]) <= 300
        assert len(paper["abstract"]) > len(paper["title"])
    assert len({paper["title"] for paper in papers}) == 119


def test_trending_titles_match_the_file() -> None:
    # Every other non-blank line after the header is a title, in order.
    lines = [
        line for line in (SAMPLES / "trending-papers.txt").read_text().splitlines() if line.strip()
    ]
    body = [line for line in lines if not line.startswith("Get trending papers")]
    body[0] = body[0].removeprefix("Subscribe")
    papers = _parse("trending-papers.txt").papers
    assert [(p.title, p.abstract) for p in papers] == list(zip(body[::2], body[1::2], strict=True))
