"""Fusing ranked lists (dense, lexical, sub-searches) into one: reciprocal rank or weighted scores.

Both functions merge hits by chunk id, keep every per-retriever score seen (``dense``, ``lexical``),
put the fused score in ``Hit.score`` and renumber ``Hit.rank`` from 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rag.types import Hit

RRF_K = 60


def rrf(lists: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None, k: int = RRF_K) -> list[Hit]:
    """Reciprocal rank fusion: ``score = sum(w_i / (k + rank_i))`` over the lists a chunk is in."""
    weights = _weights(lists, weights)
    scores: dict[str, float] = {}
    merged: dict[str, Hit] = {}
    for hits, weight in zip(lists, weights, strict=True):
        for rank, hit in enumerate(hits, start=1):
            _merge(merged, hit)
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + weight / (k + rank)
    return _ranked(merged, scores)


def weighted(lists: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None) -> list[Hit]:
    """Weighted score fusion: each list's ``Hit.score`` is min-max normalised to [0, 1], then summed.

    A chunk missing from a list gets 0 from it. A list whose scores are all equal contributes 1 to
    each of its hits (it is a list of equally good matches).
    """
    weights = _weights(lists, weights)
    scores: dict[str, float] = {}
    merged: dict[str, Hit] = {}
    for hits, weight in zip(lists, weights, strict=True):
        if not hits:
            continue
        values = [h.score for h in hits]
        low, high = min(values), max(values)
        span = high - low
        for hit in hits:
            _merge(merged, hit)
            norm = (hit.score - low) / span if span > 0 else 1.0
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + weight * norm
    return _ranked(merged, scores)


def fuse(method: str, lists: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None) -> list[Hit]:
    """Dispatch on ``method``: ``"rrf"`` or ``"weighted"``."""
    if method == "rrf":
        return rrf(lists, weights)
    if method == "weighted":
        return weighted(lists, weights)
    raise ValueError(f"unknown fusion method {method!r}: use 'rrf' or 'weighted'")


def interleave(lists: Sequence[Sequence[Hit]]) -> list[Hit]:
    """Round-robin merge, first occurrence wins: each list gets its best hits near the top."""
    seen: set[str] = set()
    out: list[Hit] = []
    depth = max((len(h) for h in lists), default=0)
    for i in range(depth):
        for hits in lists:
            if i < len(hits) and hits[i].chunk.id not in seen:
                seen.add(hits[i].chunk.id)
                out.append(hits[i])
    return renumber(out)


def renumber(hits: Sequence[Hit]) -> list[Hit]:
    """Copies of ``hits`` with ranks 1..n in the given order."""
    return [replace(h, rank=i) for i, h in enumerate(hits, start=1)]


def _weights(lists: Sequence[Sequence[Hit]], weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * len(lists)
    if len(weights) != len(lists):
        raise ValueError(f"{len(weights)} weights for {len(lists)} lists")
    return list(weights)


def _merge(merged: dict[str, Hit], hit: Hit) -> None:
    cid = hit.chunk.id
    if cid not in merged:
        merged[cid] = replace(hit)
        return
    kept = merged[cid]
    if kept.dense is None and hit.dense is not None:
        kept.dense = hit.dense
    if kept.lexical is None and hit.lexical is not None:
        kept.lexical = hit.lexical
    if kept.rerank is None and hit.rerank is not None:
        kept.rerank = hit.rerank


def _ranked(merged: dict[str, Hit], scores: dict[str, float]) -> list[Hit]:
    order = sorted(merged, key=lambda cid: (-scores[cid], cid))
    out = []
    for rank, cid in enumerate(order, start=1):
        hit = merged[cid]
        hit.score = scores[cid]
        hit.rank = rank
        out.append(hit)
    return out
