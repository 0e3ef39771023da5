"""Throughput-oriented passage embedding for accelerators (``rag ingest --device cuda``).

Stock ``SentenceTransformer.encode`` tokenises each batch on the calling thread and then waits for
the model, copies every batch's vectors back to the host (a device sync per batch) and uses small
batches. :class:`BucketedEncoder` runs the same model (its tokenizer's settings, then its
transformer, pooling and normalization modules, in order) but:

* sorts the texts by length (longest first) and cuts them into batches of neighbours, so each
  batch pads to about its own length (length bucketing);
* tokenises batches on background threads, ahead of the model, into pinned host memory, so the
  tokenizer runs while the model runs earlier batches and the copy to the device is async (one
  tokenizer thread did ~1,500 passages of 200 wordpieces a second on our shared CPU: far from
  20,000, so several run beside a GPU);
* runs the transformer in half precision when asked (the model's weights are made fp16 once, by
  :func:`prepare_model`); the token embeddings are cast back to fp32 before pooling;
* keeps the vectors on the device until the end and copies them back once, in the input order.

On the CPU in fp32 the vectors equal stock ``encode``'s to ~1e-7 (only the padding differs).
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from rag.errors import ConfigError
from store.embedder_base import Vectors

GPU_BATCH_SIZE = 512  # default batch on an accelerator (until a settings field names it)
PREFETCH = 2  # batches tokenised ahead of the model


def check_device(device: str) -> None:
    """Raise :class:`ConfigError` when ``device`` names an accelerator this machine does not have."""
    if device == "cpu":
        return
    import torch

    kind, _, index = device.partition(":")
    if kind == "cuda":
        if not torch.cuda.is_available():
            build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
            raise ConfigError(
                f"embedding device {device!r} needs a CUDA GPU, but torch.cuda.is_available() is False "
                f"(torch {torch.__version__}, {build}): use --device cpu / RAG_EMBEDDING_DEVICE=cpu, or "
                "install a CUDA build of torch on a machine with an NVIDIA GPU and driver"
            )
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            raise ConfigError(
                f"embedding device {device!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to cuda:{torch.cuda.device_count() - 1}"
            )
    elif kind == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(
            f"embedding device {device!r} is not available here: use --device cpu / RAG_EMBEDDING_DEVICE=cpu"
        )


def length_buckets(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Indexes of ``texts`` sorted longest first (stable) and cut into batches of ``batch_size``."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[begin : begin + batch_size] for begin in range(0, len(order), batch_size)]


def prepare_model(model: Any, half: bool) -> Any:
    """Put ``model`` (a SentenceTransformer) in eval mode; ``half`` makes its transformer fp16 once."""
    model.eval()
    if half:
        model[0].auto_model.half()
    return model


def default_workers(device: str) -> int:
    """Tokeniser threads: one on the CPU (the model needs the cores), up to 8 beside an accelerator."""
    return 1 if device == "cpu" else max(1, min(8, (os.cpu_count() or 2) - 2))


class BucketedEncoder:
    """Embeds passages with one SentenceTransformer model (made ready by :func:`prepare_model`).

    ``workers`` threads tokenise, each with its own copy of the model's fast tokenizer (same
    normalizer, special tokens, truncation at ``max_seq_length`` and padding as ``model.preprocess``;
    the Rust tokenizer drops the GIL, so they run in parallel), ``prefetch`` batches ahead of the
    model. Models without a fast tokenizer use ``model.preprocess`` on one thread, under
    ``tokenizer_lock`` (shared with other users of the model's tokenizer). Thread-safe: concurrent
    :meth:`encode` calls share the threads.
    """

    def __init__(
        self,
        model: Any,
        batch_size: int,
        workers: int = 1,
        prefetch: int = PREFETCH,
        tokenizer_lock: threading.Lock | None = None,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.prefetch = prefetch
        self.device = model.device
        self._lock = tokenizer_lock or threading.Lock()
        self._tokenizers: queue.SimpleQueue[Any] = queue.SimpleQueue()
        template = _fast_tokenizer(model, pad_multiple=8 if self.device.type == "cuda" else None)
        self._fast = template is not None
        self.workers = max(1, workers) if self._fast else 1
        for _ in range(self.workers if self._fast else 0):
            self._tokenizers.put(template.__class__.from_str(template.to_str()))
        names = getattr(model.tokenizer, "model_input_names", None) or ["input_ids", "attention_mask"]
        self._inputs = [n for n in ("input_ids", "token_type_ids", "attention_mask") if n in names]
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tokenise")

    def tokenise(self, texts: list[str]) -> dict[str, Any]:
        """Model inputs for ``texts`` as int64 tensors (pinned in host memory beside a GPU)."""
        import torch

        if not self._fast:
            with self._lock:
                features: dict[str, Any] = self.model.preprocess(texts)
        else:
            tokenizer = self._tokenizers.get()
            try:
                encodings = tokenizer.encode_batch_fast(texts)
            finally:
                self._tokenizers.put(tokenizer)
            columns = {
                "input_ids": [e.ids for e in encodings],
                "token_type_ids": [e.type_ids for e in encodings],
                "attention_mask": [e.attention_mask for e in encodings],
            }
            features = {n: torch.from_numpy(np.array(columns[n], dtype=np.int64)) for n in self._inputs}
        if self.device.type == "cuda":
            features = {k: v.pin_memory() if isinstance(v, torch.Tensor) else v for k, v in features.items()}
        return features

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Unit-length vectors of ``texts``, in their order, as an (n, dim) float32 array."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        import torch

        batches = length_buckets(texts, self.batch_size)
        window = self.workers + self.prefetch
        pending: deque[Future[dict[str, Any]]] = deque()
        parts: list[Any] = []
        try:
            submitted = 0
            with torch.inference_mode():
                while submitted < len(batches) or pending:
                    while submitted < len(batches) and len(pending) < window:
                        batch = [texts[i] for i in batches[submitted]]
                        pending.append(self._pool.submit(self.tokenise, batch))
                        submitted += 1
                    parts.append(forward(self.model, pending.popleft().result(), self.device))
                vectors = torch.cat(parts).float().cpu().numpy()  # the one device -> host copy
        finally:
            for future in pending:
                future.cancel()
        out = np.empty_like(vectors)
        out[np.concatenate([np.asarray(b, dtype=np.int64) for b in batches])] = vectors
        return out

    def close(self) -> None:
        """Stop the tokeniser threads (they also end with the process)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _fast_tokenizer(model: Any, pad_multiple: int | None) -> Any:
    """A copy of the model's Rust tokenizer set up as ``model.preprocess`` uses it, or None."""
    hf = model.tokenizer
    backend = getattr(hf, "backend_tokenizer", None)
    if backend is None or hf.pad_token_id is None:
        return None
    tokenizer = backend.__class__.from_str(backend.to_str())
    tokenizer.enable_truncation(
        int(model.max_seq_length), strategy="longest_first", direction=hf.truncation_side
    )
    tokenizer.enable_padding(
        direction=hf.padding_side,
        pad_id=hf.pad_token_id,
        pad_type_id=hf.pad_token_type_id,
        pad_token=hf.pad_token,
        pad_to_multiple_of=pad_multiple,
    )
    return tokenizer


def forward(model: Any, features: dict[str, Any], device: Any) -> Any:
    """Sentence embeddings of one tokenised batch: the model's modules in order, pooling in fp32."""
    import torch

    features = {
        k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in features.items()
    }
    for index, module in enumerate(model):
        features = module(features)
        if index == 0 and "token_embeddings" in features:
            features["token_embeddings"] = features["token_embeddings"].float()
    return torch.nn.functional.normalize(features["sentence_embedding"], p=2, dim=1)
