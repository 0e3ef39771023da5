"""Answer generation: from a question and retrieved hits to a cited :class:`Answer`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rag.types import Answer, Hit

ABSTAIN_TEXT = "The ingested articles do not answer this."


class AnswerGenerator(Protocol):
    """Writes an answer whose every sentence carries a citation it earned, or abstains."""

    def generate(self, question: str, hits: Sequence[Hit]) -> Answer: ...
