"""Question parsing: outlets with aliases, absolute, qualified and relative dates, recency."""

from __future__ import annotations

from datetime import date

import pytest

from rag.retrieval.query import DateRange, OutletMatcher, QuestionParser, outlet_aliases, parse_dates

OUTLETS = [
    "Cnbc | World Business News Leader",
    "The Independent - Life and Style",
    "The Independent - Sports",
    "Sporting News",
    "TechCrunch",
    "The Age",
    "The Verge",
    "CBSSports.com",
    "FOX News - Health",
]
TODAY = date(2023, 12, 20)  # a Wednesday


@pytest.fixture
def parser() -> QuestionParser:
    return QuestionParser(OutletMatcher(OUTLETS, {"Fox": "FOX News - Health"}), today=TODAY)


def test_aliases_come_from_outlet_names() -> None:
    assert outlet_aliases("Cnbc | World Business News Leader") == {
        "Cnbc | World Business News Leader",
        "Cnbc",
        "World Business News Leader",
    }
    assert outlet_aliases("The Independent - Sports") == {"The Independent - Sports", "The Independent"}
    assert "CBSSports" in outlet_aliases("CBSSports.com")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did CNBC report about FTX?", ["Cnbc | World Business News Leader"]),
        ("as reported by a World Business News Leader", ["Cnbc | World Business News Leader"]),
        ("Did TechCrunch and The Verge both report it?", ["TechCrunch", "The Verge"]),
        ("after the Sporting News report of Kelce", ["Sporting News"]),
        ("Does 'The Independent - Life and Style' claim", ["The Independent - Life and Style"]),
        ("What did The Independent say?", ["The Independent - Life and Style", "The Independent - Sports"]),
        ("Fox wrote about sleep", ["FOX News - Health"]),
        ("What does The Age say about Google?", ["The Age"]),
        ("people over the age of 30", []),
        ("sporting news in general? techcrunchy", []),
    ],
)
def test_outlets_named_in_questions(parser: QuestionParser, question: str, expected: list[str]) -> None:
    assert parser.parse(question).outlets == expected


def test_user_outlet_names_resolve_through_aliases() -> None:
    matcher = OutletMatcher(OUTLETS)
    assert matcher.resolve("CNBC") == ["Cnbc | World Business News Leader"]
    assert matcher.resolve("TechCrunch") == ["TechCrunch"]
    assert matcher.resolve("Unknown Outlet") == ["Unknown Outlet"]


def _ranges(text: str) -> list[tuple[date | None, date | None]]:
    return [(r.start, r.end) for r in parse_dates(text, TODAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("published on September 28, 2023", [(date(2023, 9, 28), date(2023, 9, 28))]),
        ("on Sept. 28th, 2023", [(date(2023, 9, 28), date(2023, 9, 28))]),
        ("the article of 2023-10-05", [(date(2023, 10, 5), date(2023, 10, 5))]),
        ("on the 5th of December 2023", [(date(2023, 12, 5), date(2023, 12, 5))]),
        ("in October 2023", [(date(2023, 10, 1), date(2023, 10, 31))]),
        ("in February 2024", [(date(2024, 2, 1), date(2024, 2, 29))]),
        ("before October 4, 2023", [(None, date(2023, 10, 3))]),
        ("after October 4, 2023", [(date(2023, 10, 5), None)]),
        ("since November 2023", [(date(2023, 11, 1), None)]),
        ("between October 4, 2023 and November 6, 2023", [(date(2023, 10, 4), date(2023, 11, 6))]),
        ("on November 30", [(date(2023, 11, 30), date(2023, 11, 30))]),
        ("on December 25", [(date(2022, 12, 25), date(2022, 12, 25))]),  # not yet this year
        ("nothing dated here, 2023 was a year", []),
    ],
)
def test_absolute_dates(text: str, expected: list[tuple[date | None, date | None]]) -> None:
    assert _ranges(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what happened yesterday", (date(2023, 12, 19), date(2023, 12, 19))),
        ("news from last week", (date(2023, 12, 11), date(2023, 12, 17))),
        ("this week", (date(2023, 12, 18), date(2023, 12, 20))),
        ("last month", (date(2023, 11, 1), date(2023, 11, 30))),
        ("in the past 3 days", (date(2023, 12, 17), date(2023, 12, 20))),
        ("over the last two weeks", (date(2023, 12, 6), date(2023, 12, 20))),
    ],
)
def test_relative_dates_follow_the_reference_date(text: str, expected: tuple[date, date]) -> None:
    assert _ranges(text) == [expected]


def test_reference_date_can_be_given_per_question(parser: QuestionParser) -> None:
    parsed = parser.parse("What did TechCrunch report last week?", today=date(2023, 10, 11))
    assert parsed.outlets == ["TechCrunch"]
    assert [(r.start, r.end) for r in parsed.dates] == [(date(2023, 10, 2), date(2023, 10, 8))]


def test_recency(parser: QuestionParser) -> None:
    assert parser.parse("What is the latest on the FTX trial?").recency
    assert not parser.parse("What happened at the FTX trial?").recency


def test_date_range_contains() -> None:
    assert DateRange(date(2023, 10, 1), None).contains(date(2023, 12, 1))
    assert not DateRange(None, date(2023, 10, 1)).contains(date(2023, 10, 2))


def test_multi_part_questions_split_per_outlet_with_their_dates(parser: QuestionParser) -> None:
    question = (
        "After The Verge reported on September 26, 2023, that Apple defended its deal, did TechCrunch's "
        "December 15, 2023, report on a class action suit show a consistent portrayal?"
    )
    parts = parser.parse(question).parts
    assert [p.outlets for p in parts] == [["The Verge"], ["TechCrunch"]]
    assert [[(d.start, d.end) for d in p.dates] for p in parts] == [
        [(date(2023, 9, 26), date(2023, 9, 26))],
        [(date(2023, 12, 15), date(2023, 12, 15))],
    ]
    assert "Apple defended" in parts[0].text and "class action" in parts[1].text
    assert "The Verge" not in parts[0].text and "TechCrunch" not in parts[1].text
