"""bench/gpu_ingest.py at a tiny size on the CPU: three measurements, a report, the H200 command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.gpu_ingest import H200_COMMAND, load_passages, main, markdown

pytestmark = pytest.mark.slow  # loads the model twice (also slow by tests/bench/ in conftest)


def test_a_tiny_cpu_run_measures_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "gpu_ingest.md"
    report = main(
        ["--device", "cpu", "--passages", "24", "--batch-size", "8", "--repeat", "1", "--out", str(out)]
    )
    result = report["result"]
    assert report["passages"] == 24 and report["precision"] == "fp32"
    assert all(result["rates"][name] > 0 for name in ("stock", "forward", "ours"))
    assert result["min_cosine"] > 1 - 1e-5  # our path's vectors are stock's on the CPU
    assert 0 < result["padding_efficiency"] <= 1 and result["tokens_per_passage"] > 10
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# GPU ingest benchmark — CPU run (no GPU in this session)")
    assert f"`{H200_COMMAND}`" in text and "--passages 24" in text
    assert text.count("| 1. stock") == text.count("| 2. model forward") == text.count("| 3. our path") == 1
    assert "not judged here" in text


def test_passages_come_from_the_corpus_or_are_synthetic(tmp_path: Path, corpus_path: Path) -> None:
    texts, source = load_passages(tmp_path, 5)  # no corpus there
    assert len(texts) == 5 and source.startswith("synthetic") and all(texts)
    texts, source = load_passages(corpus_path.parents[1], 30)
    assert len(texts) == 30 and source == "MultiHop-RAG corpus chunks"
    assert len(set(texts)) == 30 and all("\n" in t for t in texts)  # embed_text: header + chunk


def test_the_verdict_is_judged_on_a_gpu_only() -> None:
    result: dict[str, Any] = {
        "rates": {"stock": 2500.0, "forward": 35000.0, "ours": 21000.0},
        "seconds": {"stock": 40.0, "forward": 2.9, "ours": 4.8},
        "min_cosine": 0.9995,
        "tokens_per_passage": 230.0,
        "padding_efficiency": 0.97,
    }
    report: dict[str, Any] = {
        "device": "cuda",
        "machine": "GPU NVIDIA H200",
        "passages": 100000,
        "source": "MultiHop-RAG corpus chunks",
        "batch_size": 512,
        "repeat": 3,
        "precision": "fp16",
        "command": H200_COMMAND,
        "result": result,
    }
    text = markdown(report)
    assert "**met** (21,000)" in text and "| 8.40x | 60% |" in text
    result["rates"]["ours"] = 19000.0
    assert "**not met**" in markdown(report)
