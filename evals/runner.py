"""Run an eval: build or reuse the eval store, ask every question through ``Assistant.ask``, score it.

:func:`run_eval` drives the assistant, scores each answer with :func:`evals.scoring.score_answer` and
writes the report (see :mod:`evals.report`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from evals.datasets import Query, load_queries, select_queries
from evals.nearmiss import CACHE, load_nearmiss, measure
from evals.report import build_report, write_report
from evals.scoring import QuestionResult, ask, score_answer
from evals.stores import open_store
from rag.calibration import Calibration, calibration_file
from rag.errors import InputError
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.assistant import Assistant

PARTIAL = "questions.partial.jsonl"  # results so far, while a run is going (removed at the end)


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


def run_eval(
    config: EvalConfig, settings: Settings, calibration: Calibration | None = None
) -> dict[str, Any]:
    """Ingest (or reuse) the eval store, run every question, write the report; returns report.json's data.

    ``calibration``: the calibrated values to run with (an ablation's; the packaged ones when not given).
    """
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    wall = time.perf_counter()
    queries = load_all(config)
    assistant, store = open_store(
        config.corpus, settings, config.stores_root, config.rebuild, config.seed_store, calibration
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
    packaged = calibration_file()
    report["calibration"] = {
        "version": packaged.version,
        "packaged": assistant.calibration == packaged.calibration,
        **assistant.calibration.values(),
    }
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
