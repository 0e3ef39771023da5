"""Full-pipeline retrieval latency with the per-question searches serial vs side by side (same process).

Each question is retrieved both ways, alternately, so both see the same machine load; the hits must
be identical. Writes a small markdown table.

    nice .venv/bin/python bench/retrieval_threads.py --store COPY_OF_STORE \\
        --out bench/results/retrieval-threads.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.metrics import percentile  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.retrieval.pipeline import PipelineRetriever  # noqa: E402
from rag.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--queries", default=str(REPO.parent / "shared/data/multihop_rag/dev_queries.json"))
    parser.add_argument("--every", type=int, default=4, help="every n-th question with evidence")
    parser.add_argument("--out")
    args = parser.parse_args()
    assistant = Assistant.from_settings(load_settings(chroma_path=Path(args.store)))
    retriever = assistant.retriever
    assert isinstance(retriever, PipelineRetriever), "needs RAG_RETRIEVAL_MODE=full"
    records = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    questions = [r["query"] for r in records if r.get("evidence_list")][:: args.every]
    retriever.retrieve(questions[0], 10)
    threads = (1, retriever.config.search_threads)
    latencies: dict[int, list[float]] = {n: [] for n in threads}
    identical = 0
    for question in questions:
        ids = []
        for n in threads:
            retriever.config.search_threads = n
            started = time.perf_counter()
            ids.append([h.chunk.id for h in retriever.retrieve(question, 10)])
            latencies[n].append((time.perf_counter() - started) * 1000)
        identical += ids[0] == ids[1]
    lines = [
        "# Retrieval latency: searches serial vs side by side",
        "",
        f"`{' '.join(['nice .venv/bin/python bench/retrieval_threads.py', *sys.argv[1:]])}`",
        "",
        "| search threads | p50 ms | p95 ms |",
        "| --- | --- | --- |",
        *(f"| {n} | {percentile(v, 50):.1f} | {percentile(v, 95):.1f} |" for n, v in latencies.items()),
        "",
        f"{len(questions)} questions; identical hits: {identical} of {len(questions)}; "
        f"p50 ratio {percentile(latencies[threads[1]], 50) / percentile(latencies[1], 50):.2f}.",
        "",
    ]
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
