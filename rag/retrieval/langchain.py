"""LangChain adapter: the same retrieval pipeline as a ``langchain_core`` ``BaseRetriever``.

LangChain types stay in this module. Each ``Document`` holds the chunk's quoted text as
``page_content`` and, in ``metadata``, the chunk id, article fields, character offsets into the
article, and every score (fused, dense, lexical, rerank) with the rank::

    from rag import Assistant
    from rag.retrieval.langchain import as_langchain_retriever
    retriever = as_langchain_retriever(Assistant.from_settings(), k=5)
    docs = retriever.invoke("What did TechCrunch report about FTX in October 2023?")
"""

from __future__ import annotations

from typing import Any, Protocol

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieval import Retriever
from rag.types import Filters, Hit


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
        "rank": hit.rank,
        "score": hit.score,
        "dense": hit.dense,
        "lexical": hit.lexical,
        "rerank": hit.rerank,
    }
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)


class OsintRetriever(BaseRetriever):
    """``BaseRetriever`` over any osint-rag :class:`~rag.retrieval.Retriever` (with filters and k)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
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
    """The assistant's retriever (whatever ``RAG_RETRIEVAL_MODE`` built) as a LangChain retriever."""
    return OsintRetriever(retriever=assistant.retriever, k=k, filters=filters)
