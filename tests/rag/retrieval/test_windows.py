"""Passage widening: exact spans within the token budget, no text shown twice, covered hits dropped."""

from __future__ import annotations

from rag.retrieval.windows import PassageWidener
from rag.text import count_tokens, sentence_spans
from rag.types import Article, ArticleMeta, Chunk, Hit

SENTENCES = [
    f"Sentence {i} is about topic {'helicopters' if i == 7 else 'budgets'} number {i}." for i in range(20)
]
TEXT = " ".join(SENTENCES)


class Articles:
    def __init__(self, *articles: Article) -> None:
        self.by_id = {a.id: a for a in articles}
        self.reads = 0

    def get(self, article_id: str) -> Article | None:
        self.reads += 1
        return self.by_id.get(article_id)


def _hit(first: int, last: int, rank: int, article: str = "a1") -> Hit:
    spans = sentence_spans(TEXT)
    start, end = spans[first].start, spans[last].end
    chunk = Chunk(
        f"c{first}", article, TEXT[start:end], start, end, count_tokens(TEXT[start:end]), index=first
    )
    return Hit(chunk, ArticleMeta(article, "T", "Outlet"), score=1.0 / rank, rank=rank)


def test_hits_grow_to_the_budget_with_exact_offsets() -> None:
    articles = Articles(Article("a1", "T", TEXT, "Outlet"))
    widener = PassageWidener(articles, max_tokens=60)
    [wide] = widener.widen("anything", [_hit(10, 11, 1)])
    assert TEXT[wide.chunk.start : wide.chunk.end] == wide.chunk.text
    assert wide.chunk.start < _hit(10, 11, 1).chunk.start and wide.chunk.end > _hit(10, 11, 1).chunk.end
    assert 45 < count_tokens(wide.chunk.text) <= 60 == widener.max_tokens
    assert wide.chunk.tokens == count_tokens(wide.chunk.text) and wide.chunk.id.startswith("c10@")
    assert (wide.rank, wide.score) == (1, 1.0)


def test_growth_prefers_the_neighbour_that_shares_the_question_words() -> None:
    widener = PassageWidener(Articles(Article("a1", "T", TEXT, "Outlet")), max_tokens=40)
    [wide] = widener.widen("Which helicopters?", [_hit(8, 9, 1)])
    assert "helicopters" in wide.chunk.text  # sentence 7 (before) beat sentence 10 (after)


def test_passages_of_one_article_never_overlap_and_covered_hits_are_dropped() -> None:
    articles = Articles(Article("a1", "T", TEXT, "Outlet"), Article("a2", "U", TEXT, "Other"))
    widener = PassageWidener(articles, max_tokens=60)
    hits = [_hit(10, 11, 1), _hit(11, 11, 2), _hit(2, 3, 3), _hit(10, 11, 4, "a2")]
    out = widener.widen("anything", hits, k=3)
    assert [h.chunk.id.split("@")[0] for h in out] == ["c10", "c2", "c10"]  # c11 lay inside the first
    assert [h.rank for h in out] == [1, 2, 3]
    first, second = out[0].chunk, out[1].chunk
    assert first.end <= second.start or second.end <= first.start
    assert articles.reads == 2  # each article's sentences are read once


def test_unknown_articles_and_stale_chunks_pass_through() -> None:
    widener = PassageWidener(Articles(Article("a1", "T", TEXT.replace("Sentence 10", "Line 10"), "O")))
    missing, stale = _hit(3, 4, 1, "gone"), _hit(10, 11, 2)
    assert widener.widen("q", [missing, stale]) == [missing, stale]
