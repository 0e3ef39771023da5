import itertools

from ingest.chunking import ChunkingConfig, chunk_article, chunk_header
from rag.text import count_tokens, sentence_spans
from rag.types import Article


def make_article(n_sentences: int = 60) -> Article:
    text = " ".join(
        f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(n_sentences)
    )
    return Article(id="a1", title="Title", text=text, source="Outlet", published_at="2023-10-05T10:00:00")


def test_chunks_reproduce_their_text_from_offsets_and_respect_budget() -> None:
    article = make_article()
    chunks = chunk_article(article, ChunkingConfig(max_tokens=60, overlap_tokens=15))
    assert len(chunks) > 3
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        assert c.tokens == count_tokens(c.text) <= 60
        assert c.header == "Title · Outlet · 2023-10-05"


def test_chunks_align_to_sentences_and_overlap() -> None:
    article = make_article()
    starts = {s.start for s in sentence_spans(article.text)}
    ends = {s.end for s in sentence_spans(article.text)}
    chunks = chunk_article(article, ChunkingConfig(max_tokens=60, overlap_tokens=15))
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start in starts and prev.end in ends
        assert nxt.start < prev.end, "consecutive chunks share at least one sentence"
    # every sentence lies wholly inside some chunk
    for s in sentence_spans(article.text):
        assert any(c.start <= s.start and s.end <= c.end for c in chunks)


def test_last_chunk_reaches_the_end_and_ids_are_stable() -> None:
    article = make_article()
    config = ChunkingConfig(max_tokens=60, overlap_tokens=15)
    first = chunk_article(article, config)
    assert first[-1].end == len(article.text)
    assert [c.id for c in first] == [c.id for c in chunk_article(article, config)]
    assert len({c.id for c in first}) == len(first)


def test_wordpiece_budget_includes_the_header() -> None:
    article = make_article()
    words = lambda t: len(t.split()) * 2  # noqa: E731 - a stand-in tokenizer: 2 pieces per word
    chunks = chunk_article(
        article, ChunkingConfig(max_tokens=500, overlap_tokens=0, max_wordpieces=80), words
    )
    for c in chunks:
        assert words(c.header) + words(c.text) + 3 <= 80 or len(sentence_spans(c.text)) == 1


def test_overlong_sentence_is_cut_at_words() -> None:
    text = "word " * 400 + "end."
    article = Article(id="a2", title="T", text=text.strip())
    chunks = chunk_article(article, ChunkingConfig(max_tokens=100, overlap_tokens=0))
    assert all(c.tokens <= 100 for c in chunks)
    assert chunks[-1].text.endswith("end.")


def test_empty_article_has_no_chunks() -> None:
    assert chunk_article(Article(id="e", title="T", text=""), ChunkingConfig()) == []
    assert chunk_header(Article(id="e", title="T", text="x")) == "T"
