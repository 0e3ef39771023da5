"""Relative dates the retriever's grammar does not read ("8 days ago", "last Tuesday", "two weeks
ago"), taken from the shared question analysis (dateparser's ``search_dates``) as date ranges."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from rag.question.analysis import analyze

# Only phrases that count back from today: dateparser also reads a bare "2023" (as today's day in 2023),
# "Black Friday", "Cyber Monday" and "Sunday Night Football", and "last year" in a question is an event's
# time more often than a report's
_RELATIVE_WORD = re.compile(r"\bago\b|\blast\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)
_SLACK_DAYS = (("month", 15), ("week", 3))  # "two weeks ago" is about, not exactly, 14 days back


class SpokenDate(NamedTuple):
    """A relative date of the question as a range of days, with its words and their offset."""

    start: date
    end: date
    text: str
    at: int


def spoken_dates(question: str, today: date, known: list[tuple[int, int]]) -> list[SpokenDate]:
    """The question's relative dates outside the ``known`` (start, end) character spans, as ranges."""
    analysis = analyze(question, datetime.combine(today, time()))
    found: list[SpokenDate] = []
    for spoken in analysis.dates:
        if spoken.value is None or not _RELATIVE_WORD.search(spoken.text):
            continue
        at = question.find(spoken.text)
        if any(start < at + len(spoken.text) and at < end for start, end in known):
            continue
        day = spoken.value.date()
        slack = next((days for unit, days in _SLACK_DAYS if unit in spoken.text.lower()), 0)
        text = re.sub(r"\s+(?:about|on|of|for|in)$", "", spoken.text)  # dateparser keeps a trailing word
        found.append(SpokenDate(day - timedelta(slack), min(day + timedelta(slack), today), text, at))
    return found
