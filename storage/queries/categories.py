"""The arXiv categories papers are filed under."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Paper


async def paper_categories(session: AsyncSession) -> list[str]:
    """Return every category a stored paper has, sorted."""
    query = select(Paper.category).where(col(Paper.category).is_not(None)).distinct()
    return sorted(category for category in (await session.exec(query)).all() if category)
