"""The ONNX backend: exported locally from the packaged model, same vectors as sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.errors import ConfigError
from store.embeddings import SentenceTransformerEmbedder, shared_embedder
from store.onnx_backend import OnnxEmbedder

TEXTS = [
    "South Korea plans to boost arms exports to Iraq.",
    "Helicopters, fighter jets and air defense systems were discussed at IQDEX 2025 in Baghdad. " * 6,
    "Short.",
]


def test_onnx_matches_torch_and_int8_stays_close(tmp_path: Path) -> None:
    torch_vectors = SentenceTransformerEmbedder().embed(TEXTS)
    fp32 = OnnxEmbedder(cache_dir=tmp_path)
    vectors = fp32.embed(TEXTS)
    assert vectors.shape == torch_vectors.shape
    assert np.min(np.sum(vectors * torch_vectors, axis=1)) > 0.9999
    assert (tmp_path / "onnx").is_dir() and fp32.model_id == "all-MiniLM-L6-v2@onnx"
    assert fp32.count_wordpieces(TEXTS[1]) == SentenceTransformerEmbedder().count_wordpieces(TEXTS[1])
    int8 = OnnxEmbedder(cache_dir=tmp_path, precision="int8")
    quantized = int8.embed(TEXTS)
    assert np.min(np.sum(quantized * torch_vectors, axis=1)) > 0.95
    assert int8.model_id.endswith("@onnx-int8")
    assert np.allclose(np.linalg.norm(int8.embed_query("q")), 1.0, atol=1e-4)


def test_backend_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="int8"):
        shared_embedder("all-MiniLM-L6-v2", "torch", precision="int8")
    with pytest.raises(ConfigError, match="unknown"):
        shared_embedder("all-MiniLM-L6-v2", "tensorrt")
