"""What dense excerpt scoring costs on a fresh store: the first questions embed their articles' sentences.

Excerpts score every sentence of a retrieved article by its cosine to the question as well as by
words (``RAG_EXCERPT_DENSE_WEIGHT``), so a sentence is embedded the first time any question retrieves
its article; the vector then stays in the store's embedding cache for good. This script starts from
no sentence vectors at all (an in-memory memo without the store's cache), asks the first ``--n``
questions once cold and once warm, and times them against lexical-only excerpts, alternating in one
process so both see the same load.

    nice .venv/bin/python bench/excerpt_cold.py --store COPY_OF_STORE --out bench/results/excerpt-cold.md
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
from rag.retrieval.factory import build_retriever  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from store.cache import SentenceVectors  # noqa: E402
from store.embeddings import QueryRoutedEmbedder  # noqa: E402
from store.lexical import LexicalIndex  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--queries", default=str(REPO.parent / "shared/data/multihop_rag/dev_queries.json"))
    parser.add_argument("--n", type=int, default=30, help="first N questions with evidence")
    parser.add_argument("--out")
    args = parser.parse_args()
    settings = load_settings(chroma_path=Path(args.store))
    assistant = Assistant.from_settings(settings)
    lexical = next(i for i in assistant.ingestor.indexes if isinstance(i, LexicalIndex))
    cold = SentenceVectors(assistant.embedder)  # no store cache: nothing embedded yet
    build = {
        "dense": lambda: build_retriever(
            settings,
            assistant.embedder,
            assistant.vectors,
            lexical,
            assistant.article_store,
            sentence_vectors=cold,
        ),
        "lexical": lambda: build_retriever(
            settings.model_copy(update={"excerpt_dense_weight": 0.0}),
            assistant.embedder,
            assistant.vectors,
            lexical,
            assistant.article_store,
        ),
    }
    retrievers = {name: make() for name, make in build.items()}
    records = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    questions = [r["query"] for r in records if r.get("evidence_list")][: args.n]
    retrievers["lexical"].retrieve("warm-up: model loads and the bm25s build", 10)
    times: dict[str, list[float]] = {f"{name} {run}": [] for run in ("cold", "warm") for name in retrievers}
    for run in ("cold", "warm"):
        for question in questions:
            for name, retriever in retrievers.items():
                if isinstance(assistant.embedder, QueryRoutedEmbedder):
                    assistant.embedder.forget()  # each configuration embeds its question
                started = time.perf_counter()
                retriever.retrieve(question, 10)
                times[f"{name} {run}"].append((time.perf_counter() - started) * 1000)
    lines = [
        "# Dense excerpt scoring on a fresh store: first questions cold, then warm",
        "",
        f"`{' '.join(['nice .venv/bin/python bench/excerpt_cold.py', *sys.argv[1:]])}`",
        "",
        "| excerpts | pass | p50 ms | p95 ms | mean ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, values in times.items():
        name, run = key.split()
        mean = sum(values) / len(values)
        lines.append(
            f"| {name} | {run} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | {mean:.0f} |"
        )
    lines += [
        "",
        f"{len(questions)} questions; {len(cold)} sentences embedded by the cold pass "
        f"({assistant.chunk_count()} chunks in the store). A store's sentences are embedded once: the "
        "vectors persist in its embedding cache, so only articles no question has retrieved yet cost this.",
        "",
    ]
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
