"""Answer generation: from a question and numbered sources to a drafted, then verified, answer.

Backends (``settings.answer_backend``) implement :class:`AnswerGenerator`: they draft text with
``[n]`` markers that refer to :class:`~rag.answer.context.Source` numbers, streamed as deltas, and
turn a follow-up into a standalone question. Verification (rag/verify.py) and abstention
(rag/answer/abstain.py) are the chain's job (rag/chain.py), the same for every backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from rag.answer.abstain import ABSTAIN_TEXT
from rag.answer.context import Source
from rag.citations import Evidence
from rag.types import Turn

if TYPE_CHECKING:
    from rag.answer.lead import Lead


@dataclass
class Scored:
    """An evidence sentence of source ``n`` scored against the question (higher is closer).

    ``claim_scores``: the same score against each claim of a multi-part question (see
    :func:`rag.text.claims`), in the question's order; empty when the question makes one claim.
    """

    n: int
    evidence: Evidence
    score: float
    vector: np.ndarray
    claim_scores: tuple[float, ...] = ()

    @property
    def relevance(self) -> float:
        """Relevance to the question: the whole-question or the best claim score, whichever is higher."""
        return max(self.score, self.best_claim)

    @property
    def best_claim(self) -> float:
        """The best of :attr:`claim_scores` (the whole-question score when there are none)."""
        return max(self.claim_scores, default=self.score)


@dataclass
class Context:
    """What a backend drafts from: the standalone question, the sources and their ranked sentences."""

    question: str
    sources: list[Source]
    ranked: list[Scored] = field(default_factory=list)  # best first
    lead: Lead | None = None  # the direct answer the chain states first (see rag.answer.lead)
    lead_only: bool = False  # an LLM backend writes only the one-sentence answer; the chain quotes the rest


class AnswerGenerator(Protocol):
    """A backend: drafts a cited answer from a :class:`Context`, streamed as text deltas."""

    name: str
    writes_lead: bool
    """True when the backend states the answer itself; False when the chain's extractive lead goes first."""

    def draft(self, context: Context) -> Iterator[str]:
        """Yield the answer text piece by piece, with ``[n]`` after each sentence."""
        ...

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        """The follow-up ``question`` rewritten so it can be understood without ``history``."""
        ...


__all__ = ["ABSTAIN_TEXT", "AnswerGenerator", "Context", "Scored", "Source"]
