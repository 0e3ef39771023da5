"""Background sentence warm-up (``rag serve``, rag/warm.py) on a store with no sentence vectors.

Two retrievers start from nothing embedded (in-memory memos without the store's cache): one alone,
as a question meets the store cold, and one with a :class:`rag.warm.SentenceWarmer` filling its memo
between questions. Questions come at an analyst's pace (``--interval`` seconds apart, each asked of
both, the warm-up paused while they run), so the table shows how fast the warm-up removes the
cold-start cost, what a question asked during the warm-up pays, and the warm-up's rate.

    nice .venv/bin/python bench/warmup.py --store COPY_OF_STORE --out bench/results/warmup.md
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import arguments, command, dev_questions, open_store, publish  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from rag.retrieval.factory import build_retriever  # noqa: E402
from rag.text import sentence_texts  # noqa: E402
from rag.warm import SentenceWarmer  # noqa: E402
from store.cache import SentenceVectors  # noqa: E402
from store.embeddings import QueryRoutedEmbedder  # noqa: E402


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--n", type=int, default=24, help="questions (the first N with evidence)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between questions")
    args = parser.parse_args()
    settings, assistant, lexical = open_store(args.store)
    memos: dict[str, SentenceVectors] = {}
    retrievers = {}

    def fresh(name: str) -> None:  # a retriever whose sentence vectors start empty
        memos[name] = SentenceVectors(assistant.embedder)
        retrievers[name] = build_retriever(
            settings=settings,
            calibration=assistant.calibration,
            embedder=assistant.embedder,
            vectors=assistant.vectors,
            lexical=lexical,
            articles=assistant.article_store,
            sentence_vectors=memos[name],
        )

    asking = threading.Event()

    def embed_article(article_id: str) -> int:
        article = assistant.article_store.get(article_id)
        if article is None:
            return 0
        return memos["warm-up"].fill(sentence_texts(article.text))

    questions = dev_questions(args.queries)[: args.n]
    fresh("no warm-up")
    retrievers["no warm-up"].retrieve("warm-up: model loads and the bm25s build", 10)
    fresh("no warm-up")  # forget what that embedded
    fresh("warm-up")
    warmer = SentenceWarmer(embed_article, asking.is_set)
    articles = assistant.article_store.all()
    n = len(articles)
    started = time.perf_counter()
    warmer.submit(a.id for a in articles)
    times: dict[str, list[float]] = {name: [] for name in retrievers}
    rows = []
    for i, question in enumerate(questions, start=1):
        time.sleep(args.interval)
        asking.set()
        for name, retriever in retrievers.items():
            if isinstance(assistant.embedder, QueryRoutedEmbedder):
                assistant.embedder.forget()
            t0 = time.perf_counter()
            retriever.retrieve(question, 10)
            times[name].append((time.perf_counter() - t0) * 1000)
        asking.clear()
        status = warmer.status()
        rows.append((i, time.perf_counter() - started, status.articles_done, *(times[n][-1] for n in times)))
    warmer.wait()
    total = time.perf_counter() - started
    embedded = warmer.status().sentences_embedded
    asked = sum(sum(v) for v in times.values()) / 1000
    rate = embedded / max(total - asked, 1e-9)
    lines = [
        "# Background sentence warm-up on a store with no sentence vectors",
        "",
        command("warmup.py"),
        "",
        f"{len(questions)} questions, one every {args.interval:g} s, each asked of both retrievers.",
        "",
        "| retriever | p50 ms | p95 ms | mean ms |",
        "| --- | --- | --- | --- |",
    ]
    for name, values in times.items():
        mean = sum(values) / len(values)
        lines.append(f"| {name} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | {mean:.0f} |")
    lines += ["", "| question | at s | articles warmed | no warm-up ms | warm-up ms |", "|" + " --- |" * 5]
    lines += [f"| {i} | {at:.0f} | {done}/{n} | {a:.0f} | {b:.0f} |" for i, at, done, a, b in rows]
    lines += [
        "",
        f"The warm-up embedded {embedded} sentences of {n} articles and finished {total:.0f} s after it "
        f"started: about {rate:.0f} sentences/s while no question ran. In `rag serve` the vectors go to "
        "the store's embedding cache, so a store is warmed once.",
        "",
    ]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
