"""The calibrated values: one versioned file, validated, and the only source of every library default."""

from __future__ import annotations

import json
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from rag.calibration import CALIBRATION_FILE, Calibration, load_calibration, read_calibration
from rag.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_the_file_is_versioned_and_says_how_each_value_was_calibrated() -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert isinstance(data["version"], int) and data["date"]
    assert set(data["values"]) == {f.name for f in fields(Calibration)}
    for name, entry in data["values"].items():
        assert entry["about"] and entry["calibrated_by"], name
    model = CALIBRATION_FILE.parent / data["answerability_model"]["file"]
    assert model.is_file() and data["answerability_model"]["calibrated_by"] == "python -m evals.calibrate"


def test_the_file_ships_with_the_package() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "calibration.json" in project["tool"]["setuptools"]["package-data"]["rag"]


def test_overrides_are_validated() -> None:
    calibration = load_calibration()
    assert calibration.with_values(per_article_cap="2").per_article_cap == 2  # --set passes text
    assert calibration.per_article_cap == 3  # frozen: the packaged values are untouched
    with pytest.raises(ConfigError, match="support_threshold"):
        calibration.with_values(support_threshold=1.5)
    with pytest.raises(ConfigError, match="top_k"):
        calibration.with_values(top_k=3)  # a setting, not a calibrated value


def test_a_damaged_file_is_a_config_error(tmp_path: Path) -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    del data["values"]["fusion"]
    broken = tmp_path / "calibration.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="fusion"):
        read_calibration(broken)
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable"):
        read_calibration(broken)


def test_library_defaults_are_the_calibrated_values() -> None:
    from rag.answer.extractive import ExtractiveGenerator
    from rag.answer.llm import ChatGenerator
    from rag.chain import ChainConfig
    from rag.retrieval.excerpts import ExcerptBuilder
    from rag.retrieval.pipeline import PipelineConfig
    from rag.retrieval.windows import PassageWidener
    from rag.verify import Verifier

    c = load_calibration()
    chain = ChainConfig()
    assert chain == ChainConfig.from_calibration(c, top_k=10)
    assert (chain.support_threshold, chain.evidence_dense_weight, chain.answer_sentences) == (0.55, 0.5, 4)
    pipeline = PipelineConfig()
    assert (pipeline.candidates, pipeline.rerank_depth, pipeline.per_article) == (
        c.candidates,
        c.rerank_depth,
        c.per_article_cap,
    )
    assert Verifier(None).threshold == c.support_threshold  # type: ignore[arg-type]
    assert ExtractiveGenerator().max_sentences == c.extractive_max_sentences
    assert ChatGenerator("x", None).max_sentences == c.max_answer_sentences  # type: ignore[arg-type]
    excerpts = ExcerptBuilder({}, vectors=object())  # type: ignore[arg-type]
    assert (excerpts.max_tokens, excerpts.encoding, excerpts.dense_weight) == (
        c.passage_tokens,
        c.tokenizer_encoding,
        c.excerpt_dense_weight,
    )
    assert PassageWidener({}).max_tokens == c.passage_tokens  # type: ignore[arg-type]
