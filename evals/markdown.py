"""Text views of reports: ``report.md`` and the ``rag eval compare`` table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evals.scoring import ANSWER_KEYS

RETRIEVAL_ROWS = ("hits@4", "hits@10", "anyhit@4", "anyhit@10", "mrr@10", "map@10", "n")
ANSWER_ROWS = (*ANSWER_KEYS, "n")


def fmt(value: Any) -> str:
    """A table cell: 4 decimals for fractions, integers as is, '–' for a metric with no cases."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _ms(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def format_report(report: dict[str, Any]) -> str:
    """The human-readable report: headline metrics, per type, latency, ingest, how it was made."""
    run, ingest, retrieval = report.get("run", {}), report.get("ingest", {}), report["retrieval"]
    types = sorted(report.get("by_type", {}))
    lines = ["# Eval report", ""]
    if run.get("command"):
        lines += ["Made with:", "", "```", str(run["command"]), "```", ""]
    lines += [
        f"{run.get('questions', report['answers'].get('n'))} questions, "
        f"started {run.get('started_at', '?')}, "
        f"{fmt(run.get('wall_s'))} s in all; git {report.get('versions', {}).get('git', '?')}.",
        "",
        "## Retrieval (top 10, null questions excluded)",
        "",
    ]
    by_type = report.get("by_type", {})
    header = ["metric", "all", *types]
    rows = [
        [m, fmt(retrieval.get(m)), *(fmt(by_type[t]["retrieval"].get(m)) for t in types)]
        for m in RETRIEVAL_ROWS
    ]
    lines += _table(header, rows)
    lines += [
        "",
        f"Largest chunk: {retrieval.get('max_chunk_tokens')} tokens; mean tokens of a top-10 chunk: "
        f"{fmt(retrieval.get('mean_top10_tokens'))}. The paper's figures use chunks of at most 256 cl100k "
        "tokens; scores compare with it only in that setting.",
        "",
        "## Answers",
        "",
    ]
    rows = [
        [m, fmt(report["answers"].get(m)), *(fmt(by_type[t]["answers"].get(m)) for t in types)]
        for m in ANSWER_ROWS
    ]
    lines += _table(header, rows)
    lines += ["", "## Latency (ms)", ""]
    latency = report.get("latency_ms", {})
    lines += _table(
        ["stage", "p50", "p95", "n"],
        [[s, _ms(v.get("p50")), _ms(v.get("p95")), fmt(v.get("n"))] for s, v in latency.items()],
    )
    lines += [
        "",
        "## Store",
        "",
        f"{ingest.get('articles')} articles, {ingest.get('chunks')} chunks; "
        f"{'reused' if ingest.get('reused') else 'built'} ({fmt(ingest.get('seconds'))} s ingest this run, "
        f"{fmt(ingest.get('build_seconds'))} s to build"
        f"{', seeded from ' + str(ingest['seeded_from']) if ingest.get('seeded_from') else ''}); "
        f"key {ingest.get('key')}. Sentence vectors for excerpts: {fmt(ingest.get('sentences_embedded'))} "
        f"embedded before the questions, in {fmt(ingest.get('sentence_seconds'))} s.",
        "",
        "Metric definitions: evals/README.md. Per-question results: questions.jsonl. "
        "Plots (unless --no-plots): metrics_by_type.png, latency.png.",
        "",
    ]
    return "\n".join(lines)


def _flatten(report: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for m in (*RETRIEVAL_ROWS, "max_chunk_tokens", "mean_top10_tokens"):
        yield f"retrieval.{m}", report.get("retrieval", {}).get(m)
    for m in ANSWER_ROWS:
        yield f"answers.{m}", report.get("answers", {}).get(m)
    for t, block in sorted(report.get("by_type", {}).items()):
        for m in RETRIEVAL_ROWS[:-1]:
            yield f"by_type.{t}.{m}", block.get("retrieval", {}).get(m)
        for m in ANSWER_ROWS[:-1]:
            yield f"by_type.{t}.{m}", block.get("answers", {}).get(m)
    for stage, values in report.get("latency_ms", {}).items():
        for q in ("p50", "p95"):
            yield f"latency_ms.{stage}.{q}", values.get(q)
    yield "ingest.build_seconds", report.get("ingest", {}).get("build_seconds")


def format_compare(a: dict[str, Any], b: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
    """Side-by-side table of two reports with B - A deltas (rows present in either report)."""
    left, right = dict(_flatten(a)), dict(_flatten(b))
    keys = list(dict.fromkeys([*left, *right]))
    rows: list[list[str]] = []
    for key in keys:
        va, vb = left.get(key), right.get(key)
        if va is None and vb is None:
            continue
        rows.append([key, fmt(va), fmt(vb), _delta(va, vb)])
    header = ["metric", name_a, name_b, "delta"]
    width = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def line(row: list[str]) -> str:
        return "  ".join([row[0].ljust(width[0]), *(row[i].rjust(width[i]) for i in range(1, 4))])

    return "\n".join([line(header), "  ".join("-" * w for w in width), *(line(r) for r in rows)])


def _delta(va: Any, vb: Any) -> str:
    numeric = (int, float)
    if (
        not (isinstance(va, numeric) and isinstance(vb, numeric))
        or isinstance(va, bool)
        or isinstance(vb, bool)
    ):
        return ""
    d = vb - va
    if isinstance(d, int):
        return f"{d:+d}"
    return f"{d:+.4f}" if abs(d) < 10 else f"{d:+.1f}"
