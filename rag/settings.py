"""One typed settings object: environment variables (prefix ``RAG_``) and an optional file.

Build it at the entry point with :func:`load_settings` and pass it down; nothing here runs at import.
These are what a user chooses (paths, models, backends, serving, security). Thresholds, weights and
sizes measured on the evals are not settings: they are the calibrated values of
``rag/calibration.json`` (:mod:`rag.calibration`). The settings reference in the README is generated
from the descriptions here (``python -m rag.settings_doc``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

AnswerBackend = Literal["extractive", "openai", "ollama", "llamacpp"]

# settings that were folded into another: old name -> the one to set instead
FOLDED = {"ollama_url": "llm_base_url", "llamacpp_model_path": "llm_model"}


class Settings(BaseSettings):
    """Every user setting of osint-rag. Each field is also the env var ``RAG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", env_file=None)

    # where things live
    data_dir: Path = Field(
        Path("../shared/data"), description="Folder with the shared data: multihop_rag/ and seed/."
    )
    chroma_path: Path = Field(
        Path(".rag/store"),
        description="Store folder: embedded Chroma, article store, indexes, uploads (`rag --store DIR`).",
    )
    chroma_url: str | None = Field(
        None, description="`http://host:port` of a Chroma server (`chroma run`); the embedded store if unset."
    )
    chroma_timeout_s: float = Field(
        10.0, gt=0, description="Seconds any call to the Chroma server may take; past it a request gets 503."
    )
    collection: str = Field("articles", description="Chroma collection (and store file names) to use.")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "osint-rag", description="Model, tokenizer and ONNX export caches."
    )

    # embeddings
    embedding_model: str = Field(
        "all-MiniLM-L6-v2", description="sentence-transformers model name or local path."
    )
    embedding_backend: Literal["torch", "onnx", "openvino"] = Field(
        "onnx",
        description="Runtime: `onnx` (exported once per cache folder), `torch` (sentence-transformers) or "
        "`openvino`. A store keeps the runtime it was built with unless this is set.",
    )
    embedding_device: str = Field("cpu", description="Device of the embedding model (`rag --device`).")
    embedding_precision: Literal["fp32", "int8"] = Field(
        "int8",
        description="`int8`: dynamically quantized ONNX model, 2.2x faster at the same retrieval quality "
        "(bench/results/ingest.md); `fp32` for torch and openvino.",
    )

    # ingest
    max_file_mb: float = Field(50.0, gt=0, description="Inputs larger than this are refused.")
    fetch_timeout_s: float = Field(
        20.0, gt=0, description="Deadline for fetching a URL input, whole (redirects and body included)."
    )
    fetch_allow_private: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Networks URL inputs may be fetched from besides public addresses (JSON list of CIDR, "
        'e.g. `["10.0.0.0/8"]`); loopback, private, link-local... are refused unless listed here.',
    )
    ingest_batch_chunks: int = Field(
        256, ge=1, description="Chunks embedded and written per batch (memory, and work a crash loses)."
    )

    # retrieval and answering
    top_k: int = Field(10, ge=1, le=100, description="Passages retrieved per question.")
    rerank_model: str | None = Field(
        None, description="Local cross-encoder (path or name) that reranks the top candidates; none if unset."
    )
    warm_sentences: bool = Field(
        True,
        description="`rag serve`: embed stored articles' sentences in the background while no question "
        "runs, so excerpts on a fresh store soon answer at full speed (rag/warm.py).",
    )
    outlet_aliases: dict[str, str] = Field(
        default_factory=dict, description="Extra outlet names: alias -> outlet as stored (JSON object)."
    )
    reference_date: str | None = Field(
        None, description='The date (ISO) that "last week" / "yesterday" refer to; today if unset.'
    )
    answer_backend: AnswerBackend = Field(
        "extractive",
        description="`extractive` (quotes, no LLM), `openai` (any OpenAI-compatible endpoint), `ollama` "
        "or `llamacpp` (a local GGUF, `make llm`).",
    )

    # LLM backends
    llm_base_url: str | None = Field(
        None,
        description="Endpoint of the openai or ollama backend; unset: `http://127.0.0.1:8080/v1` (openai), "
        "`http://127.0.0.1:11434` (ollama).",
    )
    llm_model: str | None = Field(
        None,
        description="Model the endpoint serves (openai, ollama; `local` if unset), or the GGUF file "
        "(llamacpp; the packaged SmolLM2 if unset).",
    )
    llm_api_key: SecretStr = Field(SecretStr("not-needed"), description="API key sent to the LLM endpoint.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Seconds an LLM backend may take per call.")

    # serving
    host: str = Field("127.0.0.1", description="Address `rag serve` listens on (`--host`).")
    port: int = Field(7860, description="Port `rag serve` listens on (`--port`).")
    api_keys: list[str] = Field(
        default_factory=list, description="Keys accepted on /api (header `X-API-Key`); none: /api is open."
    )
    ui_users: dict[str, str] = Field(
        default_factory=dict, description="UI login: user -> password (JSON object); none: no login."
    )
    allow_public: bool = Field(
        False,
        description="Listen beyond loopback even without API keys and a UI login (the workspace "
        "unprotected).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call /api from their pages (exact, e.g. "
        '`["https://tools.example.org"]`); empty: no CORS at all.',
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments > env vars > settings file (TOML, see load_settings).
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if settings_cls.model_config.get("toml_file"):
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)

    @model_validator(mode="after")
    def _runtime_defaults(self) -> Settings:
        # int8 is the default for onnx only: RAG_EMBEDDING_BACKEND=torch alone means torch at fp32.
        # Not an assignment pydantic sees, so the precision still counts as unset (the wiring adopts
        # a store's runtime only when neither was set).
        # The GPU path (a torch device other than the CPU) runs on torch unless a backend was chosen.
        if self.embedding_device != "cpu" and "embedding_backend" not in self.model_fields_set:
            object.__setattr__(self, "embedding_backend", "torch")
        if self.embedding_backend != "onnx" and "embedding_precision" not in self.model_fields_set:
            object.__setattr__(self, "embedding_precision", "fp32")
        return self

    def updated(self, changes: Mapping[str, object]) -> Settings:
        """A copy with ``changes`` (names checked: a ConfigError for one that is not a setting)."""
        check_names(changes, "argument")
        return self.model_copy(update=dict(changes))

    @property
    def multihop_corpus(self) -> Path:
        return self.data_dir / "multihop_rag" / "corpus.json"

    @property
    def seed_dir(self) -> Path:
        return self.data_dir / "seed"


def check_names(names: Iterable[str], where: str) -> None:
    """ConfigError for a name that is no setting: a calibrated value (rag/calibration.json), a setting
    folded into another, or a misspelling."""
    from rag.calibration import Calibration
    from rag.errors import ConfigError

    calibrated = set(Calibration.__dataclass_fields__)
    for name in names:
        key = name.lower().removeprefix("rag_") if where == "environment variable" else name
        env = f"RAG_{key.upper()}"
        if key in FOLDED:
            new = FOLDED[key]
            raise ConfigError(f"{env} was folded into RAG_{new.upper()}: set {new} instead ({where} {name})")
        if key in calibrated:
            raise ConfigError(
                f"{key} is a calibrated value, not a setting ({where} {name}): it lives in "
                f"rag/calibration.json; to try another value pass build_components(settings, "
                f"calibration=load_calibration().with_values({key}=...))"
            )
        if where != "environment variable" and key not in Settings.model_fields:
            raise ConfigError(f"unknown setting {key!r} ({where}): see the settings reference in README.md")


def load_settings(settings_file: str | Path | None = None, **overrides: object) -> Settings:
    """Build settings from explicit overrides, env vars and a TOML file (``RAG_SETTINGS_FILE``)."""
    import tomllib

    from rag.errors import ConfigError

    check_names(overrides, "argument")
    check_names((k for k in os.environ if k.upper().startswith("RAG_")), "environment variable")
    settings_cls: type[Settings] = Settings
    settings_file = settings_file or os.environ.get("RAG_SETTINGS_FILE")
    if settings_file:
        path = Path(settings_file)
        if not path.is_file():
            raise ConfigError(f"settings file {path} does not exist: pass an existing TOML file")
        try:
            check_names(tomllib.loads(path.read_text(encoding="utf-8")), f"key in {path}")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc
        config = SettingsConfigDict(**{**Settings.model_config, "toml_file": path})  # type: ignore[typeddict-item]
        settings_cls = type("FileSettings", (Settings,), {"model_config": config})  # type: ignore[assignment]
    try:
        return settings_cls(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
