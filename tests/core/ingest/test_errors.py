"""Anything that is not a report or a paper list fails with a message a person can act on."""

from __future__ import annotations

import pytest

from core.ingest import ParseError, ReportDocument, parse_document
from core.ingest.rows import Column, Evidence, parse_header, resolve_rows
from core.ingest.text import clean, clean_line

# A small issue of our own, every part in place; each test below breaks one part of it.
EDITORIAL_1 = (
    "Compute budgets grew again this week. Labs kept shipping agents and the market kept asking "
    "who pays for them."
)
EDITORIAL_2 = (
    "Open weights closed more of the gap. Two labs published evaluations with their releases."
)
PAPER_TITLE = "Sparse Routing for Long Context cs.LG"
ABSTRACT = (
    "We study sparse routing for long context models. It reduces cost at equal quality on three "
    "benchmarks."
)
AA_ROWS = "1Orion 371.2140$3.00\n2Lumen Pro 2.570.488$1.25"
SWE_ROWS = "1Orion 368.5%\n2lumen-pro-2.5-2026-05-01-high66.1%"
REPORT = f"""The Inference Report

June 3, 2026

{EDITORIAL_1}

{EDITORIAL_2}

Ada Quill

AI LabsAll labs
From the WireAll feeds
Research PapersAll papers
{PAPER_TITLE}

{ABSTRACT}

BenchmarksFull tables
Artificial AnalysisIntelligence Index

Composite score across coding, math, and reasoning

#ModelScoretok/s$/1M
{AA_ROWS}
SWE-rebench

Agentic coding on real-world software engineering tasks

#ModelScore
{SWE_ROWS}"""

LIST_ABSTRACT = (
    "We propose a scheduler for mixed inference workloads and show that it halves tail latency "
    "on two production traces."
)
PAPER_LIST = f"""Get trending papers in your email inbox once a day!
Get trending papers in your email inbox!
SubscribeTail-Aware Scheduling for Inference Clusters
{LIST_ABSTRACT}
Cheap Verifiers for Long Proofs
{ABSTRACT}
"""


def line_of(text: str, needle: str, *, whole: bool = False) -> int:
    """Return the number of the first line of `text` holding (if `whole`, being) `needle`."""
    for number, line in enumerate(text.split("\n"), start=1):
        if (line == needle) if whole else (needle in line):
            return number
    raise AssertionError(f"{needle!r} not in the text")


def parse_error(data: str | bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_document(data)
    return caught.value


def test_the_fixtures_themselves_parse() -> None:
    # Otherwise every test below would pass for the wrong reason.
    report = parse_document(REPORT)
    assert isinstance(report, ReportDocument)
    assert report.author == "Ada Quill"
    assert [(e.model, e.score, e.tokens_per_second) for e in report.leaderboards[0].entries] == [
        ("Orion 3", 71.2, 140),
        ("Lumen Pro 2.5", 70.4, 88),
    ]
    assert [(e.model, e.score) for e in report.leaderboards[1].entries] == [
        ("Orion 3", 68.5),
        ("lumen-pro-2.5-2026-05-01-high", 66.1),
    ]
    papers = parse_document(PAPER_LIST).to_json()["papers"]
    assert [p["title"] for p in papers] == [
        "Tail-Aware Scheduling for Inference Clusters",
        "Cheap Verifiers for Long Proofs",
    ]


def test_parse_error_is_a_value_error_that_names_the_line() -> None:
    error = ParseError("bad row", line=7)
    assert isinstance(error, ValueError)
    assert (error.line, error.message, str(error)) == (7, "bad row", "line 7: bad row")
    assert str(ParseError("empty")) == "empty"


# ---------------------------------------------------------------------------------------------
# Not text at all


@pytest.mark.parametrize("data", [b"", "", b"\n\n", " \t \n\r\n  \n", "\ufeff", b"\xef\xbb\xbf"])
def test_empty_or_blank_input(data: str | bytes) -> None:
    error = parse_error(data)
    assert error.message == "the file is empty"
    assert error.line is None


@pytest.mark.parametrize(
    "data",
    [
        b"\x00",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        b"%PDF-1.7\n\x00\x01\x02",
        REPORT.encode() + b"\0",
    ],
)
def test_binary_input(data: bytes) -> None:
    assert "binary" in parse_error(data).message


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"\xff\xfeT\x00h\x00e\x00", None),  # UTF-16: its NULs make it binary first
        (b"The Inference Report\n\xe9t\xe9\n", 21),  # Latin-1
        (b"caf\xc3", 3),  # truncated sequence
        (REPORT.encode()[:40] + b"\x80" + REPORT.encode()[40:], 40),
    ],
)
def test_invalid_utf8(data: bytes, offset: int | None) -> None:
    error = parse_error(data)
    if offset is None:
        assert "binary" in error.message
    else:
        assert error.message == f"not UTF-8 text (byte {offset})"


@pytest.mark.parametrize(
    "text",
    [
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "The weather was nice today.\nWe went to the park and had a picnic with friends.\n",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
        "Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n"
        "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.\n",
        "Dear team,\n\nThe meeting moved to Thursday because the room was booked by another "
        "group for most of the week.\n\nThanks\n\nSee you there and bring the quarterly numbers "
        "along with your notes.\n",
        "It was a bright cold day in April, and the clocks were striking thirteen. "
        "Winston Smith slipped quickly through the glass doors.\n\n"
        "The hallway smelt of boiled cabbage and old rag mats.",
        '{"kind": "report", "title": "The Inference Report"}',
        "def main():\n    return 42\n",
    ],
)
def test_random_prose_is_neither_report_nor_paper_list(text: str) -> None:
    error = parse_error(text)
    assert error.message.startswith("not a report")
    assert "paper list" in error.message
    assert error.line == 1


# ---------------------------------------------------------------------------------------------
# A report with a part missing


def test_report_without_date() -> None:
    error = parse_error(REPORT.replace("June 3, 2026\n", ""))
    assert "no date line" in error.message
    assert "report" in error.message


def test_report_with_date_below_the_editorial() -> None:
    # The date belongs under the title; one below body text does not make the body a title.
    text = REPORT.replace("June 3, 2026\n", "").replace(
        EDITORIAL_1, f"{EDITORIAL_1}\n\nJune 3, 2026"
    )
    assert "no date line" in parse_error(text).message


def test_report_without_author() -> None:
    text = REPORT.replace("Ada Quill\n", "")
    error = parse_error(text)
    assert error.message.startswith("expected the author's name after the editorial")
    assert error.line == line_of(text, EDITORIAL_2)


@pytest.mark.parametrize(
    "author", ["by the editors of this report and friends, who wrote it together", "ada quill"]
)
def test_report_with_unlikely_author(author: str) -> None:
    text = REPORT.replace("Ada Quill", author)
    error = parse_error(text)
    assert "author" in error.message
    assert error.line == line_of(text, author)


def test_report_with_empty_editorial() -> None:
    text = REPORT.replace(f"{EDITORIAL_1}\n\n{EDITORIAL_2}\n\n", "")
    error = parse_error(text)
    assert error.message == "the editorial is empty"
    assert error.line == line_of(text, "Ada Quill")


def test_report_with_nothing_after_the_date() -> None:
    text = "The Inference Report\n\nJune 3, 2026\n\nAI LabsAll labs\n"
    error = parse_error(text)
    assert error.message == "no editorial and author after the date line"
    assert error.line == 3


def test_paper_title_without_abstract_before_the_benchmarks() -> None:
    text = REPORT.replace(f"{ABSTRACT}\n", "")
    error = parse_error(text)
    assert error.message == "paper 'Sparse Routing for Long Context' has no abstract"
    assert error.line == line_of(text, PAPER_TITLE)


def test_paper_title_without_abstract_before_another_title() -> None:
    text = REPORT.replace(PAPER_TITLE, f"Dense Things cs.CL\n{PAPER_TITLE}")
    error = parse_error(text)
    assert error.message == "paper 'Dense Things' has no abstract"
    assert error.line == line_of(text, "Dense Things")


def test_paper_without_category() -> None:
    text = REPORT.replace(PAPER_TITLE, "Sparse Routing for Long Context")
    error = parse_error(text)
    assert "arXiv category" in error.message
    assert error.line == line_of(text, "Sparse Routing")


def test_section_twice() -> None:
    text = REPORT.replace(
        "BenchmarksFull tables", "Research PapersAll papers\nBenchmarksFull tables"
    )
    error = parse_error(text)
    assert error.message == "section 'Research Papers' appears twice"
    assert error.line == line_of(text, "BenchmarksFull tables") - 1


# ---------------------------------------------------------------------------------------------
# Tables


@pytest.mark.parametrize(
    ("row", "replacement"),
    [
        ("2Lumen Pro 2.570.488$1.25", "5Claude Sonnet 4.651.7"),  # cut off before speed and price
        ("2Lumen Pro 2.570.488$1.25", "2Lumen Pro 2.570.488$1.2"),  # price cut short
        ("2Lumen Pro 2.570.488$1.25", "2Lumen Pro$1.25"),  # no score at all
        ("2Lumen Pro 2.570.488$1.25", "2$1.25"),  # nothing but rank and price
        ("2Lumen Pro 2.570.488$1.25", "2Lumen Pro 2.5 seventy$1.25"),
        ("2lumen-pro-2.5-2026-05-01-high66.1%", "2lumen-pro-high%"),
        ("2lumen-pro-2.5-2026-05-01-high66.1%", "2 66.1%"),  # no model name
    ],
)
def test_unreadable_table_row(row: str, replacement: str) -> None:
    text = REPORT.replace(row, replacement)
    error = parse_error(text)
    assert error.message.startswith(f"cannot read {replacement!r} as a row of rank, model, score")
    assert error.line == line_of(text, replacement)


@pytest.mark.parametrize("header", ["#ModelScoreVotes", "#ModelScoretok/sLicense", "#ModèleScore"])
def test_table_header_with_unknown_column(header: str) -> None:
    text = REPORT.replace("#ModelScoretok/s$/1M", header)
    error = parse_error(text)
    assert error.message == f"unknown column in table header {header!r}"
    assert error.line == line_of(text, header)


@pytest.mark.parametrize("header", ["#Scoretok/s$/1M", "#ModelScoreScore", "#Model"])
def test_table_header_in_the_wrong_shape(header: str) -> None:
    text = REPORT.replace("#ModelScoretok/s$/1M", header)
    error = parse_error(text)
    assert "should start with rank, model and score" in error.message
    assert error.line == line_of(text, header)


def test_table_without_rows() -> None:
    text = REPORT.replace(AA_ROWS + "\n", "")
    error = parse_error(text)
    assert error.message == "table 'Artificial AnalysisIntelligence Index' has no rows"
    assert error.line == line_of(text, "#ModelScoretok/s$/1M")


def test_last_table_without_rows() -> None:
    text = REPORT.replace("\n" + SWE_ROWS, "")
    error = parse_error(text)
    assert error.message == "table 'SWE-rebench' has no rows"
    assert error.line == line_of(text, "#ModelScore", whole=True)


def test_benchmarks_without_table_header() -> None:
    text = REPORT.split("#ModelScoretok")[0]
    error = parse_error(text)
    assert "no table header" in error.message
    assert error.line == line_of(text, "Artificial AnalysisIntelligence Index")


def test_table_header_without_table_name() -> None:
    text = REPORT.replace(
        "Artificial AnalysisIntelligence Index\n\nComposite score across coding, math, and "
        "reasoning\n\n",
        "",
    )
    error = parse_error(text)
    assert error.message == "a table header with no table name above it"
    assert error.line == line_of(text, "#ModelScoretok/s$/1M")


def test_resolver_errors_directly() -> None:
    columns = (Column.RANK, Column.MODEL, Column.SCORE, Column.TOKENS, Column.PRICE)
    with pytest.raises(ParseError) as caught:
        resolve_rows([(12, "1GPT-5.457.296$5.63"), (13, "2Gemini")], columns, Evidence())
    assert caught.value.line == 13
    assert "'2Gemini'" in caught.value.message
    with pytest.raises(ParseError) as caught:
        parse_header("#ModelScoreElo", line_number=4)
    assert caught.value.line == 4
    with pytest.raises(ParseError):
        resolve_rows([(1, "Claude Opus 4.665.3%")], columns[:3], Evidence())  # no rank


# ---------------------------------------------------------------------------------------------
# Paper lists


def test_paper_list_ending_with_a_title() -> None:
    text = PAPER_LIST + "Orphan Title Without Words\n"
    error = parse_error(text)
    assert error.message == "paper 'Orphan Title Without Words' has no abstract after it"
    assert error.line == line_of(text, "Orphan Title")


def test_paper_list_with_a_title_missing_its_abstract_in_the_middle() -> None:
    text = PAPER_LIST.replace(f"{LIST_ABSTRACT}\n", "")
    error = parse_error(text)
    assert error.message.startswith(
        "paper 'Tail-Aware Scheduling for Inference Clusters' has no abstract"
    )
    assert error.line == line_of(text, "Tail-Aware Scheduling")


def test_paper_list_header_only() -> None:
    text = (
        "Get trending papers in your email inbox once a day!\n"
        "Get trending papers in your email inbox!\n"
    )
    error = parse_error(text)
    assert error.message == "the paper list has no papers"


def test_paper_list_without_header_needs_a_title_over_an_abstract() -> None:
    assert len(parse_document(PAPER_LIST.split("\n", 2)[2].removeprefix("Subscribe")).papers) == 2
    text = "Cheap Verifiers for Long Proofs\n" + ABSTRACT + "\nOrphan Title\n"
    error = parse_error(text)
    assert error.message == "paper 'Orphan Title' has no abstract after it"
    assert error.line == 3


# ---------------------------------------------------------------------------------------------
# Cleaning


def test_clean_strips_control_and_private_use_characters() -> None:
    dirty = "a\x00b\x01c\x08d\x0be\x0cf\x0eg\x1fh\x7fi\x85j\x9fk\ufefflm\ue000n\ue123o\uf8ffp"
    assert clean(dirty) == "abcdefghijklmnop"
    # Tab and newline stay; Windows and old Mac line ends become newlines.
    assert clean("a\tb\r\nc\rd\n") == "a\tb\nc\nd\n"
    # The neighbours of the private-use range are ordinary characters.
    assert clean("\ud7ff\ufb01\u00e9") == "\ud7ff\ufb01\u00e9"
    # NFC: a decomposed é becomes one code point.
    assert clean("e\u0301") == "\u00e9"
    assert clean_line("  a \ue000 b\x07\t c  ") == "a b c"


def test_every_private_use_character_is_removed() -> None:
    private = "".join(chr(code) for code in range(0xE000, 0xF900))
    assert clean(f"x{private}y") == "xy"


def test_report_with_search_marks_and_controls_parses_clean() -> None:
    # Search pages wrap matched terms in private-use marks; a stray control can ride along.
    marked = REPORT.replace("Compute budgets", "\ue000Compute\ue001 budgets\x07").replace(
        "Orion 3", "Ori\ue002on 3"
    )
    plain = parse_document(REPORT).to_json()
    assert parse_document(marked).to_json() == plain
    assert parse_document(marked.encode()).to_json() == plain
