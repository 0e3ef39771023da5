"""Run an eval: build or reuse the eval store, ask every question through ``Assistant.ask``, score it.

:func:`score_answer` turns one (question, answer) pair into a :class:`QuestionResult` and is pure, so
the metrics can be tested on hand-made answers; :func:`run_eval` drives the assistant and writes the
report (see :mod:`evals.report`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from evals.answer_metrics import (
    Quote,
    evidence_coverage,
    lead_names_gold,
    lenient_correct,
    strict_correct,
    yes_no_gold,
)
from evals.datasets import Query, load_queries, select_queries
from evals.metrics import RetrievalScores, score_retrieval
from evals.support import citation_support
from rag.errors import InputError, RagError
from rag.settings import Settings
from rag.types import Answer

if TYPE_CHECKING:
    from rag.assistant import Assistant

PARTIAL = "questions.partial.jsonl"  # results so far, while a run is going (removed at the end)
TOP_K = 10  # the metrics look at the top 10 hits; the assistant is asked for at least that many


@dataclass
class EvalConfig:
    """What ``rag eval`` was asked to do."""

    corpus: list[Path]
    queries: list[Path]
    out: Path
    limit: int | None = None
    types: list[str] = field(default_factory=list)
    stores_root: Path | None = None
    rebuild: bool = False
    resume: bool = False
    seed_store: Path | None = None
    progress: bool = True
    plots: bool = True
    nearmiss: list[str] = field(default_factory=list)  # store kinds to ask the near-miss set on
    command: str = ""


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


def load_all(config: EvalConfig) -> list[Query]:
    """Every query file of the config, concatenated, then filtered by type and limit."""
    queries = [q for path in config.queries for q in load_queries(path)]
    ids = [f"{q.dataset}/{q.qid}" for q in queries]
    if len(set(ids)) != len(ids):
        raise InputError("question ids repeat within a query file: give each question a distinct id")
    selected = select_queries(queries, config.types, config.limit)
    if not selected:
        raise InputError("no questions to run: check --queries, --types and --limit")
    return selected


def run_eval(config: EvalConfig, settings: Settings) -> dict[str, Any]:
    """Ingest (or reuse) the eval store, run every question, write the report; returns report.json's data."""
    from evals.report import build_report, write_report
    from evals.stores import open_store

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    wall = time.perf_counter()
    queries = load_all(config)
    assistant, store = open_store(
        config.corpus, settings, config.stores_root, config.rebuild, config.seed_store
    )
    partial = config.out / PARTIAL
    done = load_partial(partial) if config.resume else {}
    config.out.mkdir(parents=True, exist_ok=True)
    results = run_questions(assistant, queries, config.progress, partial, done)
    report = build_report(
        results,
        store=store,
        max_chunk_tokens=max_chunk_tokens(assistant),
        settings=assistant.settings,
        run={
            "command": config.command,
            "started_at": started_at,
            "wall_s": round(time.perf_counter() - wall, 2),
            "corpus": [str(p) for p in config.corpus],
            "queries": [str(p) for p in config.queries],
            "limit": config.limit,
            "types": list(config.types),
            "questions": len(results),
            "errors": sum(1 for r in results if r.error),
            "resumed": sum(1 for r in results if r.key in done),
        },
    )
    if config.nearmiss:
        root = config.stores_root / "nearmiss" if config.stores_root is not None else None
        report["nearmiss"] = nearmiss_blocks(config.nearmiss, settings, config.progress, root)
    write_report(report, results, config.out, plots=config.plots)
    partial.unlink(missing_ok=True)
    return report


def nearmiss_blocks(
    kinds: Sequence[str], settings: Settings, progress: bool, root: Path | None = None
) -> dict[str, Any]:
    """The near-miss block of each store kind (evals.nearmiss), without the per-question answers; the
    stores live under ``root`` (default ``.rag/nearmiss``)."""
    from evals.nearmiss import CACHE, load_nearmiss, measure

    questions = load_nearmiss()
    blocks: dict[str, Any] = {}
    for kind in kinds:
        block = measure(kind, settings, questions, cache=root or CACHE, progress=progress)
        block.pop("questions", None)
        blocks[kind] = block
    return blocks


def load_partial(path: Path) -> dict[str, QuestionResult]:
    """Results a killed run already wrote (``--resume``), by ``dataset/qid``."""
    if not path.is_file():
        return {}
    results = [
        QuestionResult.from_dict(json.loads(line)) for line in path.read_text("utf-8").splitlines() if line
    ]
    return {r.key: r for r in results}


def run_questions(
    assistant: Assistant,
    queries: Sequence[Query],
    progress: bool = True,
    sink: Path | None = None,
    done: dict[str, QuestionResult] | None = None,
) -> list[QuestionResult]:
    """Ask and score each question in order (progress bar on stderr), skipping those in ``done``.

    Each new result is appended to ``sink`` as it comes, so a killed run can be resumed.
    """
    done = done or {}
    results: list[QuestionResult] = []
    lines = sink.open("w", encoding="utf-8") if sink is not None else None
    bar = tqdm(queries, desc="eval", unit="q", disable=not progress)
    try:
        for query in bar:
            result = done.get(f"{query.dataset}/{query.qid}")
            if result is None:
                answer, error = ask(assistant, query)
                result = score_answer(query, answer, error)
            results.append(result)
            if lines is not None:
                lines.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
                lines.flush()
            found = [r.retrieval.hits_at_10 for r in results if r.retrieval is not None]
            if found:
                bar.set_postfix(hits10=f"{sum(found) / len(found):.3f}")
    finally:
        bar.close()
        if lines is not None:
            lines.close()
    return results


def max_chunk_tokens(assistant: Assistant) -> int:
    """The largest chunk in the store, in the chunker's tokens (cl100k by default)."""
    return max((int(meta.get("tokens", 0)) for _, meta in assistant.vectors.all_metadata()), default=0)
