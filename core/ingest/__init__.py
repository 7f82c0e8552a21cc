"""Read the report's published text and store what it says."""

from core.ingest.document import (
    Document,
    EntryRecord,
    LeaderboardRecord,
    PaperListDocument,
    PaperRecord,
    ReportDocument,
)
from core.ingest.errors import ParseError
from core.ingest.parse import parse_document

__all__ = [
    "Document",
    "EntryRecord",
    "LeaderboardRecord",
    "PaperListDocument",
    "PaperRecord",
    "ParseError",
    "ReportDocument",
    "parse_document",
]
