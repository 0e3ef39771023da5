"""Full-pipeline retrieval latency: the previous defaults against today's, side by side in one process.

``before`` ranks BM25 with SQLite FTS5, embeds questions with torch and widens hits into windows;
``now`` is the default (bm25s in memory, questions on ONNX Runtime, excerpts), and ``now-serial`` the
same with the searches of a question one after another instead of side by side (its hits must equal
``now``'s: the count of identical results is reported), and ``excerpts-lexical`` today's defaults with
excerpts scored by word overlap alone (no sentence embeddings). Each question is
retrieved by every configuration in turn, so all see the same machine load; the ratio of the p50s
is the figure to compare across machines. Every configuration is warmed up first (model loads,
the ONNX export, the bm25s build, the sentence vectors of the first question's articles), so the
figures are per-question costs on a running service. The memo of question vectors is cleared before
each retrieval, so every configuration pays for embedding its question once. Sentence vectors are
embedded before timing (they persist in the store's embedding cache): see
``bench/results/excerpt-cold.md`` for a fresh store's first questions.

    nice .venv/bin/python bench/retrieval_latency.py --store COPY_OF_STORE \\
        --out bench/results/retrieval-latency.md
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import arguments, command, dev_questions, open_store, publish  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from rag.retrieval.factory import build_retriever  # noqa: E402
from rag.retrieval.pipeline import PipelineRetriever  # noqa: E402
from store.embeddings import QueryRoutedEmbedder  # noqa: E402
from store.lexical import LexicalIndex  # noqa: E402

CONFIGS: dict[str, dict[str, Any]] = {
    "before": {"lexical_ranker": "fts5", "query_embedding_backend": "same", "passage_mode": "window"},
    "bm25s": {"query_embedding_backend": "same", "passage_mode": "window"},
    "bm25s+onnx": {"passage_mode": "window"},
    "now": {},
    "now-serial": {},
    "excerpts-lexical": {"excerpt_dense_weight": 0.0},
}
SERIAL = {"now-serial"}  # PipelineConfig.search_threads = 1


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--every", type=int, default=2, help="every n-th question with evidence")
    args = parser.parse_args()
    settings, assistant, lexical = open_store(args.store)
    routed = assistant.embedder
    torch = routed.documents if isinstance(routed, QueryRoutedEmbedder) else routed
    retrievers = {}
    for name, update in CONFIGS.items():
        config = assistant.calibration.with_values(**update)
        index = (
            lexical if config.lexical_ranker == lexical.ranker else LexicalIndex(lexical.path, ranker="fts5")
        )
        embedder = routed if config.query_embedding_backend != "same" else torch
        retriever = build_retriever(
            settings=settings,
            calibration=config,
            embedder=embedder,
            vectors=assistant.vectors,
            lexical=index,
            articles=assistant.article_store,
            sentence_vectors=assistant.sentence_vectors,
        )
        if name in SERIAL and isinstance(retriever, PipelineRetriever):
            retriever.config.search_threads = 1
        retrievers[name] = retriever
    questions = dev_questions(args.queries)[:: args.every]
    assistant.embed_sentences()  # steady state: excerpts' sentence vectors already in the store
    for retriever in retrievers.values():
        retriever.retrieve(questions[0], 10)
    latencies: dict[str, list[float]] = {name: [] for name in retrievers}
    identical = 0
    for question in questions:
        ids: dict[str, list[str]] = {}
        for name, retriever in retrievers.items():
            if isinstance(routed, QueryRoutedEmbedder):
                routed.forget()
            started = time.perf_counter()
            ids[name] = [h.chunk.id for h in retriever.retrieve(question, 10)]
            latencies[name].append((time.perf_counter() - started) * 1000)
        identical += ids["now"] == ids["now-serial"]
    base = percentile(latencies["before"], 50) or 1.0
    lines = [
        "# Retrieval latency: previous defaults against today's (same process, alternating)",
        "",
        command("retrieval_latency.py"),
        "",
        "| configuration | settings | p50 ms | p95 ms | p50 / before |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, values in latencies.items():
        shown = ", ".join(f"{k}={v}" for k, v in CONFIGS[name].items()) or "defaults"
        shown += ", searches serial" if name in SERIAL else ""
        p50 = percentile(values, 50) or 0.0
        lines.append(f"| {name} | {shown} | {p50:.1f} | {percentile(values, 95):.1f} | {p50 / base:.2f} |")
    lines += [
        "",
        f"{len(questions)} questions, 10 passages each; {assistant.chunk_count()} chunks; now-serial "
        f"returned the same hits as now for {identical} of {len(questions)}.",
        "",
    ]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
