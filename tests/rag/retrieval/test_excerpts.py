"""Excerpts: the article's sentences that bear on the question, exact pieces, within the budget."""

from __future__ import annotations

from rag.retrieval.excerpts import ExcerptBuilder
from rag.text import count_tokens
from rag.types import EXCERPT_SEPARATOR, Article, ArticleMeta, Chunk, Hit
from tests.rag.retrieval.test_windows import TEXT, Articles, _hit


def _pieces_are_exact(text: str, chunk_text: str, pieces: list[tuple[int, str]]) -> bool:
    joined = EXCERPT_SEPARATOR.join(piece for _, piece in pieces)
    return joined == chunk_text and all(text[at : at + len(piece)] == piece for at, piece in pieces)


def test_a_far_sentence_that_answers_joins_the_chunk_within_the_budget() -> None:
    builder = ExcerptBuilder(Articles(Article("a1", "T", TEXT, "Outlet")), max_tokens=40)
    [hit] = builder.widen("Which helicopters?", [_hit(15, 16, 1)])
    chunk = hit.chunk
    assert "helicopters" in chunk.text and "Sentence 15 " in chunk.text and "Sentence 16 " in chunk.text
    assert len(chunk.spans) == 2 and chunk.spans[0][0] == chunk.start and chunk.spans[-1][1] == chunk.end
    assert _pieces_are_exact(TEXT, chunk.text, chunk.pieces())
    assert chunk.tokens == count_tokens(chunk.text) <= 40
    assert (hit.rank, hit.score) == (1, 1.0) and chunk.id.startswith("c15@")


def test_without_a_better_sentence_the_chunk_grows_into_one_contiguous_span() -> None:
    builder = ExcerptBuilder(Articles(Article("a1", "T", TEXT, "Outlet")), max_tokens=60)
    [hit] = builder.widen("nothing in common", [_hit(10, 11, 1)])
    chunk = hit.chunk
    assert chunk.spans == () and TEXT[chunk.start : chunk.end] == chunk.text  # filler: the neighbours
    assert chunk.start < _hit(10, 11, 1).chunk.start and chunk.end > _hit(10, 11, 1).chunk.end
    assert 40 < chunk.tokens <= 60


def test_hits_of_an_article_with_nothing_left_to_show_drop_out() -> None:
    articles = Articles(Article("a1", "T", TEXT, "Outlet"), Article("a2", "U", TEXT, "Other"))
    builder = ExcerptBuilder(articles, max_tokens=400)  # the whole article fits in one excerpt
    hits = [_hit(10, 11, 1), _hit(2, 3, 2), _hit(12, 12, 3), _hit(0, 0, 4, "a2"), _hit(5, 5, 5, "a2")]
    out = builder.widen("helicopters", hits, k=3)
    assert [(h.chunk.article_id, h.rank) for h in out] == [("a1", 1), ("a2", 2)]
    assert out[0].chunk.text == TEXT and out[0].chunk.spans == ()
    assert articles.reads == 2  # each article's sentences are read once


def test_two_hits_of_one_article_split_its_sentences() -> None:
    builder = ExcerptBuilder(Articles(Article("a1", "T", TEXT, "Outlet")), max_tokens=60)
    first, second = builder.widen("Which helicopters?", [_hit(15, 16, 1), _hit(3, 4, 2)])
    assert "helicopters" in first.chunk.text and "helicopters" not in second.chunk.text
    assert "Sentence 3 " in second.chunk.text and _pieces_are_exact(
        TEXT, second.chunk.text, second.chunk.pieces()
    )
    spans = [(a, a + len(p)) for h in (first, second) for a, p in h.chunk.pieces()]
    assert all(b1 <= a2 or b2 <= a1 for i, (a1, b1) in enumerate(spans) for a2, b2 in spans[i + 1 :])


def test_unknown_articles_and_stale_chunks_pass_through() -> None:
    builder = ExcerptBuilder(Articles(Article("a1", "T", TEXT.replace("Sentence 10", "Line 10"), "O")))
    missing, stale = _hit(3, 4, 1, "gone"), _hit(10, 11, 2)
    assert builder.widen("q", [missing, stale]) == [missing, stale]


def test_rare_question_words_outweigh_common_ones() -> None:
    idf = {"helicopter": 5.0, "budget": 0.1, "topic": 0.1}
    builder = ExcerptBuilder(
        Articles(Article("a1", "T", TEXT, "Outlet")), idf=lambda w: idf.get(w, 1.0), max_tokens=30
    )
    [hit] = builder.widen("budgets topic helicopters", [_hit(15, 15, 1)])
    assert "helicopters" in hit.chunk.text  # sentence 7, one of twenty that all say "topic"


def test_with_sentence_vectors_a_paraphrase_of_the_question_is_shown() -> None:
    from store.cache import SentenceVectors
    from store.embeddings import shared_embedder

    text = (
        "The committee met on Tuesday to review the annual figures. "
        "Officials said the budget review would continue next month. "
        "Members of the committee discussed the schedule at length. "
        "Regulators penalised the lender for deceiving its clients about fees. "
        "The meeting ended in the afternoon without a vote."
    )
    first = text.index(" Officials")
    chunk = Chunk("c0", "a1", text[:first], 0, first, count_tokens(text[:first]), index=0)
    hit = Hit(chunk, ArticleMeta("a1", "T", "Outlet"), score=1.0, rank=1)
    question = "Which bank was fined for misleading customers?"  # no word in common with the answer
    articles = Articles(Article("a1", "T", text, "Outlet"))
    [lexical] = ExcerptBuilder(articles, max_tokens=30).widen(question, [hit])
    vectors = SentenceVectors(shared_embedder("all-MiniLM-L6-v2"))
    [dense] = ExcerptBuilder(articles, max_tokens=30, vectors=vectors).widen(question, [hit])
    assert "Regulators penalised" not in lexical.chunk.text  # words alone: the chunk's neighbour
    assert "Regulators penalised" in dense.chunk.text
    assert len(vectors) == 5  # every sentence of the article was embedded, once
    assert _pieces_are_exact(text, dense.chunk.text, dense.chunk.pieces())
