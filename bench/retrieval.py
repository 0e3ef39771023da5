"""Retrieval ablation on MultiHop-RAG questions: dense, BM25, hybrid (both fusions) and the full pipeline.

Scores with the paper's rule (evals.metrics): null questions excluded; a gold fact is found when, with
whitespace removed, it is a substring of a retrieved chunk's text. Reports Hits@10, AnyHit@10,
MRR@10 (and @4 figures) per configuration and per question type, plus retrieval latency (p50/p95,
ms, after one warm-up question).

    nice .venv/bin/python bench/retrieval.py --store /tmp/multihop-store \\
        --out evals/results/retrieval-ablation

``bm25`` ranks with the in-memory bm25s index (the default), ``bm25-fts5`` with SQLite FTS5's
``bm25()`` over the same rows. Each configuration overrides calibrated values (rag/calibration.json);
the hybrid configurations use the calibrated fusion weights (dense 1, BM25 2); ``full`` is the default
pipeline (hybrid + question parts per outlet/date + boosts + per-article cap + each hit shown as a
256-token excerpt of its article); ``full-window`` grows each hit with its neighbouring sentences
instead, ``full-chunks`` shows the stored chunks as they are, and ``full-lexical-excerpts`` picks
excerpt sentences by word overlap alone (no sentence embeddings). The store is opened read-write (the
lexical index is filled from Chroma when missing): pass a copy of a shared store. Extra settings or
calibrated values for every configuration: ``--set key=value`` (repeatable).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import split_values  # noqa: E402
from evals.metrics import RETRIEVAL_KEYS, aggregate_retrieval, percentile, score_retrieval  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.calibration import load_calibration  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402
from rag.retrieval.factory import build_retriever  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from store.lexical import LexicalIndex  # noqa: E402

CONFIGS: dict[str, dict[str, Any]] = {
    "dense": {"retrieval_mode": "dense"},
    "bm25": {"retrieval_mode": "bm25"},
    "bm25-fts5": {"retrieval_mode": "bm25", "lexical_ranker": "fts5"},
    "hybrid-rrf": {"retrieval_mode": "hybrid", "fusion": "rrf"},
    "hybrid-weighted": {"retrieval_mode": "hybrid", "fusion": "weighted"},
    "full-chunks": {"retrieval_mode": "full", "passage_tokens": 0},
    "full-window": {"retrieval_mode": "full", "passage_mode": "window"},
    "full-lexical-excerpts": {"retrieval_mode": "full", "excerpt_dense_weight": 0.0},
    "full": {"retrieval_mode": "full"},
}


def load_questions(path: Path) -> list[tuple[str, str, list[str]]]:
    """(question, type, gold facts) of every question with evidence."""
    records = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for r in records:
        facts = list(dict.fromkeys(e["fact"] for e in r.get("evidence_list", []) if e.get("fact")))
        if facts:
            out.append((r["query"], r.get("question_type", ""), facts))
    return out


def run_config(
    retriever: Retriever, questions: Sequence[tuple[str, str, list[str]]], k: int
) -> dict[str, Any]:
    retriever.retrieve(questions[0][0], k)  # warm-up (model load, caches)
    scores, latencies = [], []
    by_type: dict[str, list[Any]] = {}
    for question, qtype, facts in questions:
        started = time.perf_counter()
        hits = retriever.retrieve(question, k)
        latencies.append((time.perf_counter() - started) * 1000)
        score = score_retrieval(facts, [h.chunk.text for h in hits], k)
        scores.append(score)
        by_type.setdefault(qtype, []).append(score)
    return {
        "metrics": aggregate_retrieval(scores),
        "by_type": {t: aggregate_retrieval(s) for t, s in sorted(by_type.items())},
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
    }


def markdown(results: dict[str, Any], command: str) -> str:
    keys = ["hits@10", "anyhit@10", "mrr@10", "hits@4", "map@10"]
    lines = [
        "# Retrieval ablation (MultiHop-RAG dev questions, null questions excluded)",
        "",
        f"Command: `{command}`",
        "",
        "| config | " + " | ".join(keys) + " | p50 ms | p95 ms |",
        "| --- | " + " | ".join("---" for _ in keys) + " | --- | --- |",
    ]
    for name, res in results["configs"].items():
        m, lat = res["metrics"], res["latency_ms"]
        lines.append(
            f"| {name} | "
            + " | ".join(f"{m[x]:.3f}" for x in keys)
            + f" | {lat['p50']:.1f} | {lat['p95']:.1f} |"
        )
    lines += ["", "Per question type (hits@10 / anyhit@10 / mrr@10):", ""]
    types = sorted({t for res in results["configs"].values() for t in res["by_type"]})
    lines += ["| config | " + " | ".join(types) + " |", "| --- | " + " | ".join("---" for _ in types) + " |"]
    for name, res in results["configs"].items():
        cells = []
        for t in types:
            m = res["by_type"].get(t, {})
            cells.append(
                f"{m.get('hits@10', 0):.3f} / {m.get('anyhit@10', 0):.3f} / {m.get('mrr@10', 0):.3f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Questions scored: {results['questions']}; k = {results['k']}; {results['store']}", ""]
    return "\n".join(lines)


def parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True, help="store folder (a copy: the lexical index is added)")
    parser.add_argument("--queries", default=str(REPO.parent / "shared/data/multihop_rag/dev_queries.json"))
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated: " + ", ".join(CONFIGS))
    parser.add_argument("--limit", type=int, default=0, help="first N scored questions only (0: all)")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument(
        "--set", action="append", default=[], help="extra setting or calibrated value key=value (all configs)"
    )
    parser.add_argument("--out", help="write OUT.json and OUT.md")
    args = parser.parse_args(argv)

    extra = {k: parse_value(v) for k, v in (item.split("=", 1) for item in args.set)}
    user, calibrated = split_values(extra)
    settings = load_settings(chroma_path=Path(args.store), **user)
    calibration = load_calibration().with_values(**calibrated)
    assistant = Assistant.from_settings(settings, calibration=calibration)
    lexical = assistant.components.lexical
    questions = load_questions(Path(args.queries))
    if args.limit:
        questions = questions[: args.limit]
    results: dict[str, Any] = {
        "questions": len(questions),
        "k": args.k,
        "store": f"{assistant.chunk_count()} chunks, chunk_tokens={calibration.chunk_tokens}",
        "settings": extra,
        "configs": {},
    }
    for name in args.configs.split(","):
        config = calibration.with_values(**CONFIGS[name])
        index = lexical
        if config.lexical_ranker != lexical.ranker:
            index = LexicalIndex(lexical.path, ranker=config.lexical_ranker)
        retriever = build_retriever(
            settings=settings,
            calibration=config,
            embedder=assistant.embedder,
            vectors=assistant.vectors,
            lexical=index,
            articles=assistant.article_store,
            sentence_vectors=assistant.sentence_vectors,
        )
        results["configs"][name] = res = run_config(retriever, questions, args.k)
        m = res["metrics"]
        print(
            f"{name:16} "
            + " ".join(f"{key}={m[key]:.3f}" for key in RETRIEVAL_KEYS)
            + f" p50={res['latency_ms']['p50']:.1f}ms",
            flush=True,
        )
    command = "nice .venv/bin/python bench/retrieval.py " + " ".join(
        a if " " not in a else repr(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    results["command"] = command
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        out.with_suffix(".md").write_text(markdown(results, command), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
