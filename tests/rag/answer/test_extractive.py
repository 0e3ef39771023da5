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


def scored(src: Source, score: float, axis: int, claim_scores: tuple[float, ...] = ()) -> Scored:
    hit = src.hits[0]
    vector = np.zeros(4, dtype=np.float32)
    vector[axis] = 1.0
    evidence = Evidence(hit, hit.chunk.text, 0, len(hit.chunk.text))
    return Scored(n=src.n, evidence=evidence, score=score, vector=vector, claim_scores=claim_scores)


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


def test_each_claim_of_the_question_gets_its_best_evidence() -> None:
    paid = source(1, "Wire A", "Google paid $26.3 billion to be the default search engine.")
    siphons = source(2, "Wire B", "Publishers say Google siphons off their ad revenue.")
    rivals = source(3, "Wire C", "Search engines compete for default placement on phones.")
    context = Context(
        question="Which company paid $26.3 billion to be the default search engine, and siphons off "
        "publishers' ad revenue?",
        sources=[paid, siphons, rivals],
    )
    context.ranked = [
        scored(paid, 0.6, 0, (0.8, 0.2)),
        scored(rivals, 0.55, 1, (0.6, 0.2)),
        scored(siphons, 0.1, 2, (0.1, 0.5)),  # weak on the whole question, the best on its second part
    ]
    assert [c.n for c in ExtractiveGenerator().select(context)] == [1, 3, 2]
    assert [c.n for c in ExtractiveGenerator(per_claim=0).select(context)] == [1, 3]
    assert [c.n for c in ExtractiveGenerator(max_sentences=2).select(context)] == [1, 3]


def test_each_sources_quotes_read_together_in_article_order() -> None:
    wheat = source(1, "A", "Wheat prices rose in May. Exports fell in June.")
    other = source(2, "B", "Millers blamed the drought for the rise.")
    hit = wheat.hits[0]

    def sentence(start: int, end: int, score: float, axis: int) -> Scored:
        vector = np.zeros(4, dtype=np.float32)
        vector[axis] = 1.0
        return Scored(1, Evidence(hit, hit.chunk.text[start:end], start, end), score, vector)

    context = Context(question="why did wheat prices rise?", sources=[wheat, other])
    context.ranked = [sentence(26, 47, 0.6, 0), scored(other, 0.58, 1), sentence(0, 25, 0.5, 2)]
    assert "".join(ExtractiveGenerator().draft(context)) == (
        "Wheat prices rose in May. [1] Exports fell in June. [1]\n"
        "Millers blamed the drought for the rise. [2]"
    )
