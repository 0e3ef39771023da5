"""PNG plots of a report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evals.scoring import QuestionResult

BAR_METRICS = (
    ("retrieval", "hits@10"),
    ("retrieval", "mrr@10"),
    ("answers", "accuracy_lenient"),
    ("answers", "accuracy_strict"),
    ("answers", "evidence_coverage"),
    ("answers", "abstention_recall"),
)


def write_plots(report: dict[str, Any], results: Sequence[QuestionResult], out: Path) -> list[Path]:
    """Write metrics_by_type.png and latency.png into ``out``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [out / "metrics_by_type.png", out / "latency.png"]
    types = sorted(report.get("by_type", {}))
    fig, ax = plt.subplots(figsize=(max(8.0, 1.6 * len(types) + 3), 4.5))
    width = 0.8 / len(BAR_METRICS)
    for i, (block, metric) in enumerate(BAR_METRICS):
        values = [report["by_type"][t][block].get(metric) for t in types]
        xs = [x + i * width for x in range(len(types))]
        ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=metric)
        for x, v in zip(xs, values, strict=True):
            if v is None:
                ax.text(x, 0.01, "n/a", ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_xticks([x + width * (len(BAR_METRICS) - 1) / 2 for x in range(len(types))])
    ax.set_xticklabels(types, rotation=15)
    ax.set_ylim(0, 1.25)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("score")
    ax.set_title("Metrics per question type (n/a: no cases of that kind)")
    ax.legend(fontsize=8, ncol=3, loc="upper center")
    fig.tight_layout()
    fig.savefig(paths[0], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    stages = sorted({s for r in results for s in r.timings_ms})
    every = [r.timings_ms[s] for r in results for s in stages if s in r.timings_ms]
    bins = [min(every) + (max(every) - min(every)) * i / 40 for i in range(41)] if every else 10
    for stage in stages:
        values = [r.timings_ms[stage] for r in results if stage in r.timings_ms]
        p50, p95 = report["latency_ms"][stage]["p50"], report["latency_ms"][stage]["p95"]
        ax.hist(
            values,
            bins=bins,
            histtype="step",
            linewidth=1.5,
            label=f"{stage} (p50 {p50:.0f}, p95 {p95:.0f} ms)",
        )
    ax.set_xlabel("milliseconds per question")
    ax.set_ylabel("questions")
    ax.set_title("Latency per stage")
    if stages:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[1], dpi=100)
    plt.close(fig)
    return paths
