from pathlib import Path

import pytest

from rag import settings_doc
from rag.calibration import load_calibration
from rag.errors import ConfigError
from rag.settings import Settings, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_env_vars_use_the_rag_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_CHROMA_PATH", str(tmp_path))
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_INGEST_BATCH_CHUNKS", "128")
    settings = load_settings()
    assert (settings.chroma_path, settings.top_k, settings.ingest_batch_chunks) == (tmp_path, 7, 128)


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "rag.toml"
    file.write_text('top_k = 5\nanswer_backend = "extractive"\nmax_file_mb = 10\n')
    monkeypatch.setenv("RAG_TOP_K", "9")
    settings = load_settings(file)
    assert settings.top_k == 9 and settings.max_file_mb == 10


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ANSWER_BACKEND", "gpt-banana")
    with pytest.raises(ConfigError, match="answer_backend"):
        load_settings()


def test_missing_settings_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_at_most_30_settings_each_described() -> None:
    assert len(Settings.model_fields) <= 30
    assert all(info.description for info in Settings.model_fields.values())
    assert not set(Settings.model_fields) & set(load_calibration().values())  # one place for each value


def test_a_calibrated_value_is_no_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"per_article_cap is a calibrated value.*rag/calibration.json"):
        load_settings(per_article_cap=2)
    file = tmp_path / "rag.toml"
    file.write_text("support_threshold = 0.6\n")
    with pytest.raises(ConfigError, match="support_threshold is a calibrated value"):
        load_settings(file)
    monkeypatch.setenv("RAG_FUSION", "rrf")
    with pytest.raises(ConfigError, match="fusion is a calibrated value"):
        load_settings()


def test_folded_settings_name_the_one_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_OLLAMA_URL", "http://gpu-box:11434")
    with pytest.raises(ConfigError, match="RAG_OLLAMA_URL was folded into RAG_LLM_BASE_URL"):
        load_settings()
    monkeypatch.delenv("RAG_OLLAMA_URL")
    with pytest.raises(ConfigError, match="RAG_LLAMACPP_MODEL_PATH was folded into RAG_LLM_MODEL"):
        load_settings(llamacpp_model_path="/models/x.gguf")
    with pytest.raises(ConfigError, match="unknown setting 'top_kk'"):
        load_settings().updated({"top_kk": 3})


def test_the_llm_backends_default_to_their_usual_local_endpoints() -> None:
    from rag.answer.backends import build_llm_generator

    for backend, url in (("openai", "http://127.0.0.1:8080/v1"), ("ollama", "http://127.0.0.1:11434/v1")):
        client = build_llm_generator(load_settings(answer_backend=backend)).client
        assert (client.base_url, client.model) == (url, "local")  # type: ignore[attr-defined]
    ollama = load_settings(answer_backend="ollama", llm_base_url="http://gpu-box:11434", llm_model="qwen")
    client = build_llm_generator(ollama).client
    assert (client.base_url, client.model) == ("http://gpu-box:11434/v1", "qwen")  # type: ignore[attr-defined]


def test_the_readme_settings_reference_is_up_to_date() -> None:
    text = README.read_text(encoding="utf-8")
    assert settings_doc.with_reference(text) == text, "run python -m rag.settings_doc"
    for name in Settings.model_fields:
        assert f"`RAG_{name.upper()}`" in text


def test_the_reference_is_regenerated_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{settings_doc.START}\n| stale |\n{settings_doc.END}\noutro\n")
    assert settings_doc.main(["--check", "--readme", str(readme)]) == 1
    assert settings_doc.main(["--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "| stale |" not in text and "`RAG_TOP_K` | `10` |" in text and text.endswith("outro\n")
    assert settings_doc.main(["--check", "--readme", str(readme)]) == 0
