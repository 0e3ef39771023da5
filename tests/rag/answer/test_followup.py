"""Follow-ups without an LLM: pronouns and ellipsis resolved from the previous question."""

from __future__ import annotations

from rag.answer.followup import as_turns, resolve_followup
from rag.types import Turn

HISTORY = [
    Turn("user", "What arms deal did South Korea discuss with Iraq?"),
    Turn("assistant", "South Korea discussed helicopters and fighter jets [1]."),
]


def test_pronoun_is_glossed_with_the_previous_subject() -> None:
    standalone = resolve_followup("and when was it signed?", HISTORY)
    assert standalone.startswith("When was it (")
    for word in ("arms", "deal", "South", "Korea", "Iraq"):
        assert word in standalone
    assert standalone.endswith("signed?")


def test_ellipsis_gets_the_previous_subject() -> None:
    standalone = resolve_followup("What about the price?", HISTORY)
    assert "price" in standalone and "Korea" in standalone


def test_standalone_questions_and_empty_history_are_unchanged() -> None:
    q = "Which company did the Federal Trade Commission sue in September?"
    assert resolve_followup(q, HISTORY) == q
    assert resolve_followup("and when was it signed?", []) == "and when was it signed?"


def test_history_accepts_dicts() -> None:
    turns = as_turns([{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}, HISTORY[0]])
    assert turns == [Turn("user", "hi"), HISTORY[0]]
