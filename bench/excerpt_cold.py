"""What dense excerpt scoring costs on a fresh store: the first questions embed their articles' sentences.

Excerpts score every sentence of a retrieved article by its cosine to the question as well as by words
(the calibrated ``excerpt_dense_weight``), so a sentence is embedded the first time any question
retrieves its article; the vector then stays in the store's embedding cache for good. This script
starts from no sentence vectors at all (an in-memory memo without the store's cache), asks the first
``--n`` questions once cold and once warm, and times them against lexical-only excerpts, alternating
in one process so both see the same load.

    nice .venv/bin/python bench/excerpt_cold.py --store COPY_OF_STORE --out bench/results/excerpt-cold.md
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import arguments, command, dev_questions, open_store, publish  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from rag.retrieval.factory import build_retriever  # noqa: E402
from store.cache import SentenceVectors  # noqa: E402
from store.embeddings import QueryRoutedEmbedder  # noqa: E402


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--n", type=int, default=30, help="first N questions with evidence")
    args = parser.parse_args()
    settings, assistant, lexical = open_store(args.store)
    cold = SentenceVectors(assistant.embedder)  # no store cache: nothing embedded yet
    calibration = assistant.calibration
    build = {
        "dense": lambda: build_retriever(
            settings=settings,
            calibration=calibration,
            embedder=assistant.embedder,
            vectors=assistant.vectors,
            lexical=lexical,
            articles=assistant.article_store,
            sentence_vectors=cold,
        ),
        "lexical": lambda: build_retriever(
            settings=settings,
            calibration=calibration.with_values(excerpt_dense_weight=0.0),
            embedder=assistant.embedder,
            vectors=assistant.vectors,
            lexical=lexical,
            articles=assistant.article_store,
        ),
    }
    retrievers = {name: make() for name, make in build.items()}
    questions = dev_questions(args.queries)[: args.n]
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
        command("excerpt_cold.py"),
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
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
