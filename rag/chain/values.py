"""What flows through the answer chain: its settings, its input, and the value each step returns.

Each step (rag/chain/steps.py, rag/chain/evidence.py) takes the previous step's value and returns
a new one that carries it forward (the later values extend the earlier ones); none is changed
after it is made.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from rag.answer import Scored
from rag.answer.context import Source
from rag.answer.lead import Lead
from rag.calibration import Calibration, calibrated
from rag.question.analysis import QuestionAnalysis
from rag.settings import Settings
from rag.types import Filters, Hit, Turn


@dataclass(kw_only=True)
class ChainConfig:
    """The chain's knobs: ``top_k`` is the user setting, the rest calibrated values (each defaults to
    its value in rag/calibration.json; :meth:`from_calibration` takes them from another set)."""

    top_k: int = Settings.model_fields["top_k"].default
    context_tokens: int = calibrated("context_tokens")
    encoding: str = calibrated("tokenizer_encoding")
    evidence_dense_weight: float = calibrated("evidence_dense_weight")
    support_threshold: float = calibrated("support_threshold")
    # most quotes under an LLM's one-sentence answer (as the extractive backend's)
    quote_sentences: int = calibrated("extractive_max_sentences")
    # most sentences asked of a chat model one brings
    answer_sentences: int = calibrated("max_answer_sentences")

    @classmethod
    def from_calibration(cls, calibration: Calibration, top_k: int) -> ChainConfig:
        """The config of ``calibration``'s values, retrieving ``top_k`` passages."""
        return cls(
            top_k=top_k,
            context_tokens=calibration.context_tokens,
            encoding=calibration.tokenizer_encoding,
            evidence_dense_weight=calibration.evidence_dense_weight,
            support_threshold=calibration.support_threshold,
            quote_sentences=calibration.extractive_max_sentences,
            answer_sentences=calibration.max_answer_sentences,
        )


@dataclass
class ChainInput:
    """One question: its filters, the conversation so far, and how many passages to retrieve."""

    question: str
    filters: Filters | None = None
    history: list[Turn] = field(default_factory=list)
    k: int | None = None

    @classmethod
    def of(cls, value: ChainInput | str) -> ChainInput:
        """``value`` as a ChainInput (a bare string is the question)."""
        return value if isinstance(value, ChainInput) else cls(str(value))


@dataclass(frozen=True)
class Condensed:
    """The condense step's value: the question made standalone (the same when there is no history)."""

    request: ChainInput
    standalone: str
    started: float  # perf_counter when the question came in (for the total time)
    timings: Mapping[str, float]  # milliseconds per step so far


@dataclass(frozen=True)
class Retrieved(Condensed):
    """The retrieve step's value: the hits, best first."""

    hits: list[Hit]


@dataclass(frozen=True)
class Packed(Retrieved):
    """The pack step's value: numbered sources, their ranked sentences, and whether to answer."""

    sources: list[Source]
    ranked: list[Scored]
    analysis: QuestionAnalysis
    lead: Lead | None
    signals: dict[str, float]
    answerability: float
    abstain: bool
    reason: str  # why it abstains ("" when it answers)
    missing_outlets: list[str]


@dataclass(frozen=True)
class Drafted(Packed):
    """The generate step's last value: the complete draft, for the verify step."""

    text: str
    chain_leads: bool  # whether the chain stated the lead above the backend's draft


def carried(value: Condensed, step: str, started: float) -> dict[str, Any]:
    """``value``'s fields, for the next step's value, with ``step``'s time since ``started`` added."""
    carry = {f.name: getattr(value, f.name) for f in fields(value)}
    carry["timings"] = {**value.timings, step: ms(time.perf_counter() - started)}
    return carry


def ms(seconds: float) -> float:
    """Seconds as milliseconds, to two decimals."""
    return round(seconds * 1000, 2)
