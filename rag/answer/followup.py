"""Follow-up questions without an LLM: resolve pronouns and ellipsis from the previous question.

"and when was it signed?" after "What deal did South Korea sign with Iraq?" becomes
"When was it (the deal South Korea sign Iraq) signed?": the pronoun is glossed with the previous
question's subject, which is what retrieval, scoring and abstention need to see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rag.text import STOPWORDS
from rag.types import Turn

_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|him|his|she|her)\b", re.IGNORECASE)
_LEAD = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|what about|how about)\b[\s,]*", re.IGNORECASE)
_QUESTION_WORDS = {
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "did",
    "does",
    "do",
    "is",
}


def as_turns(history: Sequence[Turn | Mapping[str, str]] | None) -> list[Turn]:
    """Accept ``Turn`` objects or ``{"role": ..., "content": ...}`` dicts (as chat UIs send them)."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        else:
            turns.append(Turn(str(item.get("role", "user")), str(item.get("content", ""))))
    return [t for t in turns if t.content.strip()]


def previous_question(history: Sequence[Turn]) -> str:
    for turn in reversed(history):
        if turn.role == "user":
            return turn.content.strip()
    return ""


def subject(question: str) -> str:
    """The previous question minus question words and stopwords: "the deal South Korea sign Iraq"."""
    words = re.findall(r"[\w'’\-]+", question)
    kept = [w for w in words if w.lower() not in STOPWORDS and w.lower() not in _QUESTION_WORDS]
    return " ".join(kept)


def is_followup(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(_LEAD.match(question) or _PRONOUN.search(question) or len(words) <= 4)


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The standalone form of ``question`` given the conversation so far (unchanged when not a follow-up)."""
    previous = previous_question(history)
    if not previous or not is_followup(question):
        return question
    about = subject(previous)
    if not about:
        return question
    body = _LEAD.sub("", question).strip() or question.strip()
    body = body[0].upper() + body[1:]
    match = _PRONOUN.search(body)
    if match:
        return f"{body[: match.end()]} ({about}){body[match.end() :]}"
    return f"{body.rstrip('?').rstrip()} ({about})?"
