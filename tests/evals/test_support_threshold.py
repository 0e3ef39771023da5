"""``python -m evals.support_threshold``: the positives, hard negatives and summary, on hand-made hits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import rag.verify
from evals.datasets import GoldFact, Query
from evals.support_threshold import Scores, measure, no_verbatim_shortcut, own_sentence, restatement, summary
from rag.citations import Evidence
from rag.types import ArticleMeta, Chunk, Hit

FACT = "Alpha Corp announced the merger with Beta Industries on Monday morning in Seoul."


def _hit(article: str, rank: int, text: str) -> Hit:
    chunk = Chunk(id=f"{article}{rank}", article_id=article, text=text, start=0, end=len(text), tokens=30)
    return Hit(chunk=chunk, article=ArticleMeta(id=article, title=f"Title {article}"), rank=rank)


class _Scorer:
    """Stands in for SupportScorer: records what it was asked, scores by claim length."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def scores(self, claim: str, evidence: Sequence[Evidence]) -> np.ndarray:
        self.calls.append((claim, [e.text for e in evidence]))
        return np.array([0.9 if len(claim) < len(FACT) else 0.3] * len(evidence), dtype=np.float32)


def test_restatement_keeps_at_least_six_words() -> None:
    assert restatement(FACT) == "Alpha Corp announced the merger with Beta"  # 60% of 13 words
    assert restatement("One two three four five six seven") == "One two three four five six"


def test_own_sentence_ignores_case_and_punctuation() -> None:
    hit = _hit("a", 1, "x")
    other = Evidence(hit, "Prices rose sharply across the region last year.", 0, 10)
    own = Evidence(
        hit, "alpha corp announced the merger with Beta Industries, on Monday morning in Seoul", 0, 10
    )
    assert own_sentence(FACT, [other, own]) is own
    assert own_sentence(FACT, [other]) is None


def test_measure_scores_the_restatement_and_other_articles() -> None:
    query = Query("q", "Who merged?", "Alpha", "inference_query", (GoldFact(FACT, "Title a"),))
    hits = [_hit("a", 1, FACT), _hit("b", 2, "Gamma Ltd said nothing about any merger plans this week.")]
    scorer = _Scorer()
    scores = measure([(query, hits)], scorer, 3000, "cl100k_base")  # type: ignore[arg-type]
    assert scores.positives == [np.float32(0.9)] and scores.negatives == [np.float32(0.3)]
    assert scorer.calls[0] == (restatement(FACT), [FACT])
    assert scorer.calls[1][0] == FACT and FACT not in scorer.calls[1][1]


def test_verbatim_shortcut_is_off_only_inside() -> None:
    original = rag.verify._quotes
    with no_verbatim_shortcut():
        assert rag.verify._quotes("a claim", "a claim") is False
    assert rag.verify._quotes is original


def test_summary() -> None:
    text = summary(Scores([0.9, 0.8, 0.7, 0.6], [0.2, 0.3, 0.5, 0.56]), candidates=(0.55,))
    assert "positives n=4" in text and "hard negatives n=4" in text
    assert "threshold 0.55: keeps 1.000 of supported, accepts 0.250 of unsupported" in text
    assert summary(Scores()).startswith("not enough cases")
