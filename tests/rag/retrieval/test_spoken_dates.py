"""Relative dates the retriever's grammar misses, read from the shared question analysis."""

from __future__ import annotations

from datetime import date

from rag.retrieval.query import OutletMatcher, QuestionParser
from rag.retrieval.spoken_dates import spoken_dates

TODAY = date(2023, 11, 1)  # a Wednesday


def test_days_ago_and_last_weekday_become_date_ranges() -> None:
    parser = QuestionParser(OutletMatcher(["TechCrunch", "Fortune"]), TODAY)
    ago = parser.parse("What did TechCrunch report 8 days ago about OpenAI?").dates
    assert [(d.start, d.end, d.text) for d in ago] == [(date(2023, 10, 24), date(2023, 10, 24), "8 days ago")]
    tuesday = parser.parse("What did Fortune say last Tuesday?").dates
    assert [(d.start, d.end) for d in tuesday] == [(date(2023, 10, 31), date(2023, 10, 31))]
    weeks = spoken_dates("What did Fortune report two weeks ago?", TODAY, [])
    assert weeks[0].start < date(2023, 10, 18) < weeks[0].end  # about two weeks, not exactly 14 days


def test_names_of_days_and_dates_the_grammar_reads_are_not_taken_twice() -> None:
    assert spoken_dates("Did Wired cover the Black Friday and Cyber Monday deals?", TODAY, []) == []
    assert spoken_dates("Who won on Sunday Night Football last year?", TODAY, []) == []
    parser = QuestionParser(OutletMatcher(["TechCrunch"]), TODAY)
    dated = parser.parse("What did TechCrunch report on October 5, 2023?").dates
    assert len(dated) == 1 and dated[0].start == date(2023, 10, 5)
