"""Spans that, read in their sentence, cannot be what the question asks for."""

from __future__ import annotations

import pytest

from rag.answer.lead import build_lead
from rag.answer.sanity import misreads
from rag.answer.spans import typed_spans
from rag.question.analysis import analyze
from tests.rag.answer.test_extractive import scored, source


def verdicts(question: str, sentence: str) -> dict[str, bool]:
    analysis = analyze(question)
    return {span.text: misreads(span, sentence, analysis) for span in typed_spans([sentence])[0]}


def test_a_number_must_count_what_the_question_counts() -> None:
    sentence = "He was found guilty on seven counts and faces about seven weeks of hearings before 25 years."
    read = verdicts("How many years in prison was he sentenced to?", sentence)
    assert read["seven"] and read["about seven weeks"]
    assert not read["25 years"]


@pytest.mark.parametrize(
    ("question", "sentence", "span"),
    [
        ("How many copies has the game sold?", "Picking one of the twelve classes matters.", "one"),
        (
            "How much in damages is Epic seeking?",
            "Google and Activision signed a three-year agreement.",
            "three-year",
        ),
        (
            "Who underwrote the capital raising?",
            "The Marc Lore-founded startup raised $100 million.",
            "Marc Lore-founded",
        ),
    ],
)
def test_partitives_attributes_and_adjectival_names_are_not_answers(
    question: str, sentence: str, span: str
) -> None:
    read = verdicts(question, sentence)
    assert read.get(span, True)  # the span is read as a misreading, or not offered at all


def test_how_big_is_never_answered_by_a_span_of_time_and_how_long_is() -> None:
    sentence = "The crowd of 80,000 fell silent for 12 minutes after the decades-old rivalry resumed."
    assert verdicts("How big was the crowd?", sentence)["12 minutes"]
    assert not verdicts("How long was the crowd silent?", sentence)["12 minutes"]


def test_a_count_next_to_the_thing_asked_for_is_kept() -> None:
    a = source(
        1, "Polygon", "Baldur's Gate 3 has sold 10 million copies, one of the best launches this year."
    )
    lead = build_lead(analyze("How many copies has Baldur's Gate 3 sold?"), [scored(a, 0.6, 0)], [a])
    assert lead is not None and lead.values[0].text == "10 million"
    b = source(2, "Polygon", "Picking one of the twelve classes in Baldur's Gate 3 matters.")
    assert build_lead(analyze("How many copies has Baldur's Gate 3 sold?"), [scored(b, 0.6, 0)], [b]) is None
