"""Three-turn conversations: each follow-up carries the entities and predicate of the earlier turns."""

from __future__ import annotations

import pytest

from rag.answer.followup import resolve_followup
from rag.types import Turn


def standalone_forms(questions: list[str]) -> list[str]:
    """Each question as the chain would see it, asked in order with assistant turns between."""
    history: list[Turn] = []
    forms = []
    for question in questions:
        forms.append(resolve_followup(question, history))
        history += [Turn("user", question), Turn("assistant", "An answer [1].")]
    return forms


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        (  # the conversation: "When?" takes the predicate, not "When (held)?"
            ["Which systems were discussed at IQDEX?", "Where was it held?", "When?"],
            ["Which systems were discussed at IQDEX?", "Where was IQDEX held?", "When was IQDEX held?"],
        ),
        (
            ["Which systems were discussed at IQDEX 2025?", "Where was it held?", "When?"],
            [
                "Which systems were discussed at IQDEX 2025?",
                "Where was IQDEX 2025 held?",
                "When was IQDEX 2025 held?",
            ],
        ),
        (  # the topic changes: a question with its own entities is left alone
            [
                "Which systems were discussed at IQDEX?",
                "Where was it held?",
                "Who won the 2023 Champions League final?",
            ],
            [
                "Which systems were discussed at IQDEX?",
                "Where was IQDEX held?",
                "Who won the 2023 Champions League final?",
            ],
        ),
        (  # ... and later follow-ups follow the new topic
            [
                "Which systems were discussed at IQDEX?",
                "Who won the 2023 Champions League final?",
                "Where was it played?",
            ],
            [
                "Which systems were discussed at IQDEX?",
                "Who won the 2023 Champions League final?",
                "Where was the 2023 Champions League final played?",
            ],
        ),
        (  # "And X?" swaps the entity of the same kind; a bare "Why?" keeps the rest
            ["How many FA-50 jets will be delivered to Iraq in 2027?", "And the Philippines?", "Why?"],
            [
                "How many FA-50 jets will be delivered to Iraq in 2027?",
                "How many FA-50 jets will be delivered to the Philippines in 2027?",
                "Why will the FA-50 jets be delivered to the Philippines in 2027?",
            ],
        ),
        (  # he -> a person; a common noun antecedent brings its question's names
            ["Who is the CEO of OpenAI?", "What did he say about AI safety?", "And what about Microsoft?"],
            [
                "Who is the CEO of OpenAI?",
                "What did the CEO say about AI safety (OpenAI)?",
                "And what about Microsoft?",
            ],
        ),
        (  # a yes/no question takes the new question word; "they" -> plural things
            ["Did Bloomberg report on IQDEX?", "When?", "Which companies did the FTC sue?"],
            [
                "Did Bloomberg report on IQDEX?",
                "When did Bloomberg report on IQDEX?",
                "Which companies did the FTC sue?",
            ],
        ),
        (  # ellipsis without a pronoun keeps the place
            ["Why were trains cancelled in Sydney?", "and how much rain was recorded?", "When?"],
            [
                "Why were trains cancelled in Sydney?",
                "How much rain was recorded (Sydney)?",
                "When was the rain recorded (Sydney)?",
            ],
        ),
    ],
)
def test_three_turn_conversations(questions: list[str], expected: list[str]) -> None:
    assert standalone_forms(questions) == expected


def test_pronouns_agree_in_kind_and_number() -> None:
    history = [
        Turn("user", "Which companies did Apple sue over the Vision Pro?"),
        Turn("assistant", "Two start-ups [1]."),
    ]
    they = resolve_followup("When did they file?", history)
    assert they == "When did the companies file (Apple, Vision Pro)?"
    assert resolve_followup("When was it released?", history) == "When was Vision Pro released?"


def test_only_user_turns_are_read_and_long_chats_are_bounded() -> None:
    history = [Turn("user", "Which systems were discussed at IQDEX?"), Turn("assistant", "Sydney [1].")]
    history += [Turn("user", f"Question {n} about Sydney trains?") for n in range(10)]
    assert "IQDEX" not in resolve_followup("Where was it held?", history)
