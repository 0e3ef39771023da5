"""Context packing: numbered sources per article, token budget, merged overlapping passages."""

from __future__ import annotations

from dataclasses import replace

from rag.answer.context import pack_sources, render_sources
from rag.text import count_tokens
from tests.rag.answer.helpers import make_hit

ARTICLE = "First sentence about the deal. Second sentence about the price. Third sentence about the date."


def test_sources_are_numbered_per_article_in_rank_order() -> None:
    hits = [
        make_hit("b", "Beta text is here.", title="Beta", source="Wire B", rank=1),
        make_hit("a", "Alpha text is here.", title="Alpha", source="Wire A", rank=2),
        make_hit("b", "More beta text.", title="Beta", source="Wire B", rank=3, start=100),
    ]
    sources = pack_sources(hits, 1000)
    assert [(s.n, s.article.id) for s in sources] == [(1, "b"), (2, "a")]
    assert len(sources[0].hits) == 2
    rendered = render_sources(sources)
    assert rendered.startswith("[1] Beta — Wire B — 2023-10-02\n")
    assert "[2] Alpha — Wire A — 2023-10-02" in rendered


def test_overlapping_chunks_are_merged_without_repeating_text() -> None:
    first = make_hit("a", ARTICLE[:60], rank=1)
    second = make_hit("a", ARTICLE[31:], rank=2, start=31)
    (source,) = pack_sources([first, second], 1000)
    assert source.text == ARTICLE
    quotes = [e.text for e in source.evidence()]
    assert quotes == [
        "First sentence about the deal.",
        "Second sentence about the price.",
        "Third sentence about the date.",
    ]
    for e in source.evidence():
        assert ARTICLE[e.start : e.end] == e.text


def test_budget_is_respected_and_keeps_at_least_one_passage() -> None:
    long = " ".join(["Word number sentence here."] * 200)
    hits = [make_hit(str(i), long, rank=i + 1) for i in range(5)]
    budget = count_tokens(long) + 30
    sources = pack_sources(hits, budget)
    assert len(sources) == 1
    assert len(pack_sources(hits, 10)) == 1  # never empty


def test_excerpt_pieces_become_separate_segments_with_exact_offsets() -> None:
    third = ARTICLE.index("Third")
    spans = ((0, ARTICLE.index(" Second")), (third, len(ARTICLE)))
    excerpt = make_hit("a", " … ".join(ARTICLE[a:b] for a, b in spans), rank=1)
    excerpt = replace(excerpt, chunk=replace(excerpt.chunk, spans=spans, end=len(ARTICLE)))
    gap = spans[0][1]
    window = make_hit("a", ARTICLE[gap:third], rank=2, start=gap)
    (source,) = pack_sources([excerpt, window], 1000)
    assert source.text == ARTICLE  # the window fills the gap between the excerpt's pieces
    (alone,) = pack_sources([excerpt], 1000)
    assert alone.text == "First sentence about the deal. … Third sentence about the date."
    assert [(e.text, ARTICLE[e.start : e.end]) for e in alone.evidence()] == [
        ("First sentence about the deal.", "First sentence about the deal."),
        ("Third sentence about the date.", "Third sentence about the date."),
    ]
