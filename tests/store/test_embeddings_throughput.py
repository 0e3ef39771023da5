"""The throughput embedding path (store/batching.py) behind ``rag ingest --device cuda``.

There is no GPU here: the real model runs the path on the CPU (fp32, and fp16 forced), and CUDA's
presence or absence is faked by replacing ``torch.cuda.is_available`` where a test says so.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch

import rag.cli
from rag.cli import main
from rag.errors import ConfigError, RagError
from rag.settings import Settings
from store.batching import GPU_BATCH_SIZE, BucketedEncoder, check_device, length_buckets
from store.embeddings import SentenceTransformerEmbedder, shared_embedder

TEXTS = [
    "Short.",
    "word " * 400,  # over max_seq_length: truncated alike on both paths
    "South Korea plans to boost arms exports to Iraq.",
    "Ünïcödé café naïve — “quotes” and 漢字",
    "x",
    "Helicopters, fighter jets and air defense systems were discussed at IQDEX 2025 in Baghdad. " * 3,
    "Short.",  # a duplicate
    "The ministry said talks would resume next week.",
]


@pytest.fixture(scope="module")
def plain() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def bucketed() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(throughput=True, batch_size=3, tokenizer_workers=2)


def test_length_buckets_cover_every_text_once_longest_first() -> None:
    texts = ["aa", "a", "aaaa", "aaa", "", "aaaaa", "aa"]
    buckets = length_buckets(texts, 3)
    assert [len(b) for b in buckets] == [3, 3, 1]
    flat = [i for b in buckets for i in b]
    assert sorted(flat) == list(range(len(texts)))
    assert [len(texts[i]) for i in flat] == sorted(map(len, texts), reverse=True)
    assert flat.index(0) < flat.index(6)  # equal lengths keep their order
    with pytest.raises(ValueError):
        length_buckets(texts, 0)


@pytest.mark.slow
def test_bucketed_path_returns_the_plain_vectors_in_input_order(
    plain: SentenceTransformerEmbedder, bucketed: SentenceTransformerEmbedder
) -> None:
    expected = plain.embed(TEXTS)
    got = bucketed.embed(TEXTS)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.min(np.sum(got * expected, axis=1)) > 1 - 1e-5
    similarity = got @ expected.T  # row i is closest to text i: no row moved
    assert all(similarity[i, i] >= similarity[i].max() - 1e-6 for i in range(len(TEXTS)))
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.allclose(bucketed.embed_query(TEXTS[2]), expected[2], atol=1e-5)
    assert bucketed.embed([]).shape == (0, 0)


@pytest.mark.slow
def test_tokenising_ahead_gives_what_the_model_preprocess_gives(
    bucketed: SentenceTransformerEmbedder,
) -> None:
    encoder = bucketed._bucketed()
    assert encoder.workers == 2
    ours, theirs = encoder.tokenise(TEXTS), bucketed._load().preprocess(TEXTS)
    for name in ("input_ids", "token_type_ids", "attention_mask"):
        assert torch.equal(ours[name], theirs[name]), name
    assert ours["input_ids"].shape[1] == 256  # truncated at the model's max_seq_length


@pytest.mark.slow
def test_concurrent_calls_and_a_failing_batch(bucketed: SentenceTransformerEmbedder) -> None:
    expected = bucketed.embed(TEXTS)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(bucketed.embed(TEXTS))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all(np.allclose(r, expected, atol=1e-6) for r in results)
    with pytest.raises(TypeError):  # raised on a tokeniser thread, re-raised here
        bucketed.embed([*TEXTS, None])  # type: ignore[list-item]
    assert np.allclose(bucketed.embed(TEXTS), expected, atol=1e-6)  # the encoder still works


@pytest.mark.slow
def test_half_precision_stays_close_to_fp32(plain: SentenceTransformerEmbedder) -> None:
    half = SentenceTransformerEmbedder(throughput=True, half=True, batch_size=4)  # CUDA's default, on CPU
    assert half._load()[0].auto_model.dtype == torch.float16
    vectors = half.embed(TEXTS)
    assert vectors.dtype == np.float32
    assert np.min(np.sum(vectors * plain.embed(TEXTS), axis=1)) > 0.999


def test_a_fast_tokenizer_is_optional_for_the_encoder() -> None:
    class NoFastTokenizer:  # a model whose tokenizer has no Rust backend: model.preprocess is used
        device = torch.device("cpu")
        tokenizer = object()

        def preprocess(self, texts: list[str]) -> dict[str, torch.Tensor]:
            return {"input_ids": torch.tensor([[len(t)] for t in texts])}

    encoder = BucketedEncoder(NoFastTokenizer(), 2, workers=4)
    assert encoder.workers == 1
    assert encoder.tokenise(["ab", "c"])["input_ids"].tolist() == [[2], [1]]
    encoder.close()


def test_cuda_asked_for_without_cuda_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # fake: a machine without CUDA
    with pytest.raises(ConfigError, match=r"'cuda' needs a CUDA GPU.*RAG_EMBEDDING_DEVICE=cpu"):
        SentenceTransformerEmbedder(device="cuda")
    with pytest.raises(ConfigError, match="'cuda:1'"):
        shared_embedder("all-MiniLM-L6-v2", "torch", "cuda:1")
    check_device("cpu")  # never fails, never imports torch


def test_rag_ingest_device_cuda_without_cuda_exits_2_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # fake: a machine without CUDA
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "a.md"
    source.write_text("# Title\n\nSome text.\n")
    assert main(["--store", str(tmp_path / "store"), "ingest", "--device", "cuda", str(source)]) == 2
    err = capsys.readouterr().err
    assert "error: embedding device 'cuda' needs a CUDA GPU" in err and "--device cpu" in err


def test_on_cuda_passages_take_large_fp16_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # fake: CUDA present (nothing runs)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    gpu = SentenceTransformerEmbedder(device="cuda:1")
    assert gpu.throughput and gpu.half and gpu.throughput_batch_size == GPU_BATCH_SIZE
    assert gpu.tokenizer_workers >= 1 and gpu.model_id == SentenceTransformerEmbedder().model_id
    with pytest.raises(ConfigError, match="'cuda:2' does not exist"):
        SentenceTransformerEmbedder(device="cuda:2")
    cpu = SentenceTransformerEmbedder(batch_size=16)
    assert not cpu.throughput and not cpu.half and cpu.throughput_batch_size == 16
    assert cpu.tokenizer_workers == 1
    with pytest.raises(ConfigError, match="torch backend"):
        SentenceTransformerEmbedder(backend="onnx", throughput=True)


def test_rag_ingest_device_picks_torch_unless_a_backend_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Settings] = []

    def stop(settings: Settings) -> None:  # stands in for the assistant: no GPU here to build one on
        seen.append(settings)
        raise RagError("stop")

    monkeypatch.setattr(rag.cli, "assistant_for", stop)
    monkeypatch.delenv("RAG_EMBEDDING_BACKEND", raising=False)
    monkeypatch.delenv("RAG_EMBEDDING_PRECISION", raising=False)
    args = ["--store", str(tmp_path), "ingest", str(tmp_path)]
    assert main([*args[:3], "--device", "cuda", *args[3:]]) == 2
    assert (seen[-1].embedding_device, seen[-1].embedding_backend) == ("cuda", "torch")
    assert seen[-1].embedding_precision == "fp32"
    assert main(args) == 2 and seen[-1].embedding_device == "cpu"  # no --device: settings as they were
    monkeypatch.setenv("RAG_EMBEDDING_BACKEND", "onnx")  # an explicit choice is kept...
    assert main([*args[:3], "--device", "cuda", *args[3:]]) == 2
    assert seen[-1].embedding_backend == "onnx"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # fake: CUDA present
    with pytest.raises(ConfigError, match="RAG_EMBEDDING_BACKEND=torch"):  # ...and refused clearly
        shared_embedder("all-MiniLM-L6-v2", "onnx", "cuda", precision="int8")
