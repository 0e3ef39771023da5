from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import load_settings


def test_env_vars_use_the_rag_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_CHROMA_PATH", str(tmp_path))
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "128")
    settings = load_settings()
    assert (settings.chroma_path, settings.top_k, settings.chunk_tokens) == (tmp_path, 7, 128)


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "rag.toml"
    file.write_text('top_k = 5\nanswer_backend = "extractive"\nchunk_overlap_tokens = 10\n')
    monkeypatch.setenv("RAG_TOP_K", "9")
    settings = load_settings(file)
    assert settings.top_k == 9 and settings.chunk_overlap_tokens == 10


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ANSWER_BACKEND", "gpt-banana")
    with pytest.raises(ConfigError, match="answer_backend"):
        load_settings()


def test_missing_settings_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
