"""Build the LLM answer backends: from settings (``openai``, ``ollama``, ``llamacpp``), or from any
LangChain chat model one brings (``ChatOpenAI``, ``ChatOllama``, a llama.cpp one, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

from rag.answer.llamacpp import LlamaCppChat, packaged_gguf
from rag.answer.llm import ChatGenerator, ChatModelClient, OpenAIChat, model_name
from rag.answer.prompts import DEFAULT_PROMPTS, Prompts
from rag.calibration import Calibration, load_calibration
from rag.errors import ConfigError
from rag.settings import Settings

OPENAI_URL = "http://127.0.0.1:8080/v1"  # llama.cpp's server, vLLM, LM Studio...
OLLAMA_URL = "http://127.0.0.1:11434"
SERVED_MODEL = "local"  # the model name when RAG_LLM_MODEL is unset (a single-model server ignores it)


def build_llm_generator(settings: Settings, calibration: Calibration | None = None) -> ChatGenerator:
    """The generator for ``settings.answer_backend`` (anything but ``extractive``): at
    ``settings.llm_base_url`` (or the backend's usual local address) serving ``settings.llm_model``;
    for ``llamacpp``, ``llm_model`` is the GGUF file. Temperature, token and sentence limits are the
    calibrated values (``calibration``, rag/calibration.json when not given)."""
    calibration = calibration or load_calibration()
    backend = settings.answer_backend
    key = settings.llm_api_key.get_secret_value()
    sentences = calibration.max_answer_sentences
    common: dict[str, Any] = {
        "timeout_s": settings.llm_timeout_s,
        "temperature": calibration.llm_temperature,
        "max_tokens": calibration.llm_max_tokens,
    }
    model = settings.llm_model or SERVED_MODEL
    if backend == "openai":
        client = OpenAIChat(settings.llm_base_url or OPENAI_URL, model, key, **common)
        return ChatGenerator("openai", client, sentences)
    if backend == "ollama":  # Ollama serves the OpenAI API under /v1
        base = (settings.llm_base_url or OLLAMA_URL).rstrip("/")
        client = OpenAIChat(base if base.endswith("/v1") else f"{base}/v1", model, key, **common)
        return ChatGenerator("ollama", client, sentences)
    if backend == "llamacpp":
        path = Path(settings.llm_model) if settings.llm_model else packaged_gguf()
        chat = LlamaCppChat(path, calibration.llm_temperature, calibration.llm_max_tokens)
        return ChatGenerator("llamacpp", chat, sentences)
    raise ConfigError(f"unknown answer backend {backend!r}: use extractive, openai, ollama or llamacpp")


def chat_model_generator(
    model: BaseChatModel,
    prompt: ChatPromptTemplate | None = None,
    max_sentences: int | None = None,
    prompts: Prompts = DEFAULT_PROMPTS,
) -> ChatGenerator:
    """A backend over any LangChain chat model; ``prompt`` replaces the cited-answer prompt (it may use
    ``{sources}``, ``{question}`` and ``{max_sentences}``; see rag/answer/prompts.py)."""
    if prompt is not None:
        prompts = Prompts(answer=prompt, lead=prompts.lead, rewrite=prompts.rewrite)
    return ChatGenerator(model_name(model), ChatModelClient(model), max_sentences, prompts)


def with_prompt(generator: ChatGenerator, prompt: ChatPromptTemplate) -> ChatGenerator:
    """``generator`` with ``prompt`` as its cited-answer prompt."""
    prompts = Prompts(answer=prompt, lead=generator.prompts.lead, rewrite=generator.prompts.rewrite)
    return ChatGenerator(generator.name, generator.client, generator.max_sentences, prompts)
