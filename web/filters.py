"""The Ask tab's filters: date presets, the articles the current filters let through (counted
beside them, and checked before a question runs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rag.assistant import Assistant
from rag.types import Article, Filters
from store.vectors import date_number
from web.service import articles, make_filters

DATE_PRESETS = {"Any time": None, "Last 7 days": 7, "Last 30 days": 30, "Custom range": None}
CUSTOM_RANGE = "Custom range"


def preset_dates(
    preset: str | None, date_from: str | None, date_to: str | None, today: date | None = None
) -> tuple[str | None, str | None]:
    """The (from, to) dates a date preset stands for: the last N days up to ``today``, the custom
    From/To as typed, or no dates for any time."""
    days = DATE_PRESETS.get(preset or "")
    if days is not None:
        return ((today or date.today()) - timedelta(days=days)).isoformat(), None
    if preset == CUSTOM_RANGE:
        return date_from, date_to
    return None, None


def ui_filters(
    outlets: Sequence[str] | None,
    preset: str | None,
    date_from: str | None,
    date_to: str | None,
    categories: Sequence[str] | None,
    today: date | None = None,
) -> Filters:
    """Validated :class:`Filters` from the workspace's filter controls (see :func:`make_filters`)."""
    start, end = preset_dates(preset, date_from, date_to, today)
    return make_filters(_strings(outlets), start, end, _strings(categories))


def _strings(values: Sequence[str] | str | None) -> list[str]:
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values or [] if v is not None]


def matching(found: Sequence[Article], filters: Filters) -> list[Article]:
    """The articles ``filters`` let through, as the vector store's ``where`` clause reads them: outlet
    and category among those listed, the publication day within the dates (an undated article counts
    as day 0)."""
    start = date_number(filters.date_from) if filters.date_from else None
    end = date_number(filters.date_to) if filters.date_to else None
    out = []
    for a in found:
        day = date_number(a.published_at)
        if filters.sources and a.source not in filters.sources:
            continue
        if filters.categories and a.category not in filters.categories:
            continue
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        out.append(a)
    return out


def filter_counts(assistant: Assistant, filters: Filters) -> tuple[int, int]:
    """(articles the filters let through, articles stored)."""
    found = articles(assistant)
    return len(matching(found, filters)), len(found)
