"""Our embedding function, registered with Chroma so a collection never falls back to its default
(which would download a model). Only this module and vectors.py import chromadb."""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from store.embeddings import Embedder, SentenceTransformerEmbedder


@register_embedding_function
class OsintEmbeddingFunction(EmbeddingFunction[Documents]):
    """Wraps an :class:`Embedder`; rebuilt from its config when Chroma reopens a collection."""

    def __init__(self, embedder: Embedder | None = None, model: str = "all-MiniLM-L6-v2") -> None:
        self._embedder = embedder or SentenceTransformerEmbedder(model)
        self._model = model

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "osint-rag"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OsintEmbeddingFunction:
        return OsintEmbeddingFunction(model=str(config.get("model", "all-MiniLM-L6-v2")))

    def default_space(self) -> Any:
        return "cosine"

    def supported_spaces(self) -> list[Any]:
        return ["cosine"]
