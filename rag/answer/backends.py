"""Build the LLM answer backends from settings: ``openai``, ``ollama`` and ``llamacpp``."""

from __future__ import annotations

from typing import Any

from rag.answer.llamacpp import LlamaCppChat, packaged_gguf
from rag.answer.llm import ChatGenerator, OpenAIChat
from rag.errors import ConfigError
from rag.settings import Settings


def build_llm_generator(settings: Settings) -> ChatGenerator:
    """The generator for ``settings.answer_backend`` (anything but ``extractive``)."""
    backend = settings.answer_backend
    key = settings.llm_api_key.get_secret_value()
    common: dict[str, Any] = {
        "timeout_s": settings.llm_timeout_s,
        "temperature": settings.llm_temperature,
        "max_tokens": settings.llm_max_tokens,
    }
    if backend == "openai":
        client = OpenAIChat(settings.llm_base_url, settings.llm_model, key, **common)
        return ChatGenerator("openai", client, settings.max_answer_sentences)
    if backend == "ollama":  # Ollama serves the OpenAI API under /v1
        base = settings.ollama_url.rstrip("/")
        client = OpenAIChat(base if base.endswith("/v1") else f"{base}/v1", settings.llm_model, key, **common)
        return ChatGenerator("ollama", client, settings.max_answer_sentences)
    if backend == "llamacpp":
        path = settings.llamacpp_model_path or packaged_gguf()
        return ChatGenerator(
            "llamacpp",
            LlamaCppChat(path, settings.llm_temperature, settings.llm_max_tokens),
            settings.max_answer_sentences,
        )
    raise ConfigError(f"unknown answer backend {backend!r}: use extractive, openai, ollama or llamacpp")
