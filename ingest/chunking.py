"""Sentence-aligned, overlapping chunks with exact character offsets.

A chunk never cuts a sentence (unless one sentence alone exceeds the budget), consecutive chunks
share trailing sentences so a fact never falls between two chunks, and every chunk fits both the
tiktoken budget (the benchmark's unit) and the embedding model's wordpiece limit (header included),
so nothing is silently truncated by the embedder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.text import Span, count_tokens, sentence_spans
from rag.types import Article, Chunk

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class ChunkingConfig:
    max_tokens: int = 200
    overlap_tokens: int = 48
    max_wordpieces: int = 256
    encoding: str = "cl100k_base"


def chunk_header(article: Article) -> str:
    """ "Title · Outlet · 2023-10-05": prepended to each chunk for embedding and lexical search."""
    parts = [article.title, article.source, article.published_at[:10]]
    return " · ".join(p for p in parts if p)


def chunk_article(
    article: Article, config: ChunkingConfig, wordpieces: TokenCounter | None = None
) -> list[Chunk]:
    """Cut ``article.text`` into chunks; ``chunk.text == article.text[chunk.start:chunk.end]``."""
    text = article.text
    header = chunk_header(article)
    units = _units(text, config)
    if not units:
        return []
    tok = [count_tokens(text[u.start : u.end], config.encoding) for u in units]
    if wordpieces is not None:
        wp = [wordpieces(text[u.start : u.end]) for u in units]
        wp_budget = config.max_wordpieces - wordpieces(header) - 3  # [CLS], [SEP], header newline
    else:
        wp, wp_budget = tok, config.max_wordpieces
    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        last = first
        tokens, pieces = tok[first], wp[first]
        while last + 1 < len(units) and _fits(
            tokens + tok[last + 1], pieces + wp[last + 1], config, wp_budget
        ):
            last += 1
            tokens += tok[last]
            pieces += wp[last]
        start, end = units[first].start, units[last].end
        chunks.append(
            Chunk(
                id=_chunk_id(article.id, start, end),
                article_id=article.id,
                text=text[start:end],
                start=start,
                end=end,
                tokens=count_tokens(text[start:end], config.encoding),
                header=header,
                index=len(chunks),
            )
        )
        if last + 1 >= len(units):
            break
        first = _next_first(first, last, tok, config.overlap_tokens)
    return chunks


def _fits(tokens: int, pieces: int, config: ChunkingConfig, wp_budget: int) -> bool:
    return tokens <= config.max_tokens and pieces <= wp_budget


def _next_first(first: int, last: int, tok: list[int], overlap: int) -> int:
    """Start the next chunk on the trailing sentences of this one that fit in ``overlap`` tokens."""
    nxt, carried = last + 1, 0
    while nxt - 1 > first and carried + tok[nxt - 1] <= overlap:
        nxt -= 1
        carried += tok[nxt]
    return nxt


def _units(text: str, config: ChunkingConfig) -> list[Span]:
    """Sentences, with any sentence longer than half the budget cut at word boundaries."""
    limit = max(8, config.max_tokens // 2)
    units: list[Span] = []
    for span in sentence_spans(text):
        if count_tokens(text[span.start : span.end], config.encoding) <= limit:
            units.append(span)
        else:
            units.extend(_split_long(text, span, limit, config.encoding))
    return units


def _split_long(text: str, span: Span, limit: int, encoding: str) -> list[Span]:
    words = [m.span() for m in re.finditer(r"\S+", text[span.start : span.end])]
    pieces: list[Span] = []
    begin = 0
    while begin < len(words):
        end = begin
        while (
            end + 1 < len(words)
            and count_tokens(text[span.start + words[begin][0] : span.start + words[end + 1][1]], encoding)
            <= limit
        ):
            end += 1
        pieces.append(Span(span.start + words[begin][0], span.start + words[end][1]))
        begin = end + 1
    return pieces


def _chunk_id(article_id: str, start: int, end: int) -> str:
    return hashlib.sha1(f"{article_id}:{start}:{end}".encode()).hexdigest()[:20]
