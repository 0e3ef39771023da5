"""Sentences of retrieved passages as citable evidence, with offsets into the article text."""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Citation, Hit


@dataclass(frozen=True)
class Evidence:
    """One sentence of a retrieved chunk; ``start``/``end`` index the article's clean text."""

    hit: Hit
    text: str
    start: int
    end: int


def cite(n: int, evidence: Evidence, score: float, supported: bool = True) -> Citation:
    article = evidence.hit.article
    return Citation(
        n=n,
        article_id=article.id,
        title=article.title,
        source=article.source,
        published_at=article.published_at,
        url=article.url,
        quote=evidence.text,
        start=evidence.start,
        end=evidence.end,
        chunk_id=evidence.hit.chunk.id,
        score=round(score, 4),
        supported=supported,
    )
