"""Retrieval metrics, exactly as MultiHop-RAG scores them, and the averaging helpers.

Matching rule (the paper's): a gold fact is *found* in a retrieved chunk when the fact, with all
whitespace removed, is a substring of the chunk's text with all whitespace removed. Both sides also
get the Unicode clean-up the ingest applies (NFC, no BOM / soft hyphen / zero-width characters), so
our cleaning never hides a fact. The chunk text is the quoted passage only (no title header), and a
fact cut in two by a chunk boundary is found in neither chunk. Facts are deduplicated per question.

For a question with gold facts ``F`` (``|F| = n``) and retrieved chunks ranked 1..10, let
``rank(f)`` be the first rank whose chunk contains fact ``f`` (unset when no top-10 chunk does):

- ``hits@K``   = |{f : rank(f) <= K}| / n -- share of the gold facts found in the top K (the paper's
  stated definition of Hits@K).
- ``anyhit@K`` = 1 if some chunk in the top K contains some gold fact, else 0 -- what the authors'
  released scorer (``retrieval_evaluate.py``) computes under the name Hits@K.
- ``mrr@10``   = 1 / (first rank whose chunk contains any gold fact), 0 when none in the top 10.
- ``map@10``   = sum over found facts of 1 / rank(f), divided by min(n, 10) -- the released scorer's
  average precision, which adds (facts first found at rank r) / r at each rank r. (Textbook AP would
  use the cumulative count at r; we keep the scorer's form so figures compare with the paper.)

Questions without gold facts (null questions) are excluded from every retrieval metric; overall
figures are means over the remaining questions.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

_INVISIBLE = re.compile(r"[\ufeff\u00ad\u200b-\u200d\u2060\s]+")
RETRIEVAL_KEYS = ("hits@4", "hits@10", "anyhit@4", "anyhit@10", "mrr@10", "map@10")


def match_key(text: str) -> str:
    """The form facts and chunks are compared in: NFC, whitespace and invisible characters removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text))


def fact_in(fact: str, passage: str) -> bool:
    """True when ``fact`` occurs in ``passage`` under the whitespace-insensitive matching rule."""
    key = match_key(fact)
    return bool(key) and key in match_key(passage)


@dataclass(frozen=True)
class RetrievalScores:
    """Retrieval metrics of one question (see the module docstring for the definitions)."""

    hits_at_4: float
    hits_at_10: float
    anyhit_at_4: float
    anyhit_at_10: float
    mrr_at_10: float
    map_at_10: float
    fact_ranks: tuple[int | None, ...]  # rank(f) for each distinct fact, None when not in the top 10

    def as_metrics(self) -> dict[str, float]:
        """The six figures under their report.json names."""
        values = asdict(self)
        return {key: values[attr] for key, attr in zip(RETRIEVAL_KEYS, _ATTRS, strict=True)}


_ATTRS = ("hits_at_4", "hits_at_10", "anyhit_at_4", "anyhit_at_10", "mrr_at_10", "map_at_10")


def score_retrieval(facts: Sequence[str], chunks: Sequence[str], k: int = 10) -> RetrievalScores | None:
    """Score one question's ranked chunk texts against its gold facts; None when it has no facts."""
    distinct = [f for f in dict.fromkeys(match_key(f) for f in facts) if f]
    if not distinct:
        return None
    keys = [match_key(c) for c in chunks[:k]]
    ranks: list[int | None] = [
        next((r for r, chunk in enumerate(keys, start=1) if fact in chunk), None) for fact in distinct
    ]
    found = [r for r in ranks if r is not None]
    n = len(distinct)
    first = min(found) if found else None
    return RetrievalScores(
        hits_at_4=sum(r <= 4 for r in found) / n,
        hits_at_10=sum(r <= 10 for r in found) / n,
        anyhit_at_4=float(first is not None and first <= 4),
        anyhit_at_10=float(first is not None and first <= 10),
        mrr_at_10=1.0 / first if first is not None else 0.0,
        map_at_10=sum(1.0 / r for r in found) / min(n, 10),
        fact_ranks=tuple(ranks),
    )


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, None when the denominator is 0 (a metric with no cases)."""
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def aggregate_retrieval(scores: Sequence[RetrievalScores | None]) -> dict[str, float | None]:
    """Means of each retrieval metric over the questions that have gold facts, plus ``n``."""
    kept = [s.as_metrics() for s in scores if s is not None]
    out: dict[str, float | None] = {key: mean(m[key] for m in kept) for key in RETRIEVAL_KEYS}
    out["n"] = len(kept)
    return out
