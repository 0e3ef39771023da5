"""Fusion (reciprocal rank, weighted scores), interleaving and the per-article cap."""

from __future__ import annotations

import pytest

from rag.retrieval.fusion import RRF_K, fuse, interleave, rrf, weighted
from rag.retrieval.pipeline import diversify
from rag.types import ArticleMeta, Chunk, Hit


def hit(
    cid: str, score: float, article: str = "", dense: float | None = None, lexical: float | None = None
) -> Hit:
    chunk = Chunk(id=cid, article_id=article or cid, text=cid, start=0, end=1, tokens=1)
    return Hit(
        chunk=chunk, article=ArticleMeta(article or cid, cid), score=score, dense=dense, lexical=lexical
    )


def test_rrf_sums_reciprocal_ranks_and_keeps_both_scores() -> None:
    dense = [hit("a", 0.9, dense=0.9), hit("b", 0.8, dense=0.8)]
    lexical = [hit("b", 12.0, lexical=12.0), hit("c", 3.0, lexical=3.0)]
    fused = rrf([dense, lexical])
    assert [h.chunk.id for h in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert (fused[0].dense, fused[0].lexical) == (0.8, 12.0)
    assert [h.rank for h in fused] == [1, 2, 3]


def test_rrf_weights_shift_the_order() -> None:
    dense, lexical = [hit("a", 1), hit("b", 1)], [hit("b", 1), hit("a", 1)]
    assert rrf([dense, lexical], [2.0, 1.0])[0].chunk.id == "a"
    assert rrf([dense, lexical], [1.0, 2.0])[0].chunk.id == "b"
    with pytest.raises(ValueError):
        rrf([dense, lexical], [1.0])


def test_weighted_fusion_normalises_each_list() -> None:
    # raw BM25 scores are far larger than cosines: without normalisation "c" would win on lexical alone
    dense = [hit("a", 0.80), hit("b", 0.70), hit("c", 0.20)]
    lexical = [hit("c", 30.0), hit("b", 25.0), hit("a", 5.0)]
    fused = weighted([dense, lexical])
    assert [h.chunk.id for h in fused] == ["b", "a", "c"]  # a and c tie at 1.0: by id
    scores = {h.chunk.id: h.score for h in fused}
    assert scores["a"] == pytest.approx(1.0 + 0.0)
    assert scores["b"] == pytest.approx(5 / 6 + 0.8)
    assert scores["c"] == pytest.approx(0.0 + 1.0)


def test_fuse_dispatch_and_empty_lists() -> None:
    assert fuse("rrf", [[], []]) == []
    assert [h.chunk.id for h in fuse("weighted", [[hit("a", 0.5)], []])] == ["a"]
    with pytest.raises(ValueError):
        fuse("borda", [[hit("a", 1)]])


def test_interleave_gives_each_list_its_best() -> None:
    merged = interleave([[hit("a", 1), hit("b", 1), hit("c", 1)], [hit("x", 1), hit("a", 1)]])
    assert [h.chunk.id for h in merged] == ["a", "x", "b", "c"]


def test_diversify_caps_chunks_per_article_then_fills() -> None:
    hits = [hit("a1", 5, "A"), hit("a2", 4, "A"), hit("a3", 3, "A"), hit("b1", 2, "B"), hit("c1", 1, "C")]
    assert [h.chunk.id for h in diversify(hits, 4, per_article=2)] == ["a1", "a2", "b1", "c1"]
    assert [h.chunk.id for h in diversify(hits, 5, per_article=1)] == ["a1", "b1", "c1", "a2", "a3"]
    assert [h.chunk.id for h in diversify(hits, 3, per_article=0)] == ["a1", "a2", "a3"]
