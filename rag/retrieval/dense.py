"""Dense retrieval: the question's embedding against Chroma."""

from __future__ import annotations

from rag.types import Filters, Hit
from store.embeddings import Embedder
from store.vectors import ChromaStore


class DenseRetriever:
    def __init__(self, embedder: Embedder, vectors: ChromaStore) -> None:
        self.embedder = embedder
        self.vectors = vectors

    def retrieve(self, question: str, k: int, filters: Filters | None = None) -> list[Hit]:
        return self.vectors.query(self.embedder.embed_query(question), k, filters)
