"""Follow-ups without an LLM: pronouns and ellipsis resolved from the earlier questions (real spaCy)."""

from __future__ import annotations

from rag.answer.followup import as_turns, resolve_followup
from rag.types import Turn

HISTORY = [
    Turn("user", "What arms deal did South Korea discuss with Iraq?"),
    Turn("assistant", "South Korea discussed helicopters and fighter jets [1]."),
]


def test_pronoun_becomes_its_antecedent_with_that_questions_names() -> None:
    standalone = resolve_followup("and when was it signed?", HISTORY)
    assert standalone == "When was the arms deal signed (South Korea, Iraq)?"


def test_ellipsis_gets_the_previous_entities() -> None:
    standalone = resolve_followup("What about the price?", HISTORY)
    assert standalone == "What about the price (the arms deal, South Korea, Iraq)?"


def test_standalone_questions_and_empty_history_are_unchanged() -> None:
    q = "Which company did the Federal Trade Commission sue in September?"
    assert resolve_followup(q, HISTORY) == q
    assert resolve_followup("and when was it signed?", []) == "and when was it signed?"


def test_history_accepts_dicts() -> None:
    turns = as_turns([{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}, HISTORY[0]])
    assert turns == [Turn("user", "hi"), HISTORY[0]]
