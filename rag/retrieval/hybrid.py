"""One search over the store: dense (Chroma), lexical (FTS5 BM25), or both fused.

:class:`HybridSearcher` is also a :class:`~rag.retrieval.Retriever` on its own (modes ``dense``,
``bm25`` and ``hybrid`` of the ablation); the full pipeline calls :meth:`HybridSearcher.search` once
per sub-question with a shared query vector.
"""

from __future__ import annotations

from typing import Literal

from rag.retrieval.fusion import fuse, renumber
from rag.text import stopwords
from rag.types import Filters, Hit
from store.embeddings import Embedder, Vectors
from store.lexical import LexicalIndex
from store.vectors import ChromaStore

SearchMode = Literal["dense", "bm25", "hybrid"]


class HybridSearcher:
    """Dense and/or BM25 candidates for one text, fused by ``fusion`` (``rrf`` or ``weighted``)."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        vectors: ChromaStore,
        lexical: LexicalIndex | None,
        mode: SearchMode,
        fusion: str,
        dense_weight: float,
        lexical_weight: float,
        candidates: int,
    ) -> None:
        """``fusion``, the two weights and ``candidates``: the calibrated values of the same names."""
        if mode != "dense" and lexical is None:
            raise ValueError(f"retrieval mode {mode!r} needs a lexical index")
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical
        self.mode = mode
        self.fusion = fusion
        self.weights = (dense_weight, lexical_weight)
        self.candidates = candidates

    def embed(self, text: str) -> Vectors | None:
        """The query vector (None in ``bm25`` mode, which needs none)."""
        return None if self.mode == "bm25" else self.embedder.embed_query(text)

    def search(
        self, text: str, k: int, filters: Filters | None = None, vector: Vectors | None = None
    ) -> list[Hit]:
        """Top ``k`` chunks for ``text``; pass ``vector`` to reuse an embedding across calls."""
        n = max(k, self.candidates)
        dense: list[Hit] = []
        lexical: list[Hit] = []
        if self.mode != "bm25":
            query_vector = vector if vector is not None else self.embedder.embed_query(text)
            dense = self.vectors.query(query_vector, n, filters)
        if self.mode != "dense" and self.lexical is not None:
            lexical = self.lexical.search(text, n, filters, stopwords())
        if self.mode == "dense":
            return renumber(dense[:k])
        if self.mode == "bm25":
            return renumber(lexical[:k])
        return fuse(self.fusion, [dense, lexical], self.weights)[:k]

    def retrieve(self, question: str, k: int, filters: Filters | None = None) -> list[Hit]:
        return self.search(question, k, filters)
