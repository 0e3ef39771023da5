"""Retrieval: from a question (and filters) to ranked chunk hits."""

from __future__ import annotations

from typing import Protocol

from rag.types import Filters, Hit


class Retriever(Protocol):
    """Ranks stored chunks for a question; ``Hit.rank`` starts at 1."""

    def retrieve(self, question: str, k: int, filters: Filters | None = None) -> list[Hit]: ...
