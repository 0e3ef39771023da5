"""Aggregate question results into ``report.json``, and write ``report.md``, plots and per-question lines.

``report.json`` layout (other tools read it; keep the keys stable)::

    retrieval.{hits@4,hits@10,anyhit@4,anyhit@10,mrr@10,map@10,n,max_chunk_tokens,mean_top10_tokens}
    answers.{accuracy_lenient,accuracy_strict,lead_entity_rate,yes_accuracy,no_accuracy,yes_no_balanced,
             abstention_recall,false_abstention_rate,citation_precision,evidence_coverage,n}
    by_type.<type>.retrieval.{...}  by_type.<type>.answers.{...}
    latency_ms.<stage>.{p50,p95,n}      stages from Answer.timings_ms (retrieve, generate, verify, total)
    ingest.{seconds,build_seconds,reused,articles,chunks,...}
    settings.{...}  versions.{...}  run.{command,started_at,wall_s,...}

A metric with no cases (say abstention recall on a set without unanswerable questions) is ``null``.
"""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.markdown import format_report
from evals.metrics import aggregate_retrieval, mean, percentile, ratio
from evals.plots import write_plots
from evals.scoring import QuestionResult
from rag.settings import Settings

if TYPE_CHECKING:
    from evals.stores import StoreInfo

_PACKAGES = ("osint-rag", "torch", "sentence-transformers", "transformers", "chromadb", "tiktoken", "numpy")
_SECRET_SETTINGS = {"llm_api_key", "api_keys", "ui_users"}


def retrieval_block(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Retrieval means over the questions with gold facts, and the mean chunk tokens in their top 10."""
    block: dict[str, Any] = aggregate_retrieval([r.retrieval for r in results])
    tokens = [t for r in results if r.retrieval is not None for t in r.top_tokens]
    block["mean_top10_tokens"] = round(sum(tokens) / len(tokens), 1) if tokens else None
    return block


def answers_block(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Answer metrics (definitions in :mod:`evals.answer_metrics`)."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    yes = [r.strict for r in results if r.yes_no == "yes"]
    no = [r.strict for r in results if r.yes_no == "no"]
    yes_accuracy, no_accuracy = ratio(sum(yes), len(yes)), ratio(sum(no), len(no))
    return {
        "accuracy_lenient": mean(float(r.lenient) for r in results),
        "accuracy_strict": mean(float(r.strict) for r in results),
        "lead_entity_rate": mean(float(r.lead_gold) for r in results if r.lead_gold is not None),
        "yes_accuracy": yes_accuracy,
        "no_accuracy": no_accuracy,
        "yes_no_balanced": (
            None if yes_accuracy is None or no_accuracy is None else (yes_accuracy + no_accuracy) / 2
        ),
        "abstention_recall": ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "false_abstention_rate": ratio(sum(r.abstained for r in answerable), len(answerable)),
        "citation_precision": ratio(sum(r.supported for r in results), sum(r.citations for r in results)),
        "evidence_coverage": mean(r.coverage for r in answerable),
        "n": len(results),
    }


def latency_block(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    """p50/p95 of each stage in ``Answer.timings_ms`` over the questions that report it."""
    stages = sorted({stage for r in results for stage in r.timings_ms})
    out: dict[str, dict[str, float | int | None]] = {}
    for stage in stages:
        values = [r.timings_ms[stage] for r in results if stage in r.timings_ms]
        p50, p95 = percentile(values, 50), percentile(values, 95)
        out[stage] = {
            "p50": None if p50 is None else round(p50, 2),
            "p95": None if p95 is None else round(p95, 2),
            "n": len(values),
        }
    return out


def build_report(
    results: Sequence[QuestionResult],
    store: StoreInfo,
    max_chunk_tokens: int,
    settings: Settings,
    run: dict[str, Any],
) -> dict[str, Any]:
    """The whole report.json document."""
    retrieval = retrieval_block(results)
    retrieval["max_chunk_tokens"] = max_chunk_tokens
    types = sorted({r.question_type for r in results})
    by_type = {
        t: {
            "retrieval": retrieval_block([r for r in results if r.question_type == t]),
            "answers": answers_block([r for r in results if r.question_type == t]),
        }
        for t in types
    }
    ingest = store.to_dict()
    ingest["seconds"] = ingest.pop("ingest_seconds")
    return {
        "retrieval": _rounded(retrieval),
        "answers": _rounded(answers_block(results)),
        "by_type": {t: {k: _rounded(v) for k, v in block.items()} for t, block in by_type.items()},
        "latency_ms": latency_block(results),
        "ingest": ingest,
        "settings": settings.model_dump(mode="json", exclude=_SECRET_SETTINGS),
        "versions": versions(),
        "run": run,
    }


def versions() -> dict[str, str]:
    """Python, the main packages and the git commit the run used."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        out["git"] = f"{commit}{'+dirty' if dirty else ''}" if commit else "unknown"
    except OSError:
        out["git"] = "unknown"
    return out


def write_report(
    report: dict[str, Any], results: Sequence[QuestionResult], out: Path, plots: bool = True
) -> list[Path]:
    """Write report.json, report.md, questions.jsonl and (optionally) the PNG plots into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.json", out / "report.md", out / "questions.jsonl"]
    written[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written[1].write_text(format_report(report), encoding="utf-8")
    with written[2].open("w", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    if plots:
        written += write_plots(report, results, out)
    return written


def load_report(folder: str | Path) -> dict[str, Any]:
    """Read ``folder/report.json`` (or a report.json path)."""
    from rag.errors import InputError

    path = Path(folder)
    path = path / "report.json" if path.is_dir() else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no report at {path}: pass a folder written by `rag eval --out`") from None
    except ValueError as exc:
        raise InputError(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or "retrieval" not in data:
        raise InputError(f"{path} is not an eval report")
    return data


def _rounded(block: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in block.items()}
