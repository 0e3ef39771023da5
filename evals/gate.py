"""The regression gate: a small, deterministic eval whose figures must stay above recorded thresholds.

The gate set is ``PER_TYPE`` MultiHop-RAG dev questions of each of the four types (evenly spaced in
file order), over their evidence articles plus ``DISTRACTORS`` other corpus articles (those with the
smallest SHA-1 of their title), plus the seed article and our gold set ``evals/gold/seed.jsonl``.
``evals/thresholds.json`` holds the figures a run measured and the thresholds derived from them
(a little below, or above for rates where lower is better). tests/evals/test_regression_gate.py runs
it; ``python -m evals.gate --write`` re-measures and rewrites the thresholds (review the diff).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.settings import Settings

PER_TYPE = 2
DISTRACTORS = 16
MARGIN = 0.05
EVALS_DIR = Path(__file__).resolve().parent
THRESHOLDS = EVALS_DIR / "thresholds.json"
GOLD_SEED = EVALS_DIR / "gold" / "seed.jsonl"
TYPES = ("comparison_query", "inference_query", "temporal_query", "null_query")
# (report path, direction): "min" metrics must not fall below, "max" metrics must not rise above.
GATED: tuple[tuple[str, str], ...] = (
    ("retrieval.hits@4", "min"),
    ("retrieval.hits@10", "min"),
    ("retrieval.anyhit@10", "min"),
    ("retrieval.mrr@10", "min"),
    ("retrieval.map@10", "min"),
    ("answers.accuracy_lenient", "min"),
    ("answers.abstention_recall", "min"),
    ("answers.false_abstention_rate", "max"),
    ("answers.citation_precision", "min"),
    ("answers.evidence_coverage", "min"),
    ("by_type.factoid.retrieval.hits@10", "min"),
    ("by_type.factoid.answers.evidence_coverage", "min"),
    ("by_type.factoid.answers.accuracy_lenient", "min"),
    ("answers.lead_entity_rate", "min"),
    ("answers.yes_no_balanced", "min"),
    ("nearmiss.seed.answerable_rate", "min"),
    ("nearmiss.seed.near_miss_abstention", "min"),
)  # the dev types have 2 questions each here: too few to gate one by one


@dataclass(frozen=True)
class GateInputs:
    """The files a gate run ingests and asks."""

    corpus: list[Path]
    queries: list[Path]


def pick_questions(records: Sequence[dict[str, Any]], per_type: int = PER_TYPE) -> list[dict[str, Any]]:
    """``per_type`` questions of each type, evenly spaced through the file (deterministic)."""
    picked: list[dict[str, Any]] = []
    for qtype in TYPES:
        pool = [r for r in records if r.get("question_type") == qtype]
        step = len(pool) / per_type if pool else 1.0
        picked += [pool[int(i * step)] for i in range(min(per_type, len(pool)))]
    return picked


def pick_articles(
    corpus: Sequence[dict[str, Any]], questions: Sequence[dict[str, Any]], distractors: int = DISTRACTORS
) -> list[dict[str, Any]]:
    """The questions' evidence articles plus ``distractors`` others, chosen by the SHA-1 of the title."""
    wanted = {e["title"] for q in questions for e in q.get("evidence_list") or []}
    evidence = [a for a in corpus if a["title"] in wanted]
    others = sorted(
        (a for a in corpus if a["title"] not in wanted),
        key=lambda a: hashlib.sha1(a["title"].encode()).hexdigest(),
    )
    return evidence + others[:distractors]


def prepare(
    data_dir: Path, work: Path, per_type: int = PER_TYPE, distractors: int = DISTRACTORS
) -> GateInputs:
    """Write the gate's corpus subset and question subset into ``work``; return what to run."""
    multihop = data_dir / "multihop_rag"
    records = json.loads((multihop / "dev_queries.json").read_text(encoding="utf-8"))
    corpus = json.loads((multihop / "corpus.json").read_text(encoding="utf-8"))
    questions = pick_questions(records, per_type)
    articles = pick_articles(corpus, questions, distractors)
    work.mkdir(parents=True, exist_ok=True)
    (work / "gate-corpus.json").write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
    (work / "gate-dev.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    return GateInputs(
        corpus=[work / "gate-corpus.json", data_dir / "seed"],
        queries=[work / "gate-dev.json", GOLD_SEED],
    )


def lookup(report: dict[str, Any], dotted: str) -> Any:
    """``report["a"]["b"]...`` for "a.b..." (metric names such as hits@10 contain no dots)."""
    node: Any = report
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def thresholds_from(report: dict[str, Any], margin: float = MARGIN) -> dict[str, dict[str, float]]:
    """Thresholds a little below (min) or above (max) the measured figures, to 2 decimals."""
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for path, direction in GATED:
        value = lookup(report, path)
        if value is None:
            continue
        if direction == "min":
            out["min"][path] = max(0.0, math.floor((value - margin) * 100) / 100)
        else:
            out["max"][path] = min(1.0, math.ceil((value + margin) * 100) / 100)
    return out


def check(report: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """The gated metrics that fell below their minimum or rose above their maximum (with figures)."""
    failures: list[str] = []
    for direction, limits in (("min", thresholds.get("min", {})), ("max", thresholds.get("max", {}))):
        for path, limit in limits.items():
            value = lookup(report, path)
            if value is None:
                failures.append(f"{path}: missing from the report (threshold {direction} {limit})")
            elif (direction == "min" and value < limit) or (direction == "max" and value > limit):
                word = "below" if direction == "min" else "above"
                failures.append(f"{path} = {value:.4f}, {word} the threshold {limit:.2f}")
    return failures


def run_gate(settings: Settings, work: Path, progress: bool = False) -> dict[str, Any]:
    """Run the gate eval in ``work`` (store, inputs and report all inside it); returns the report."""
    from evals.runner import EvalConfig, run_eval

    inputs = prepare(Path(settings.data_dir), work / "inputs")
    config = EvalConfig(
        corpus=inputs.corpus,
        queries=inputs.queries,
        out=work / "report",
        stores_root=work / "stores",
        progress=progress,
        plots=False,
        nearmiss=["seed"],  # the near-miss set's seed-article questions, on a store of that article alone
        command="python -m evals.gate",
    )
    return run_eval(config, settings)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m evals.gate [--write]``: run the gate, print failures, optionally record thresholds."""
    import tempfile

    from rag.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m evals.gate", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite evals/thresholds.json from this run")
    parser.add_argument("--out", help="keep the gate's inputs, store and report in this folder")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.out:
        report = run_gate(settings, Path(args.out), progress=True)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run_gate(settings, Path(tmp), progress=True)
    measured = {path: lookup(report, path) for path, _ in GATED}
    if args.write:
        record = {
            "about": "Regression gate thresholds (evals/gate.py); 'measured' is the run they came from.",
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": report["versions"].get("git"),
            "questions": report["run"]["questions"],
            "margin": MARGIN,
            "measured": measured,
            "thresholds": thresholds_from(report),
        }
        THRESHOLDS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {THRESHOLDS}")
    failures = check(report, json.loads(THRESHOLDS.read_text(encoding="utf-8"))["thresholds"])
    print(json.dumps(measured, indent=2))
    print("\n".join(failures) or "gate passed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
