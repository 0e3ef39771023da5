"""A sentence-transformers model run by ONNX Runtime, exported locally at first use (no download).

sentence-transformers' own ``backend="onnx"`` needs the ``optimum`` package, whose releases pin an
older transformers than ours, so we export with ``torch.onnx`` ourselves: the transformer plus the
model's pooling and normalization become one graph whose output is the unit-length sentence vector.
BERT-family graphs are then fused by ONNX Runtime's transformer optimizer (attention, embedding
layer norm, GELU), and ``precision="int8"`` adds dynamic per-channel int8 quantization of the weights.

Exported files live in ``<cache_dir>/onnx/<model>-<hash of its path>/`` and are written atomically
(temporary file, then rename), so concurrent first uses are safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ConfigError
from store.embedder_base import Vectors, resolve_model_path

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EXPORT_VERSION = "v2"  # bump when the exported graph changes, so old exports are not reused
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "osint-rag"  # RAG_CACHE_DIR's default


class OnnxEmbedder:
    """Embedder on ONNX Runtime (CPU); same tokenizer, pooling and outputs as the torch model."""

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        cache_dir: Path | None = None,
        precision: str = "fp32",
        batch_size: int = 32,
    ) -> None:
        if precision not in ("fp32", "int8"):
            raise ConfigError(f"embedding precision {precision!r} is unknown: use fp32 or int8")
        self.model_name = model
        self.precision = precision
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir or DEFAULT_CACHE_DIR)
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._counter: Any = None

    @property
    def model_id(self) -> str:
        return f"{Path(self.model_name).name}@onnx" + ("-int8" if self.precision == "int8" else "")

    def _load(self) -> Any:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._build()
        return self._session

    def _build(self) -> Any:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(resolve_model_path(self.model_name))
        if not (path / "tokenizer.json").is_file():
            raise ConfigError(
                f"the onnx backend needs a local model folder with tokenizer.json; {self.model_name!r} "
                "is not one: set RAG_EMBEDDING_BACKEND=torch or RAG_EMBEDDING_MODEL to such a folder"
            )
        max_len = _max_seq_length(path)
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.enable_truncation(max_len)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer
        self._counter = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        file = self.model_file(path)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # shared CPUs
        return ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])

    def model_file(self, path: Path) -> Path:
        """The exported (and, for int8, quantized) model file, created when missing.

        An export already in the default cache folder (``rag prepare``, run by ``make install``) is
        reused from any other cache folder: it depends only on the model's files. Exports run under a
        file lock, so processes sharing a cache folder export once (and never collide on
        onnxruntime's temporary files)."""
        from filelock import FileLock

        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
        name = f"{path.name}-{digest}-{EXPORT_VERSION}"
        wanted = "model.onnx" if self.precision == "fp32" else "model-int8.onnx"
        for cache in (self.cache_dir, DEFAULT_CACHE_DIR):
            if (cache / "onnx" / name / wanted).is_file():
                return cache / "onnx" / name / wanted
        folder = self.cache_dir / "onnx" / name
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / ".export.lock")):
            fp32 = folder / "model.onnx"
            if not fp32.is_file():
                _atomic(fp32, lambda tmp: export_onnx(path, tmp))
            if self.precision == "fp32":
                return fp32
            int8 = folder / "model-int8.onnx"
            if not int8.is_file():
                _atomic(int8, lambda tmp: quantize_int8(fp32, tmp))
            return int8

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed passages, shortest first in batches (less padding); returns (n, dim) float32."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        session = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: Vectors | None = None
        for begin in range(0, len(order), self.batch_size):
            idx = order[begin : begin + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in idx])
            feeds = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            vectors = np.asarray(session.run(None, feeds)[0], dtype=np.float32)
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[idx] = vectors
        assert out is not None
        return out

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed([text])[0]
        return vector

    def count_wordpieces(self, text: str) -> int:
        self._load()
        return len(self._counter.encode(text, add_special_tokens=False).ids)


def export_onnx(model_path: Path, target: Path) -> None:
    """Export transformer + pooling + L2 normalization of a sentence-transformers folder to ONNX."""
    import torch
    from transformers import AutoModel

    pooling = _pooling_mode(model_path)
    # eager attention exports the pattern ONNX Runtime's optimizer fuses into one Attention op
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()

    class Sentence(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    dummy = torch.ones((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "sequence"} for name in _INPUTS}
    raw = target.with_name(target.name + ".raw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Sentence().eval(),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(raw),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    try:
        _fuse(raw, target, model.config)
    finally:
        raw.unlink(missing_ok=True)


def _fuse(source: Path, target: Path, config: Any) -> None:
    """Fuse a BERT-family graph with ONNX Runtime's transformer optimizer; copy others as they are."""
    if getattr(config, "model_type", "") != "bert":
        os.replace(source, target)
        return
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(source), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
    )
    optimized.save_model_to_file(str(target))


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the weights, per output channel (activations stay float)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _atomic(target: Path, write: Any) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _max_seq_length(path: Path) -> int:
    config = path / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


def _pooling_mode(path: Path) -> str:
    config = path / "1_Pooling" / "config.json"
    if config.is_file() and json.loads(config.read_text()).get("pooling_mode_cls_token"):
        return "cls"
    return "mean"
