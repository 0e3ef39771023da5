"""The extractive backend's choice of sources: only those that mention what the question names."""

from __future__ import annotations

import numpy as np

from rag.answer import Context, Scored
from rag.answer.context import Source
from rag.answer.extractive import ExtractiveGenerator, named_terms, on_topic_sources
from rag.citations import Evidence
from rag.types import ArticleMeta, Chunk, Hit


def source(n: int, outlet: str, text: str) -> Source:
    article = ArticleMeta(id=f"a{n}", title=f"Story {n}", source=outlet, published_at="2025-04-23")
    chunk = Chunk(id=f"c{n}", article_id=f"a{n}", text=text, start=0, end=len(text), tokens=len(text.split()))
    return Source(n=n, article=article, hits=[Hit(chunk=chunk, article=article)], best_rank=n)


def scored(src: Source, score: float, axis: int) -> Scored:
    hit = src.hits[0]
    vector = np.zeros(4, dtype=np.float32)
    vector[axis] = 1.0
    return Scored(
        n=src.n, evidence=Evidence(hit, hit.chunk.text, 0, len(hit.chunk.text)), score=score, vector=vector
    )


def test_named_terms_are_capitalised_words_after_the_first() -> None:
    assert named_terms("Which systems were discussed at IQDEX?") == {"iqdex"}
    assert named_terms("What did the report say?") == set()


def test_a_source_silent_on_the_named_thing_adds_nothing() -> None:
    iqdex = source(1, "OSINTSights", "Talks took place during the IQDEX 2025 defense exhibition in Baghdad.")
    other = source(2, "The Guardian", "General AI systems were discussed by regulators in Brussels.")
    context = Context(question="Which systems were discussed at IQDEX?", sources=[iqdex, other])
    context.ranked = [scored(other, 0.62, 0), scored(iqdex, 0.55, 1)]
    assert on_topic_sources(context) == {1}
    chosen = ExtractiveGenerator().select(context)
    assert [c.n for c in chosen] == [1]


def test_without_named_terms_every_source_may_contribute() -> None:
    a = source(1, "A", "Prices of wheat rose sharply in the spring.")
    b = source(2, "B", "Wheat exports fell as prices rose.")
    context = Context(question="why did wheat prices rise?", sources=[a, b])
    context.ranked = [scored(a, 0.6, 0), scored(b, 0.58, 1)]
    assert on_topic_sources(context) == {1, 2}
    assert {c.n for c in ExtractiveGenerator().select(context)} == {1, 2}
