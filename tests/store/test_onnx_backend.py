"""The ONNX backend: exported locally from the packaged model, same vectors as sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.errors import ConfigError
from store.embeddings import QueryRoutedEmbedder, SentenceTransformerEmbedder, shared_embedder
from store.onnx_backend import OnnxEmbedder

TEXTS = [
    "South Korea plans to boost arms exports to Iraq.",
    "Helicopters, fighter jets and air defense systems were discussed at IQDEX 2025 in Baghdad. " * 6,
    "Short.",
]


@pytest.mark.slow
def test_onnx_matches_torch_and_int8_stays_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import store.onnx_backend as onnx_backend

    monkeypatch.setattr(onnx_backend, "DEFAULT_CACHE_DIR", tmp_path / "empty")  # export here, for real
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


class _Broken:
    model_id = "broken@onnx"

    def embed_query(self, text: str) -> np.ndarray:
        raise RuntimeError("export failed")


@pytest.mark.slow
def test_questions_on_onnx_match_passages_on_torch_and_fall_back_when_it_fails(tmp_path: Path) -> None:
    documents = SentenceTransformerEmbedder()
    routed = QueryRoutedEmbedder(documents, OnnxEmbedder(cache_dir=tmp_path))
    assert routed.model_id == documents.model_id  # stored vectors and caches stay valid
    assert float(routed.embed_query(TEXTS[0]) @ documents.embed_query(TEXTS[0])) > 0.99999
    assert np.array_equal(routed.embed(TEXTS[:1]), documents.embed(TEXTS[:1]))
    fallback = QueryRoutedEmbedder(documents, _Broken())  # type: ignore[arg-type]
    assert np.array_equal(fallback.embed_query("q"), documents.embed_query("q")) and fallback.queries is None


@pytest.mark.slow
def test_a_question_asked_again_is_not_embedded_again(tmp_path: Path) -> None:
    onnx = OnnxEmbedder(cache_dir=tmp_path)
    calls: list[str] = []
    real = onnx.embed_query
    onnx.embed_query = lambda text: calls.append(text) or real(text)  # type: ignore[method-assign]
    routed = QueryRoutedEmbedder(SentenceTransformerEmbedder(), onnx, memo=2)
    first = routed.embed_query(TEXTS[0])
    assert np.array_equal(routed.embed_query(TEXTS[0]), first) and calls == [TEXTS[0]]
    assert not first.flags.writeable  # one vector is shared by every caller
    routed.embed_query(TEXTS[1])
    routed.embed_query(TEXTS[2])  # the memo holds two: the first question is evicted
    routed.embed_query(TEXTS[0])
    assert calls == [TEXTS[0], TEXTS[1], TEXTS[2], TEXTS[0]]


def test_auto_routes_questions_to_onnx_only_for_torch_on_cpu(tmp_path: Path) -> None:
    from rag.calibration import load_calibration
    from rag.components import route_queries
    from rag.settings import load_settings

    documents = SentenceTransformerEmbedder()
    base = load_settings(cache_dir=tmp_path, embedding_backend="torch")
    assert base.embedding_precision == "fp32"  # int8 is the default for onnx only
    assert isinstance(route_queries(documents, base), QueryRoutedEmbedder)
    same = load_calibration().with_values(query_embedding_backend="same")
    assert route_queries(documents, base, same) is documents
    assert route_queries(documents, base.model_copy(update={"embedding_device": "cuda"})) is documents


def test_an_export_in_the_default_cache_is_reused_from_another_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.onnx_backend as onnx_backend
    from store.embedder_base import resolve_model_path

    default, other = tmp_path / "default", tmp_path / "other"
    monkeypatch.setattr(onnx_backend, "DEFAULT_CACHE_DIR", default)
    model = Path(resolve_model_path("all-MiniLM-L6-v2"))
    digest = onnx_backend.hashlib.sha1(str(model.resolve()).encode()).hexdigest()[:10]
    prepared = default / "onnx" / f"{model.name}-{digest}-{onnx_backend.EXPORT_VERSION}" / "model-int8.onnx"
    prepared.parent.mkdir(parents=True)
    prepared.write_bytes(b"stands in for `rag prepare`'s export: found, so nothing is exported")
    assert OnnxEmbedder(cache_dir=other, precision="int8").model_file(model) == prepared
    assert not (other / "onnx").exists()
