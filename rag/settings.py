"""One typed settings object: environment variables (prefix ``RAG_``) and an optional file.

Build it at the entry point with :func:`load_settings` and pass it down; nothing here runs at import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

AnswerBackend = Literal["extractive", "openai", "ollama", "llamacpp"]


class Settings(BaseSettings):
    """Every knob of osint-rag. Each field is also the env var ``RAG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", env_file=None)

    # where things live
    data_dir: Path = Field(Path("../shared/data"), description="Folder with multihop_rag/ and seed/.")
    chroma_path: Path = Field(Path(".rag/store"), description="Store folder (Chroma + manifest + index).")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; local if unset.")
    chroma_timeout_s: float = Field(
        10.0, gt=0, description="Seconds any call to the Chroma server (RAG_CHROMA_URL) may take."
    )
    collection: str = "articles"
    cache_dir: Path = Field(Path.home() / ".cache" / "osint-rag", description="Model and tokenizer caches.")

    # embeddings
    embedding_model: str = Field("all-MiniLM-L6-v2", description="Model name or local path.")
    embedding_backend: Literal["torch", "onnx", "openvino"] = "torch"
    embedding_device: str = "cpu"
    embedding_batch_size: int = Field(32, ge=1)
    embedding_precision: Literal["fp32", "int8"] = Field(
        "fp32", description="int8: dynamically quantized ONNX model (onnx backend only)."
    )
    query_embedding_backend: Literal["auto", "same", "onnx"] = Field(
        "auto",
        description="Runtime for questions: onnx (same model and vectors, faster for one text), same "
        "(the documents' backend), auto (onnx when the documents use torch on the CPU at fp32).",
    )

    # chunking
    tokenizer_encoding: str = "cl100k_base"
    chunk_tokens: int = Field(200, ge=16, le=2048, description="Max cl100k tokens per chunk.")
    chunk_overlap_tokens: int = Field(48, ge=0, description="Sentence-aligned overlap between chunks.")
    max_embed_wordpieces: int = Field(256, ge=32, description="Embedding model input limit (header incl.).")
    max_file_mb: float = Field(50.0, gt=0, description="Inputs larger than this are refused.")
    fetch_timeout_s: float = Field(
        20.0, gt=0, description="Deadline for fetching a URL input, whole (redirects and body included)."
    )
    fetch_allow_private: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Networks URL inputs may be fetched from besides public addresses (JSON list of CIDR, "
        'e.g. ["10.0.0.0/8"]); loopback, private, link-local... are refused unless listed here.',
    )
    ingest_batch_chunks: int = Field(256, ge=1, description="Chunks embedded and written per batch.")

    # retrieval and answering
    top_k: int = Field(10, ge=1, le=100)
    candidates: int = Field(50, ge=1, description="Candidates per retriever before fusion.")
    retrieval_mode: Literal["dense", "bm25", "hybrid", "full"] = Field(
        "full", description="dense, bm25, hybrid (fused), or full (hybrid + question parsing + rerank)."
    )
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and BM25 lists are fused.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense list in fusion.")
    lexical_weight: float = Field(2.0, ge=0, description="Weight of the BM25 list in fusion.")
    lexical_ranker: Literal["bm25s", "fts5"] = Field(
        "bm25s", description="BM25 search: bm25s (in memory, rebuilt after changes) or SQLite FTS5's bm25()."
    )
    rerank_model: str | None = Field(None, description="Local cross-encoder (path or name); unset: none.")
    sentence_rerank: bool = Field(False, description="Offline sentence-level reranking in full mode.")
    passage_tokens: int = Field(
        256, ge=0, le=2048, description="full mode: passage size in cl100k tokens (0: stored chunks)."
    )
    passage_mode: Literal["excerpt", "window"] = Field(
        "excerpt",
        description="full mode: excerpt (the article's sentences that bear on the question) or window "
        "(the chunk grown with its neighbouring sentences).",
    )
    excerpt_dense_weight: float = Field(
        0.3, ge=0, le=1, description="excerpt mode: weight of sentence-question cosine beside word overlap."
    )
    warm_sentences: bool = Field(
        True,
        description="rag serve: embed stored articles' sentences in the background while no question "
        "runs, so excerpts on a fresh store soon answer at full speed (rag/warm.py).",
    )
    rerank_depth: int = Field(30, ge=1, description="Candidates the reranker re-scores.")
    per_article_cap: int = Field(3, ge=0, description="Max chunks of one article in the top k (0: no cap).")
    outlet_aliases: dict[str, str] = Field(
        default_factory=dict, description="Extra outlet names: alias -> outlet as stored."
    )
    reference_date: str | None = Field(None, description="'Today' for relative dates (ISO); unset: today.")
    answer_backend: AnswerBackend = "extractive"
    max_answer_sentences: int = Field(4, ge=1)
    evidence_dense_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Evidence ranking: weight of the sentence's cosine to the question beside word overlap.",
    )
    context_tokens: int = Field(3000, ge=256, description="Token budget for sources given to an LLM.")
    support_threshold: float = Field(0.55, ge=0, le=1, description="Support score a cited sentence needs.")
    llm_max_tokens: int = Field(512, ge=16, description="Most tokens an LLM backend may write per answer.")
    extractive_max_sentences: int = Field(
        8, ge=1, description="Most quoted sentences in an extractive answer (several articles need several)."
    )

    # LLM backends
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_model: str = "local"
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_timeout_s: float = 60.0
    llm_temperature: float = 0.0
    ollama_url: str = "http://127.0.0.1:11434"
    llamacpp_model_path: Path | None = None

    # serving
    host: str = "127.0.0.1"
    port: int = 7860
    api_keys: list[str] = Field(default_factory=list, description="Keys accepted on /api (X-API-Key).")
    ui_users: dict[str, str] = Field(default_factory=dict, description="UI login: user -> password.")
    allow_public: bool = False
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call /api from their pages (exact, e.g. "
        '["https://tools.example.org"]); empty: no CORS at all.',
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

    @property
    def multihop_corpus(self) -> Path:
        return self.data_dir / "multihop_rag" / "corpus.json"

    @property
    def seed_dir(self) -> Path:
        return self.data_dir / "seed"


def load_settings(settings_file: str | Path | None = None, **overrides: object) -> Settings:
    """Build settings from explicit overrides, env vars and a TOML file (``RAG_SETTINGS_FILE``)."""
    from rag.errors import ConfigError

    settings_cls: type[Settings] = Settings
    settings_file = settings_file or os.environ.get("RAG_SETTINGS_FILE")
    if settings_file:
        path = Path(settings_file)
        if not path.is_file():
            raise ConfigError(f"settings file {path} does not exist: pass an existing TOML file")
        config = SettingsConfigDict(**{**Settings.model_config, "toml_file": path})  # type: ignore[typeddict-item]
        settings_cls = type("FileSettings", (Settings,), {"model_config": config})  # type: ignore[assignment]
    try:
        return settings_cls(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
