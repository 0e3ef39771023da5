"""Retrieval metrics on hand-computed cases, and against the authors' released scorer."""

from __future__ import annotations

import random

import pytest

from evals.metrics import (
    aggregate_retrieval,
    fact_in,
    match_key,
    percentile,
    score_retrieval,
)
from ingest.chunking import ChunkingConfig, chunk_article
from rag.types import Article

F1 = "Alpha announced the merger on Monday."
F2 = "Beta shares fell 12 percent."
F3 = "Gamma declined to comment."


def test_hand_computed_ranks() -> None:
    chunks = [
        "Nothing here.",
        f"Intro. {F1} More.",
        "Nothing.",
        "Still nothing.",
        f"{F2} And again {F1}",
        *["filler"] * 5,
        f"Too late: {F3}",  # rank 11 is outside the top 10
    ]
    s = score_retrieval([F1, F2, F3], chunks)
    assert s is not None
    assert s.fact_ranks == (2, 5, None)
    assert s.hits_at_4 == pytest.approx(1 / 3)
    assert s.hits_at_10 == pytest.approx(2 / 3)
    assert s.anyhit_at_4 == 1.0
    assert s.anyhit_at_10 == 1.0
    assert s.mrr_at_10 == pytest.approx(1 / 2)
    assert s.map_at_10 == pytest.approx((1 / 2 + 1 / 5) / 3)


def test_nothing_found_scores_zero() -> None:
    s = score_retrieval([F1], ["unrelated text"] * 10)
    assert s is not None
    assert s.as_metrics() == {
        "hits@4": 0.0,
        "hits@10": 0.0,
        "anyhit@4": 0.0,
        "anyhit@10": 0.0,
        "mrr@10": 0.0,
        "map@10": 0.0,
    }
    assert score_retrieval([F1], []) == s


def test_anyhit_differs_from_hits() -> None:
    """Two facts, only one retrieved at rank 3: anyhit@4 = 1 but hits@4 = 0.5."""
    s = score_retrieval([F1, F2], ["x", "y", F1])
    assert s is not None
    assert (s.anyhit_at_4, s.hits_at_4, s.map_at_10) == (1.0, 0.5, 1 / 6)
    assert s.mrr_at_10 == pytest.approx(1 / 3)


def test_question_without_evidence_is_excluded() -> None:
    assert score_retrieval([], ["any chunk"]) is None
    found = score_retrieval([F1], [F1])
    agg = aggregate_retrieval([found, None, None])
    assert agg["n"] == 1
    assert agg["hits@10"] == 1.0
    empty = aggregate_retrieval([None])
    assert empty["n"] == 0
    assert empty["hits@10"] is None


def test_whitespace_and_invisible_characters_are_ignored() -> None:
    assert fact_in("Beta  shares\nfell 12\tpercent.", f"Earlier. {F2} Later.")
    assert fact_in("S\ufeffAINT-ETIENNE: rugby", "SAINT-ETIENNE:  rugby news")
    assert fact_in("cafe\u0301 owner", "the café owner")  # NFC on both sides
    assert not fact_in("Beta shares fell 13 percent.", F2)
    assert not fact_in("", F2)
    assert match_key(" a b\u00adc ") == "abc"


def test_duplicate_facts_count_once() -> None:
    s = score_retrieval([F1, F1, F2], [F1])
    assert s is not None
    assert s.hits_at_10 == 0.5
    assert len(s.fact_ranks) == 2


def _two_chunk_article() -> tuple[Article, list[str]]:
    sentences = [
        f"Sentence number {i} talks about the budget of the ministry in some detail." for i in range(12)
    ]
    text = " ".join(sentences)
    article = Article(id="a1", title="T", text=text)
    chunks = chunk_article(article, ChunkingConfig(max_tokens=60, overlap_tokens=0))
    return article, [c.text for c in chunks]


def test_fact_straddling_a_chunk_boundary_is_not_found() -> None:
    """The paper's rule is per chunk: a fact cut by a boundary is in neither chunk."""
    _, chunks = _two_chunk_article()
    assert len(chunks) >= 2
    last_of_first = chunks[0].split(". ")[-1]
    first_of_second = chunks[1].split(". ")[0] + "."
    straddling = f"{last_of_first} {first_of_second}"
    assert straddling.replace(" ", "") in "".join(chunks).replace(" ", "")
    s = score_retrieval([straddling], chunks)
    assert s is not None
    assert s.hits_at_10 == 0.0
    # each half alone is found, in its own chunk
    halves = score_retrieval([last_of_first, first_of_second], chunks)
    assert halves is not None
    assert halves.fact_ranks == (1, 2)


def test_overlapping_chunks_keep_a_boundary_fact_whole() -> None:
    article, _ = _two_chunk_article()
    chunks = [c.text for c in chunk_article(article, ChunkingConfig(max_tokens=60, overlap_tokens=20))]
    sentence = "Sentence number 5 talks about the budget of the ministry in some detail."
    pair = f"Sentence number 4 talks about the budget of the ministry in some detail. {sentence}"
    s = score_retrieval([pair], chunks)
    assert s is not None
    assert s.hits_at_10 == 1.0


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 95) == pytest.approx(3.85)


def _released_scorer(retrieved: list[str], gold: list[str]) -> tuple[float, float, float, float]:
    """The loop of MultiHop-RAG's retrieval_evaluate.py for one question: (hit@10, hit@4, map, mrr)."""
    gold = [g.replace(" ", "").replace("\n", "") for g in gold]
    retrieved = [r.replace(" ", "").replace("\n", "") for r in retrieved]
    hit10 = hit4 = False
    ap_sum, first, found = 0.0, None, []
    for rank, item in enumerate(retrieved[:11], start=1):
        if any(g in item for g in gold) and rank <= 10:
            hit10 = True
            first = first or rank
            hit4 = hit4 or rank <= 4
            count = 0
            for g in gold:
                if g in item and g not in found:
                    count += 1
                    found.append(g)
            ap_sum += count / rank
    return float(hit10), float(hit4), ap_sum / min(len(gold), 10), 1 / first if first else 0.0


def test_matches_the_released_scorer_on_random_cases() -> None:
    rng = random.Random(7)
    facts = [f"fact {i} says something specific." for i in range(8)]
    for _ in range(300):
        gold = rng.sample(facts, rng.randint(1, 4))
        retrieved = [
            " ".join(rng.sample(facts, rng.randint(0, 2))) or "nothing" for _ in range(rng.randint(0, 12))
        ]
        s = score_retrieval(gold, retrieved)
        assert s is not None
        hit10, hit4, ap, rr = _released_scorer(retrieved, gold)
        assert (s.anyhit_at_10, s.anyhit_at_4) == (hit10, hit4)
        assert s.map_at_10 == pytest.approx(ap)
        assert s.mrr_at_10 == pytest.approx(rr)
