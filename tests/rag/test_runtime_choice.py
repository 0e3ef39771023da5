"""Which embedding runtime the settings and an existing store choose (int8 ONNX by default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.errors import ConfigError
from rag.settings import load_settings
from tests.conftest import DATA_DIR, IQDEX


def test_int8_onnx_is_the_default_and_other_runtimes_run_at_fp32() -> None:
    default = load_settings()
    assert (default.embedding_backend, default.embedding_precision) == ("onnx", "int8")
    torch = load_settings(embedding_backend="torch")
    assert (torch.embedding_backend, torch.embedding_precision) == ("torch", "fp32")
    gpu = load_settings(embedding_device="cuda")  # the GPU path is torch's
    assert (gpu.embedding_backend, gpu.embedding_precision) == ("torch", "fp32")
    chosen = load_settings(embedding_device="cuda", embedding_backend="openvino")
    assert chosen.embedding_backend == "openvino"


@pytest.mark.slow
def test_a_store_built_with_torch_keeps_its_runtime_unless_told(tmp_path: Path, seed_path: Path) -> None:
    store = tmp_path / "store"
    built = Assistant.from_settings(
        load_settings(chroma_path=store, data_dir=DATA_DIR, embedding_backend="torch")
    )
    built.ingest([seed_path])
    assert built.embedder.model_id == "all-MiniLM-L6-v2"

    reopened = Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR))
    assert reopened.settings.embedding_backend == "torch"
    assert reopened.embedder.model_id == "all-MiniLM-L6-v2"
    assert not reopened.ask(IQDEX).abstained

    with pytest.raises(ConfigError, match="built with 'all-MiniLM-L6-v2'"):
        Assistant.from_settings(
            load_settings(chroma_path=store, data_dir=DATA_DIR, embedding_precision="int8")
        )
