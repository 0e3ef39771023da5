"""LangChain seam for retrieval: our retriever as a ``BaseRetriever``, and any ``BaseRetriever`` as hits.

:class:`OsintRetriever` is the same retrieval pipeline as a ``langchain_core`` ``BaseRetriever``.
Each ``Document`` holds the chunk's quoted text as ``page_content`` and, in ``metadata``, the chunk
id, article fields, character offsets into the article, and every score (fused, dense, lexical,
rerank) with the rank::

    from rag import Assistant
    from rag.retrieval.langchain import as_langchain_retriever
    retriever = as_langchain_retriever(Assistant.from_settings(), k=5)
    docs = retriever.invoke("What did TechCrunch report about FTX in October 2023?")

The other way round, :func:`hit_search` turns any ``BaseRetriever`` into the search the answer chain
runs (rag/chain/): :func:`document_to_hit` reads our metadata back exactly, and gives a foreign
``Document`` a stable id from its content and its text as the passage, so citations are still exact
sentences of what was retrieved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieval import Retriever
from rag.text import count_tokens
from rag.types import ArticleMeta, Chunk, Filters, Hit

HitSearch = Callable[[str, int, Filters | None], list[Hit]]
"""What the answer chain retrieves with: ``(question, k, filters) -> hits``, best first."""


class _HasRetriever(Protocol):
    retriever: Retriever


def hit_to_document(hit: Hit) -> Document:
    """A LangChain ``Document`` for one hit (text = the quoted passage, without the header)."""
    chunk, article = hit.chunk, hit.article
    metadata: dict[str, Any] = {
        "chunk_id": chunk.id,
        "article_id": chunk.article_id,
        "title": article.title,
        "source": article.source,
        "author": article.author,
        "published_at": article.published_at,
        "url": article.url,
        "category": article.category,
        "start": chunk.start,
        "end": chunk.end,
        # an excerpt's article ranges as "start-end;start-end" ("" when contiguous): a string, so the
        # metadata stays storable in vector stores that take scalars only
        "spans": ";".join(f"{a}-{b}" for a, b in chunk.spans),
        "header": chunk.header,
        "tokens": chunk.tokens,
        "index": chunk.index,
        "page": chunk.page,
        "rank": hit.rank,
        "score": hit.score,
        "dense": hit.dense,
        "lexical": hit.lexical,
        "rerank": hit.rerank,
    }
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)


def document_to_hit(doc: Document, rank: int = 0, encoding: str = "cl100k_base") -> Hit:
    """The hit a ``Document`` stands for: exactly the one :func:`hit_to_document` made, or, for any other
    retriever's, one whose article is the document's text unless its metadata places it in a longer
    text (``start`` or LangChain splitters' ``start_index`` with a ``source``).

    Ids missing from the metadata are hashes of the content, so the same passage keeps its id.
    """
    meta = doc.metadata
    text = doc.page_content
    at = _int(meta.get("start", meta.get("start_index")))
    start = at or 0
    if meta.get("article_id"):
        article_id = str(meta["article_id"])
    elif at is not None and meta.get("source"):  # a chunk of a longer document: group by that document
        article_id = _digest(f"source:{meta['source']}")
    else:
        article_id = _digest(text)
    article = ArticleMeta(
        id=article_id,
        title=_str(meta.get("title")),
        source=_str(meta.get("source")),
        author=_str(meta.get("author")),
        published_at=_str(meta.get("published_at", meta.get("date"))),
        url=_str(meta.get("url")),
        category=_str(meta.get("category")),
    )
    spans = tuple(
        (int(a), int(b)) for a, b in (p.split("-") for p in str(meta.get("spans") or "").split(";") if p)
    )
    tokens = _int(meta.get("tokens"))
    chunk = Chunk(
        id=str(doc.id or meta.get("chunk_id") or _digest(f"{article_id}:{start}:{text}")),
        article_id=article_id,
        text=text,
        start=start,
        end=_int(meta.get("end")) or start + len(text),
        tokens=tokens if tokens is not None else count_tokens(text, encoding),
        header=_str(meta.get("header")),
        index=_int(meta.get("index")) or 0,
        page=_int(meta.get("page")),
        spans=spans,
    )
    return Hit(
        chunk=chunk,
        article=article,
        score=_float(meta.get("score")) or 0.0,
        dense=_float(meta.get("dense")),
        lexical=_float(meta.get("lexical")),
        rerank=_float(meta.get("rerank")),
        rank=_int(meta.get("rank")) or rank,
    )


class OsintRetriever(BaseRetriever):
    """``BaseRetriever`` over any osint-rag :class:`~rag.retrieval.Retriever` (with filters and k)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # a rag.retrieval.Retriever (a Protocol, which pydantic cannot check)
    k: int = 10
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.retriever.retrieve(query, self.k, self.filters)
        return [hit_to_document(h) for h in hits]


def as_langchain_retriever(
    assistant: _HasRetriever, k: int = 10, filters: Filters | None = None
) -> OsintRetriever:
    """The assistant's retriever (whatever the calibrated ``retrieval_mode`` built) as a LangChain
    retriever."""
    return OsintRetriever(retriever=assistant.retriever, k=k, filters=filters)


def hit_search(
    retriever: Retriever | BaseRetriever,
    known_articles: Callable[[Sequence[str]], set[str]] | None = None,
    encoding: str = "cl100k_base",
) -> HitSearch:
    """How the answer chain retrieves with ``retriever``.

    Ours (a :class:`~rag.retrieval.Retriever`, or an :class:`OsintRetriever` over one) is asked for
    the question's k and filters, and its hits of articles ``known_articles`` does not know (a chunk a
    crash or a damaged file left behind) are dropped. Any other ``BaseRetriever`` is invoked as it is
    configured; its documents become hits (:func:`document_to_hit`), the filters are applied to their
    metadata, and the first k are kept.
    """
    if isinstance(retriever, OsintRetriever):
        retriever = retriever.retriever
    if isinstance(retriever, BaseRetriever):
        foreign = retriever

        def search_documents(question: str, k: int, filters: Filters | None) -> list[Hit]:
            hits = [document_to_hit(d, encoding=encoding) for d in foreign.invoke(question)]
            kept = [h for h in hits if passes(h, filters)][:k]
            return [replace(h, rank=n) for n, h in enumerate(kept, start=1)]

        return search_documents
    ours: Retriever = retriever

    def search(question: str, k: int, filters: Filters | None) -> list[Hit]:
        hits = ours.retrieve(question, k, filters)
        if known_articles is not None and hits:
            known = known_articles(list(dict.fromkeys(h.article.id for h in hits)))  # one query
            hits = [h for h in hits if h.article.id in known]
        return hits

    return search


def passes(hit: Hit, filters: Filters | None) -> bool:
    """Whether a hit's article meets ``filters`` (outlet, category, ISO date range; an undated article
    fails a date range)."""
    if filters is None or filters.is_empty():
        return True
    article = hit.article
    if filters.sources and article.source not in filters.sources:
        return False
    if filters.categories and article.category not in filters.categories:
        return False
    day = article.published_at[:10]
    if (filters.date_from or filters.date_to) and not day:
        return False
    if filters.date_from and day < filters.date_from[:10]:
        return False
    return not (filters.date_to and day > filters.date_to[:10])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _str(value: object) -> str:
    if value is None:
        return ""
    iso = getattr(value, "isoformat", None)  # a date or datetime in a foreign document's metadata
    return str(iso()) if callable(iso) else str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            return int(value)
        except (ValueError, OverflowError):
            return None
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except (ValueError, OverflowError):
            return None
    return None
