"""LLM backends: one generator over a chat client (OpenAI-compatible via langchain-openai, or llama.cpp).

The generator prompts (rag/answer/prompts.py), streams the draft and rewrites follow-ups; citations
are verified afterwards by the chain, so a model never keeps a citation it did not earn. Every
failure of the endpoint (unreachable, timeout, bad key, unknown model) becomes one
:class:`~rag.errors.BackendError` with a message that names the endpoint and the fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from rag.answer import Context
from rag.answer.followup import resolve_followup
from rag.answer.prompts import answer_messages, lead_messages, rewrite_messages
from rag.errors import BackendError
from rag.types import Turn

Messages = list[tuple[str, str]]


class ChatClient(Protocol):
    """Streams a chat completion as text deltas; raises BackendError on any endpoint failure."""

    def stream(self, messages: Messages) -> Iterator[str]: ...


class ChatGenerator:
    """An :class:`~rag.answer.AnswerGenerator` that asks an LLM for a cited answer."""

    writes_lead = True

    def __init__(self, name: str, client: ChatClient, max_sentences: int = 5) -> None:
        self.name = name
        self.client = client
        self.max_sentences = max_sentences

    def draft(self, context: Context) -> Iterator[str]:
        if context.lead_only:
            yield from self.client.stream(lead_messages(context.question, context.sources, context.ranked))
            return
        yield from self.client.stream(answer_messages(context.question, context.sources, self.max_sentences))

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        """The LLM's rewrite; the rule-based resolution when the reply is empty or rambles."""
        rewritten = "".join(self.client.stream(rewrite_messages(question, history))).strip()
        rewritten = rewritten.splitlines()[0].strip().strip('"') if rewritten else ""
        if not rewritten or len(rewritten) > 4 * len(question) + 200:
            return resolve_followup(question, history)
        return rewritten


class OpenAIChat:
    """Any OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama's /v1, OpenAI) via langchain-openai."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float = 60.0,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> None:
        from langchain_openai import ChatOpenAI

        self.base_url = base_url
        self.model = model
        self.llm = ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key or "not-needed",  # type: ignore[arg-type]
            timeout=timeout_s,
            max_retries=1,
            temperature=temperature,
            max_tokens=max_tokens,  # type: ignore[call-arg]
            streaming=True,
        )

    def stream(self, messages: Messages) -> Iterator[str]:
        try:
            for chunk in self.llm.stream(messages):
                text = _text(chunk.content)
                if text:
                    yield text
        except Exception as exc:  # every endpoint failure becomes one clear message
            raise backend_error(exc, self.base_url, self.model) from None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


def backend_error(exc: Exception, base_url: str, model: str) -> BackendError:
    """Translate an openai/httpx exception into one user-facing message (no stack trace)."""
    import openai

    where = f"the LLM endpoint {base_url} (model {model!r})"
    if isinstance(exc, openai.APITimeoutError):
        why = "timed out: raise RAG_LLM_TIMEOUT_S or use a smaller model"
    elif isinstance(exc, openai.APIConnectionError):
        why = "is unreachable: start the server or fix RAG_LLM_BASE_URL"
    elif isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        why = "refused the API key: set RAG_LLM_API_KEY"
    elif isinstance(exc, openai.NotFoundError):
        why = "does not serve this model or path: check RAG_LLM_MODEL and RAG_LLM_BASE_URL (…/v1)"
    elif isinstance(exc, openai.RateLimitError):
        why = "is rate limiting: try again later"
    elif isinstance(exc, openai.APIStatusError):
        why = f"answered HTTP {exc.status_code}"
    elif isinstance(exc, BackendError):
        return exc
    else:
        why = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    return BackendError(f"{where} {why}")
