"""Question analysis on the real spaCy pipeline: answer type, focus, entities, dates."""

from __future__ import annotations

from datetime import datetime

import pytest

from rag.question import AnswerType, analyze

NOW = datetime(2025, 5, 1)


@pytest.mark.parametrize(
    ("question", "answer_type", "focus"),
    [
        (
            "Which South Korean agency confirmed the arms export discussions with Iraq?",
            "organisation",
            "agency",
        ),
        ("What was the contract price of the helicopters South Korea sold to Iraq?", "money", "price"),
        ("How many FA-50 jets will be delivered to Iraq in 2027?", "quantity", "jet"),
        ("When was IQDEX 2025 held?", "date", "hold"),
        ("Did Bloomberg report on IQDEX?", "yes/no", "report"),
        ("Which systems were discussed at IQDEX?", "list", "system"),
        ("Where was the exhibition held?", "place", "hold"),
        ("Who published the book by the Iraqi author?", "organisation", "publisher"),
        ("What is the value of the merger?", "money", "value"),
        ("What percentage of voters backed the plan?", "percent", "percentage"),
        ("How much did South Korea pay for the jets?", "money", "pay"),
        ("How much rain was recorded in Sydney?", "quantity", "rain"),
        ("What year did the U.S. ban the app?", "date", "year"),
        ("What is the name of the agency that approved the sale?", "organisation", "agency"),
        ("Why were trains cancelled in Sydney?", "description", ""),
        (
            "Who is the individual associated with the cryptocurrency industry facing a criminal trial, "
            "according to The Verge and TechCrunch?",
            "person",
            "individual",
        ),
        (
            "Does the TechCrunch article on Apple's AI plans and the Verge report on Google's antitrust "
            "trial both mention a delay?",
            "yes/no",
            "mention",
        ),
        (
            "Which company, reported by TechCrunch and The Verge, is facing an antitrust suit?",
            "organisation",
            "company",
        ),
    ],
)
def test_answer_type_and_focus(question: str, answer_type: str, focus: str) -> None:
    analysis = analyze(question, now=NOW)
    assert (analysis.answer_type.value, analysis.focus) == (answer_type, focus)
    assert analysis.is_yes_no == (analysis.answer_type is AnswerType.YES_NO)


def test_demonyms_and_nicknames_map_to_places() -> None:
    agency = analyze("Which South Korean agency confirmed the arms export discussions with Iraq?", now=NOW)
    by_text = {e.text: e for e in agency.entities}
    assert by_text["South Korean"].place == "South Korea"
    assert "South Korea" in by_text["South Korean"].forms
    assert by_text["Iraq"].forms == ("Iraq", "Iraqi", "Baghdad")  # the capital stands for the country in news
    assert agency.places == ("South Korea", "Iraq")
    kiwi = analyze("Is a Kiwi firm behind the deal?", now=NOW)
    assert kiwi.places == ("New Zealand",)
    iraqi = analyze("Who published the book by the Iraqi author?", now=NOW)
    assert iraqi.places == ("Iraq",)


def test_entities_the_small_model_misses_are_kept() -> None:
    jets = analyze("How many FA-50 jets will be delivered to Iraq in 2027?", now=NOW)
    assert [e.text for e in jets.entities] == ["FA-50", "Iraq"]
    iqdex = analyze("When was IQDEX 2025 held?", now=NOW)
    assert [e.text for e in iqdex.entities] == ["IQDEX"]
    question = iqdex.question
    assert all(question[e.start : e.end] == e.text for e in iqdex.entities)


def test_dates_absolute_and_relative() -> None:
    recent = analyze("What did Bloomberg report about IQDEX 8 days ago?", now=NOW)
    assert [(d.text, d.value) for d in recent.dates] == [("8 days ago", datetime(2025, 4, 23))]
    delivery = analyze("How many FA-50 jets will be delivered to Iraq in 2027?", now=NOW).dates
    assert [(d.text, d.value.year if d.value else None) for d in delivery] == [("in 2027", 2027)]
    assert analyze("What may happen now at IQDEX?", now=NOW).dates == ()  # "may" and "now" are not dates


def test_analysis_is_memoised_per_question() -> None:
    first = analyze("Did Bloomberg report on IQDEX?", now=NOW)
    assert analyze("Did Bloomberg report on IQDEX?", now=NOW) is first


def test_an_agent_noun_asks_for_a_person_and_a_thing_noun_does_not() -> None:
    assert analyze("Which Novus Capital adviser commented on the market?").answer_type is AnswerType.PERSON
    assert analyze("Which EU commissioner sent Musk a letter?").answer_type is AnswerType.PERSON
    assert analyze("Which member of the board resigned?").answer_type is AnswerType.PERSON
    assert analyze("Which chapter of the report covers Iraq?").answer_type is not AnswerType.PERSON


def test_how_much_with_a_money_verb_asks_for_money_and_capitals_name_their_country() -> None:
    assert analyze("How much did Star Entertainment raise?").answer_type is AnswerType.MONEY
    seoul = next(e for e in analyze("What did Seoul offer Baghdad?").entities if e.text == "Seoul")
    assert seoul.place == "South Korea" and "South Korea" in seoul.forms


def test_a_question_with_a_wh_word_after_a_lead_in_is_not_yes_no() -> None:
    question = "Considering the reports by The Guardian on Shubha Satheesh, which university did she attend?"
    assert analyze(question).answer_type is not AnswerType.YES_NO
    assert (
        analyze("Did The Verge report on the company which Google bought?").answer_type is AnswerType.YES_NO
    )


@pytest.mark.parametrize(
    ("question", "choice"),
    [
        ("Was the portrayal of Google consistent or inconsistent between the two reports?", True),
        ("Did Sporting News report a win or a loss for the Cowboys?", True),
        ("Do both articles praise the deal, or do they present different views?", True),
        ("Did Sporting News report a successful or unsuccessful field goal?", True),
        ("Does TechCrunch report that Google paid Apple, while The Verge says the deal was legal?", False),
        ("Did The Verge or TechCrunch report on the trial?", False),
    ],
)
def test_a_yes_no_shaped_question_that_offers_alternatives_is_a_choice(question: str, choice: bool) -> None:
    analysis = analyze(question)
    assert analysis.is_yes_no and analysis.is_choice is choice
