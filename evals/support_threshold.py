"""Measure the citation support threshold (the calibrated ``support_threshold``, rag/calibration.json).

``python -m evals.support_threshold [--limit N] [--stores DIR] [--seed-store DIR] [--out FILE]``
opens the eval store of the MultiHop-RAG dev corpus (:mod:`evals.stores`, the store ``rag eval``
uses), takes the answerable dev questions in a fixed shuffled order (``random.Random(6)``), retrieves
the top 10 of each with the configured retriever, packs them as the chain does, and scores with
:class:`rag.verify.SupportScorer`:

- **positives**: a shorter restatement of each gold fact (its first 60% of words, at least 6) against
  the retrieved sentence that holds the fact. A threshold should keep these.
- **hard negatives**: the whole gold fact against the best sentence of the *other* retrieved articles.
  A threshold should reject these.

The scorer's verbatim shortcut (a claim quoted word for word scores 1.0) is switched off while
measuring, so the graded score is what is measured. It prints percentiles of both and, for each
candidate threshold, the share of positives kept and of negatives accepted (``--out`` also writes
that text to a file).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import numpy as np

import rag.verify
from evals.datasets import Query, load_queries
from rag.answer.context import pack_sources
from rag.citations import Evidence
from rag.types import Hit
from rag.verify import SupportScorer

DEV_CORPUS = Path("multihop_rag") / "corpus.json"
DEV_QUERIES = Path("multihop_rag") / "dev_queries.json"
CANDIDATES = (0.45, 0.5, 0.55, 0.6, 0.65)
TOP_K = 10
SHUFFLE_SEED = 6


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def restatement(fact: str) -> str:
    """A shorter claim made from a gold fact: its first 60% of words, at least 6."""
    words = fact.split()
    return " ".join(words[: max(6, int(len(words) * 0.6))])


def own_sentence(fact: str, evidence: Sequence[Evidence]) -> Evidence | None:
    """The first retrieved sentence that holds the fact (or that the fact holds), ignoring case,
    spacing and punctuation; None when retrieval missed it."""
    fact_key = _key(fact)
    for sentence in evidence:
        key = _key(sentence.text)
        if (key and key in fact_key) or fact_key in key:
            return sentence
    return None


@dataclass
class Scores:
    """Support scores of the positives (should pass) and the hard negatives (should fail)."""

    positives: list[float] = field(default_factory=list)
    negatives: list[float] = field(default_factory=list)


def no_verbatim_shortcut() -> AbstractContextManager[object]:
    """Within this context the scorer grades every claim, even one quoted word for word."""
    return mock.patch.object(rag.verify, "_quotes", lambda claim, sentence: False)


def measure(
    questions: Iterable[tuple[Query, Sequence[Hit]]], scorer: SupportScorer, budget_tokens: int, encoding: str
) -> Scores:
    """Score each gold fact of each (question, its retrieved hits) pair (see the module doc)."""
    scores = Scores()
    with no_verbatim_shortcut():
        for query, hits in questions:
            evidence = [
                e for source in pack_sources(hits, budget_tokens, encoding) for e in source.evidence()
            ]
            for fact in query.facts:
                own = own_sentence(fact, evidence)
                if own is None:
                    continue
                scores.positives.append(float(scorer.scores(restatement(fact), [own])[0]))
                others = [e for e in evidence if e.hit.article.id != own.hit.article.id]
                if others:
                    scores.negatives.append(float(scorer.scores(fact, others).max()))
    return scores


def summary(scores: Scores, candidates: Sequence[float] = CANDIDATES) -> str:
    """Percentiles of both sides and, per candidate threshold, what it keeps and what it lets through."""
    pos, neg = np.array(scores.positives), np.array(scores.negatives)
    if not len(pos) or not len(neg):
        return f"not enough cases: {len(pos)} positives, {len(neg)} hard negatives"
    lines = [
        f"positives n={len(pos)} p5={np.percentile(pos, 5):.3f} p10={np.percentile(pos, 10):.3f} "
        f"median={np.median(pos):.3f}",
        f"hard negatives n={len(neg)} p90={np.percentile(neg, 90):.3f} p95={np.percentile(neg, 95):.3f} "
        f"median={np.median(neg):.3f}",
    ]
    for t in candidates:
        lines.append(
            f"threshold {t}: keeps {np.mean(pos >= t):.3f} of supported, "
            f"accepts {np.mean(neg >= t):.3f} of unsupported"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: open the dev store, retrieve, score, print (and optionally write) the summary."""
    from evals.stores import open_store
    from rag.settings import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m evals.support_threshold", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--limit", type=int, default=100, help="answerable dev questions to use (default 100)"
    )
    parser.add_argument("--stores", type=Path, help="folder of eval stores (default <cache_dir>/eval-stores)")
    parser.add_argument("--seed-store", type=Path, help="a store to copy when the dev eval store is new")
    parser.add_argument("--out", type=Path, help="also write the summary to this file")
    args = parser.parse_args(argv)
    settings = load_settings()
    data = Path(settings.data_dir)
    assistant, _ = open_store([data / DEV_CORPUS], settings, args.stores, seed=args.seed_store)
    queries = load_queries(data / DEV_QUERIES)
    random.Random(SHUFFLE_SEED).shuffle(queries)
    chosen = [q for q in queries if q.answerable and q.facts][: args.limit]
    pairs = ((q, assistant.retriever.retrieve(q.question, TOP_K)) for q in chosen)
    scorer = SupportScorer(assistant.embedder)
    calibration = assistant.calibration
    text = summary(measure(pairs, scorer, calibration.context_tokens, calibration.tokenizer_encoding))
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
