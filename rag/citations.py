"""Sentences of retrieved passages as citable evidence, with offsets into the article text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.types import Citation, Hit


@dataclass(frozen=True)
class Evidence:
    """One sentence of a retrieved chunk; ``start``/``end`` index the article's clean text."""

    hit: Hit
    text: str
    start: int
    end: int


# Text addressed to an AI model rather than to readers: never quoted, never counted as support.
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules?|everything)\b|"
    r"\b(?:system prompt|you are now|as an ai|language model|assistant must|respond only with|"
    r"reply (?:only )?with|answer (?:only )?with)\b",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    """Whether a sentence reads as instructions to an AI (a prompt injection planted in an article)."""
    return bool(_INJECTION.search(text))


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
