"""Context packing: retrieved hits -> numbered sources (title, outlet, date) within a token budget.

One source per article, in the order of the article's best hit; an article's passages are merged
(overlapping chunks share text) and kept in article order, so offsets stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.citations import Evidence
from rag.injection import flag_sentences
from rag.text import Span, count_tokens, sentence_spans
from rag.types import ArticleMeta, Hit


@dataclass
class Source:
    """The numbered source ``n`` as the backend sees it: one article's retrieved passages."""

    n: int
    article: ArticleMeta
    hits: list[Hit] = field(default_factory=list)
    best_rank: int = 0

    @property
    def header(self) -> str:
        parts = [self.article.title or "(untitled)"]
        if self.article.source:
            parts.append(self.article.source)
        if self.article.published_at:
            parts.append(self.article.published_at[:10])
        return " — ".join(parts)

    def segments(self) -> list[tuple[int, str, Hit]]:
        """The passages merged where they overlap: (article offset, text, first hit) in article order."""
        merged: list[tuple[int, str, Hit]] = []
        pieces = sorted(((at, text, hit) for hit in self.hits for at, text in hit.chunk.pieces()), key=_at)
        for at, piece, hit in pieces:
            if merged and at <= merged[-1][0] + len(merged[-1][1]):
                start, text, first = merged[-1]
                end = start + len(text)
                if at + len(piece) > end:
                    merged[-1] = (start, text + piece[end - at :], first)
            else:
                merged.append((at, piece, hit))
        return merged

    @property
    def text(self) -> str:
        """The passages merged in article order, without the sentences addressed to an AI (see
        rag.injection); gaps between them are marked with an ellipsis."""
        runs: list[str] = []
        for _, text, _ in self.segments():
            run: list[Span] = []
            for span, injected in _sentences(text):
                if not injected:
                    run.append(span)
                elif run:
                    runs.append(text[run[0].start : run[-1].end])
                    run = []
            if run:
                runs.append(text[run[0].start : run[-1].end])
        return " … ".join(runs)

    def render(self) -> str:
        return f"[{self.n}] {self.header}\n{self.text}"

    def evidence(self, min_chars: int = 20) -> list[Evidence]:
        """Every sentence of the merged passages, with offsets into the article text.

        Sentences addressed to an AI are left out (see rag.injection).
        """
        out: list[Evidence] = []
        for start, text, hit in self.segments():
            for span, injected in _sentences(text):
                sentence = text[span.start : span.end]
                if len(sentence) >= min_chars and not injected:
                    out.append(Evidence(hit, sentence, start + span.start, start + span.end))
        return out


def _sentences(text: str) -> list[tuple[Span, bool]]:
    """The sentences of ``text`` and whether each reads as addressed to an AI."""
    spans = sentence_spans(text)
    return list(zip(spans, flag_sentences([text[s.start : s.end] for s in spans]), strict=True))


def _at(piece: tuple[int, str, Hit]) -> int:
    return piece[0]


def pack_sources(hits: Sequence[Hit], budget_tokens: int, encoding: str = "cl100k_base") -> list[Source]:
    """Group ``hits`` by article and number them, adding passages while they fit in the budget.

    The best-ranked passage of an article always comes first; a passage that does not fit is
    skipped (a later, shorter one may still fit). At least one passage is kept.
    """
    by_article: dict[str, Source] = {}
    order: list[Source] = []
    used = 0
    for hit in sorted(hits, key=lambda h: h.rank or 0):
        source = by_article.get(hit.article.id)
        new = source is None
        if source is None:
            source = Source(n=0, article=hit.article, best_rank=hit.rank)
        cost = count_tokens(hit.chunk.text, encoding) + (
            count_tokens(source.header, encoding) + 4 if new else 0
        )
        if used + cost > budget_tokens and order:
            continue
        used += cost
        source.hits.append(hit)
        if new:
            by_article[hit.article.id] = source
            order.append(source)
    for n, source in enumerate(order, start=1):
        source.n = n
    return order


def render_sources(sources: Sequence[Source]) -> str:
    return "\n\n".join(source.render() for source in sources)
