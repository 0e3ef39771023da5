"""Answerability signals and the fitted model: entities in any form, typed spans near the focus, reasons."""

from __future__ import annotations

import json

from rag.answer.abstain import check_specifics
from rag.answer.answerability import (
    FEATURES,
    MODEL_FILE,
    absent_roles,
    load_model,
    missing_entities,
    named_entities,
    outside_outlets,
    reason,
    signals,
)
from rag.answer.lead import build_lead
from rag.question.analysis import analyze
from tests.rag.answer.test_extractive import scored, source

SEED = (
    "The Defense Acquisition Program Administration (DAPA) of South Korea recently confirmed these "
    "discussions, which took place during the IQDEX 2025 defense exhibition held in Baghdad."
)


def test_a_demonym_or_a_capital_finds_its_country_in_the_evidence() -> None:
    a = source(1, "OSINTSights", SEED)
    ranked = [scored(a, 0.6, 0)]
    for question in (
        "Which South Korean agency confirmed the talks with Iraq?",
        "Which agency confirmed Seoul's talks with Baghdad?",
    ):
        analysis = analyze(question)
        got = signals(
            analysis,
            ranked,
            check_specifics(question, [SEED]),
            build_lead(analysis, ranked, [a]),
            [],
            lambda w: 1,
        )
        assert got["entity_share"] == 1.0, question


def test_a_typed_question_without_a_value_near_its_focus_says_what_is_missing() -> None:
    a = source(1, "OSINTSights", SEED)
    ranked = [scored(a, 0.6, 0)]
    analysis = analyze("What was the contract price of the helicopters South Korea sold to Iraq?")
    specifics = check_specifics(analysis.question, [SEED])
    got = signals(analysis, ranked, specifics, build_lead(analysis, ranked, [a]), [], lambda w: 1)
    assert got["typed"] == 1.0 and got["value_found"] == 0.0 and got["value_near"] == 0.0
    assert reason(analysis, got, []) == "No article gives the contract price."
    assert (
        reason(analyze("How many FA-50 jets will Iraq buy?"), got, [])
        == "No article gives the number of FA-50 jets."
    )
    assert reason(analysis, got, ["Bloomberg"]) == "No article mentions “Bloomberg”."


def test_an_entity_no_stored_chunk_names_is_absent() -> None:
    a = source(1, "OSINTSights", SEED)
    analysis = analyze("What did Kanika Ahuja say about IQDEX?")
    frequency = {"kanika": 0, "ahuja": 0}
    specifics = check_specifics(analysis.question, [SEED])
    got = signals(analysis, [scored(a, 0.5, 0)], specifics, None, [], lambda w: frequency.get(w, 3))
    assert got["entity_absent"] == 1.0 and got["entity_share"] < 1.0


def test_the_model_file_names_every_feature_and_a_threshold() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert set(data["weights"]) <= set(FEATURES)
    model = load_model()
    assert 0.0 < model.threshold < 1.0
    assert data["refit"] == "python -m evals.calibrate"


def test_a_person_described_by_a_role_no_article_mentions_is_absent() -> None:
    stored = {"analyst": 3, "defense": 5, "iraq": 9, "offer": 2}

    def frequency(word: str) -> int:  # the store's document frequency: chunks holding each word
        return stored.get(word, 0)

    asked = analyze("What did Iraq's defense minister say about the offer?")
    assert absent_roles(asked, frequency) == ["defense minister"]
    assert missing_entities(asked, frequency) == ["defense minister"]
    # a role the store mentions, a broad word, and the role asked for (the answer's focus) are not absent
    assert absent_roles(analyze("What did the analyst say about the offer?"), frequency) == []
    assert absent_roles(analyze("What did the official say about the offer?"), frequency) == []
    assert absent_roles(analyze("Which minister commented on the offer?"), frequency) == []
    # "whether" ends like an agent noun but is not a noun
    assert absent_roles(analyze("What will decide whether the purchases go ahead?"), frequency) == []


def test_the_words_of_a_named_outlet_are_attribution_not_entities_to_find() -> None:
    question = (
        "Does the article from Business Today | Latest Stock Market And Economy News India discuss Italy, "
        "while the report by Fortune on October 4, 2023 names Adam Yedidia?"
    )
    outlets = ["Business Today | Latest Stock Market And Economy News India", "Fortune"]
    kept = outside_outlets(named_entities(analyze(question)), question, outlets)
    assert {e.text for e in kept} == {"Italy", "Adam Yedidia"}
    # "India" inside the outlet's name is not the country asked about; without the outlet it is kept
    alone = analyze("Does the article discuss India and Italy?")
    assert {e.text for e in outside_outlets(named_entities(alone), alone.question, outlets)} == {
        "India",
        "Italy",
    }
