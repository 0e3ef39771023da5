"""Score one question: :class:`QuestionResult` (one line of ``questions.jsonl``), :func:`score_answer`
and :func:`ask`.

The bottom layer of the eval modules: :mod:`evals.runner` (drives a run), :mod:`evals.report`
(aggregates), :mod:`evals.markdown`, :mod:`evals.plots`, :mod:`evals.nearmiss` and
:mod:`evals.calibrate` import from here, and this module imports none of them (no import cycles;
tests/evals/test_imports.py checks it). :func:`score_answer` is pure, so the metrics can be tested on
hand-made answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from evals.answer_metrics import (
    Quote,
    evidence_coverage,
    lead_names_gold,
    lenient_correct,
    strict_correct,
    yes_no_gold,
)
from evals.datasets import Query
from evals.metrics import RetrievalScores, score_retrieval
from evals.support import citation_support
from rag.errors import RagError
from rag.types import Answer

if TYPE_CHECKING:
    from rag.assistant import Assistant

TOP_K = 10  # the metrics look at the top 10 hits; the assistant is asked for at least that many
# the answer metrics of a report block (report.json ``answers`` / ``by_type.<type>.answers``), in table order
ANSWER_KEYS = (
    "accuracy_lenient",
    "accuracy_strict",
    "lead_entity_rate",
    "yes_accuracy",
    "no_accuracy",
    "yes_no_balanced",
    "abstention_recall",
    "false_abstention_rate",
    "citation_precision",
    "evidence_coverage",
)


@dataclass
class QuestionResult:
    """Everything scored about one question (one line of ``questions.jsonl``)."""

    qid: str
    dataset: str
    question_type: str
    answerable: bool
    question: str
    gold: str
    answer: str
    abstained: bool
    lenient: bool
    strict: bool
    citations: int
    supported: int
    coverage: float | None
    retrieval: RetrievalScores | None
    top_tokens: list[int]
    timings_ms: dict[str, float]
    error: str = ""
    lead_gold: bool | None = None  # entity questions: the lead names the gold answer
    yes_no: str | None = None  # the gold answer when it is yes or no

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["retrieval"] = None if self.retrieval is None else self.retrieval.as_metrics()
        data["fact_ranks"] = None if self.retrieval is None else list(self.retrieval.fact_ranks)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuestionResult:
        """Inverse of :meth:`to_dict` (to resume a run from its partial results)."""
        fields = dict(data)
        metrics, ranks = fields.pop("retrieval"), fields.pop("fact_ranks", None)
        retrieval = None
        if metrics is not None:
            retrieval = RetrievalScores(
                hits_at_4=float(metrics["hits@4"]),
                hits_at_10=float(metrics["hits@10"]),
                anyhit_at_4=float(metrics["anyhit@4"]),
                anyhit_at_10=float(metrics["anyhit@10"]),
                mrr_at_10=float(metrics["mrr@10"]),
                map_at_10=float(metrics["map@10"]),
                fact_ranks=tuple(ranks or ()),
            )
        return cls(**fields, retrieval=retrieval)

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.qid}"


def score_answer(query: Query, answer: Answer, error: str = "") -> QuestionResult:
    """Score one answer: retrieval from ``answer.hits`` (rank order), the rest from its text/citations."""
    hits = sorted(answer.hits, key=lambda h: h.rank)[:TOP_K] if answer.hits else []
    retrieval = (
        score_retrieval(query.facts, [h.chunk.text for h in hits], TOP_K) if query.answerable else None
    )
    support = citation_support(answer)
    if query.answerable:
        lenient = not answer.abstained and lenient_correct(query.answer, answer.text)
        strict = not answer.abstained and strict_correct(query.answer, answer.text)
        quotes = [Quote(c.quote, c.article_id, c.start) for c in answer.citations]
        coverage = evidence_coverage(query.facts, [] if answer.abstained else quotes)
    else:
        lenient = strict = answer.abstained
        coverage = None
    yes_no = yes_no_gold(query.answer) if query.answerable else None
    lead_gold = None
    if query.answerable and yes_no is None:
        lead_gold = not answer.abstained and lead_names_gold(query.answer, answer.text)
    return QuestionResult(
        qid=query.qid,
        dataset=query.dataset,
        question_type=query.question_type,
        answerable=query.answerable,
        question=query.question,
        gold=query.answer,
        answer=answer.text,
        abstained=answer.abstained,
        lenient=lenient,
        strict=strict,
        citations=len(support),
        supported=sum(support.values()),
        coverage=coverage,
        retrieval=retrieval,
        top_tokens=[h.chunk.tokens for h in hits],
        timings_ms=dict(answer.timings_ms),
        error=error,
        lead_gold=lead_gold,
        yes_no=yes_no,
    )


def ask(assistant: Assistant, query: Query) -> tuple[Answer, str]:
    """Ask through the public API; a user-facing error becomes an empty answer plus its message."""
    try:
        return assistant.ask(query.question, k=max(TOP_K, assistant.settings.top_k)), ""
    except RagError as exc:
        return Answer(question=query.question, text=""), f"{type(exc).__name__}: {exc}"
