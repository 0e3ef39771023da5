"""Hits made from article texts (a chunk per article), for tests that need no store."""

from __future__ import annotations

from rag.types import ArticleMeta, Chunk, Hit


def make_hit(
    article_id: str, text: str, title: str = "", source: str = "Test Wire", rank: int = 1, start: int = 0
) -> Hit:
    """One hit whose chunk is ``text`` at ``start`` of its article."""
    chunk = Chunk(f"{article_id}-{start}", article_id, text, start, start + len(text), len(text.split()))
    meta = ArticleMeta(article_id, title or f"Article {article_id}", source, published_at="2023-10-02")
    return Hit(chunk=chunk, article=meta, score=1.0 / rank, rank=rank)
