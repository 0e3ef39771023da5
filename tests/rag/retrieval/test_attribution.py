"""Outlets a question attributes reports to, and those the store has no article from."""

from __future__ import annotations

import pytest

from rag.retrieval.attribution import attributed_names, unknown_outlets
from rag.retrieval.query import OutletMatcher

STORE = OutletMatcher(
    ["The Verge", "TechCrunch", "Cnbc | World Business News Leader", "Live Science: Articles"]
)


def known(name: str) -> bool:
    return bool(STORE.find(name))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Considering an ESPN article and a Sports Illustrated piece on Ross Atkins, which position?",
            ["ESPN", "Sports Illustrated"],
        ),
        (
            "Based on a report by Bloomberg and a separate article by Reuters, what is the first letter?",
            ["Bloomberg", "Reuters"],
        ),
        (
            "Considering an article in The New York Times and another in The Guardian about X, which city?",
            ["New York Times", "Guardian"],
        ),
        ("Did a report from The Verge and Search Engine Land cover Danny Sullivan?", ["Search Engine Land"]),
    ],
)
def test_unknown_outlets_are_named(question: str, expected: list[str]) -> None:
    assert unknown_outlets(question, known) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Does the TechCrunch article on the EU's investigation agree with the later TechCrunch article?",
        "Which company, according to Eddy Cue, had no valid alternative, as reported by The Verge?",
        "Does the article from 'Live Science: Articles' suggest that the vaccine works?",
        "Is the Cnbc | World Business News Leader report consistent with a The Verge story?",
        "What did the report in October say about the trial?",
        "Which systems were discussed at IQDEX?",
    ],
)
def test_store_outlets_people_and_dates_are_not_flagged(question: str) -> None:
    assert unknown_outlets(question, known) == []


def test_names_come_in_question_order_once() -> None:
    question = "Does a Bloomberg article agree with a Reuters report, and with the report by Bloomberg?"
    assert attributed_names(question) == ["Bloomberg", "Reuters"]


def test_an_outlet_as_the_subject_of_a_reporting_verb_is_attributed() -> None:
    assert attributed_names("What did Bloomberg report about IQDEX?") == ["Bloomberg"]
    assert attributed_names("Has The Verge covered the trial?") == ["Verge"]
    assert attributed_names("Did TechCrunch report on the deal first?") == ["TechCrunch"]
    assert attributed_names("What did Sam Altman say about OpenAI?") == []  # people say things too
