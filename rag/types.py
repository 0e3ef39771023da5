"""Plain dataclasses that cross stage boundaries (ingest -> store -> rag -> app).

No langchain or chromadb type ever appears here; each adapter converts at its edge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EXCERPT_SEPARATOR = " … "  # between the pieces of an excerpt (see Chunk)


@dataclass(frozen=True)
class Reporter:
    """Another outlet that carried a near-identical copy of an article."""

    source: str
    url: str = ""
    published_at: str = ""


@dataclass
class Article:
    """One cleaned article. ``id`` is a hash of the normalized text, so copies collapse."""

    id: str
    title: str
    text: str
    source: str = ""
    author: str = ""
    published_at: str = ""  # ISO 8601 date or datetime, "" when unknown
    date_provenance: str = ""  # where published_at came from: "metadata", "page", "url", ...
    url: str = ""
    category: str = ""
    origin: str = ""  # the file path or URL it was loaded from
    ingested_at: str = ""
    also_reported_by: list[Reporter] = field(default_factory=list)
    pages: list[tuple[int, int]] = field(default_factory=list)  # (start offset, page number) for PDFs

    def meta(self) -> ArticleMeta:
        return ArticleMeta(
            id=self.id,
            title=self.title,
            source=self.source,
            author=self.author,
            published_at=self.published_at,
            url=self.url,
            category=self.category,
        )


@dataclass
class Chunk:
    """A passage of an article: ``text == article.text[start:end]``.

    An *excerpt* (a retrieved passage made of an article's most relevant sentences) has ``spans``:
    the article ranges it shows, in order, and its text is those ranges joined by
    :data:`EXCERPT_SEPARATOR`, with ``start``/``end`` the first start and the last end. Use
    :meth:`pieces` and :meth:`locate` rather than slicing by ``start``, which holds for both kinds.

    ``header`` (title · outlet · date) is prepended for embedding and lexical search only.
    """

    id: str
    article_id: str
    text: str
    start: int
    end: int
    tokens: int
    header: str = ""
    index: int = 0  # position of the chunk within its article
    page: int | None = None  # PDF page (1-based) where the chunk starts; None for other formats
    spans: tuple[tuple[int, int], ...] = ()  # an excerpt's article ranges; () for one contiguous span

    @property
    def embed_text(self) -> str:
        return f"{self.header}\n{self.text}" if self.header else self.text

    def pieces(self) -> list[tuple[int, str]]:
        """(article offset, text) of each contiguous piece: one for a plain chunk, one per excerpt span."""
        if not self.spans:
            return [(self.start, self.text)]
        out, pos = [], 0
        for a, b in self.spans:
            out.append((a, self.text[pos : pos + b - a]))
            pos += b - a + len(EXCERPT_SEPARATOR)
        return out

    def locate(self, start: int, end: int) -> tuple[int, int] | None:
        """Where the article range ``start:end`` sits in ``text``; None when no one piece holds it."""
        pos = 0
        for at, piece in self.pieces():
            if at <= start and end <= at + len(piece):
                return pos + start - at, pos + end - at
            pos += len(piece) + len(EXCERPT_SEPARATOR)
        return None


@dataclass
class ArticleMeta:
    """The article fields a chunk carries in the store (everything but the text)."""

    id: str
    title: str
    source: str = ""
    author: str = ""
    published_at: str = ""
    url: str = ""
    category: str = ""


@dataclass
class Hit:
    """A retrieved chunk with its scores; ``rank`` starts at 1."""

    chunk: Chunk
    article: ArticleMeta
    score: float = 0.0
    dense: float | None = None
    lexical: float | None = None
    rerank: float | None = None
    rank: int = 0


@dataclass
class Filters:
    """Metadata restrictions on retrieval. Empty lists / None mean "no restriction"."""

    sources: list[str] = field(default_factory=list)
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive
    categories: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.sources or self.date_from or self.date_to or self.categories)


@dataclass
class Citation:
    """The evidence behind one [n] marker: an exact sentence of an article."""

    n: int
    article_id: str
    title: str
    source: str
    published_at: str
    url: str
    quote: str
    start: int  # character offsets of ``quote`` in the article's clean text
    end: int
    chunk_id: str = ""
    score: float = 0.0
    supported: bool = True


@dataclass
class Answer:
    """What the assistant returns for one question."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    unsupported: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    filters: Filters = field(default_factory=Filters)
    standalone_question: str = ""
    closest: list[ArticleMeta] = field(default_factory=list)  # listed when the assistant abstains
    backend: str = ""  # the answer backend that wrote ``text``
    answerability: float | None = None  # the calibrated probability that the evidence answers it
    signals: dict[str, float] = field(default_factory=dict)  # what that probability was computed from

    def to_dict(self, include_hits: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not include_hits:
            data.pop("hits")
        return data


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: ``role`` is "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class StreamEvent:
    """What :meth:`rag.Assistant.stream` yields: text deltas, then exactly one final ``answer``.

    The deltas are the draft as it is written; the final answer is verified, so its ``text`` may
    differ from the concatenated deltas (re-cited or flagged sentences).
    """

    delta: str = ""
    answer: Answer | None = None


@dataclass
class IngestFailure:
    path: str
    reason: str


@dataclass
class IngestSummary:
    """Counts from one ingest run; also what the CLI prints at the end."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    failed: list[IngestFailure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    files: int = 0  # inputs read (files, URLs)
    embedded: int = 0  # chunks embedded by the model (the rest came from the embedding cache)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["chunks_per_second"] = round(self.chunks_per_second, 2)
        return data
