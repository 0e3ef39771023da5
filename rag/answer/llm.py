"""LLM backends: one generator over a chat client: any LangChain chat model, or llama.cpp in-process.

The generator formats its prompts (rag/answer/prompts.py), streams the draft and rewrites
follow-ups; citations are verified afterwards by the chain, so a model never keeps a citation it
did not earn. :class:`ChatModelClient` drives any LangChain ``BaseChatModel`` (``ChatOpenAI``,
``ChatOllama``, ...); :class:`OpenAIChat` is the one the ``openai`` and ``ollama`` settings build.
Every failure of the endpoint (unreachable, timeout, bad key, unknown model) becomes one
:class:`~rag.errors.BackendError` with a message that names the endpoint and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from langchain_core.language_models import BaseChatModel

from rag.answer import Context
from rag.answer.followup import resolve_followup
from rag.answer.prompts import (
    DEFAULT_PROMPTS,
    Prompts,
    answer_messages,
    lead_messages,
    message_text,
    rewrite_messages,
)
from rag.errors import BackendError
from rag.types import Turn

Messages = list[tuple[str, str]]


class ChatClient(Protocol):
    """Streams a chat completion as text deltas; raises BackendError on any endpoint failure."""

    def stream(self, messages: Messages) -> Iterator[str]: ...


class ChatGenerator:
    """An :class:`~rag.answer.AnswerGenerator` that asks an LLM for a cited answer."""

    writes_lead = True

    def __init__(
        self,
        name: str,
        client: ChatClient,
        max_sentences: int | None = None,
        prompts: Prompts = DEFAULT_PROMPTS,
    ) -> None:
        """``max_sentences``: most sentences asked of the model (default: the calibrated
        ``max_answer_sentences``)."""
        from rag.calibration import load_calibration

        self.name = name
        self.client = client
        calibrated = load_calibration().max_answer_sentences
        self.max_sentences = calibrated if max_sentences is None else max_sentences
        self.prompts = prompts

    def draft(self, context: Context) -> Iterator[str]:
        """The one-sentence answer (``context.lead_only``) or a cited answer, as the model streams it."""
        if context.lead_only:
            messages = lead_messages(
                context.question, context.sources, context.ranked, template=self.prompts.lead
            )
        else:
            messages = answer_messages(
                context.question, context.sources, self.max_sentences, template=self.prompts.answer
            )
        yield from self.client.stream(messages)

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        """The LLM's rewrite; the rule-based resolution when the reply is empty or rambles."""
        messages = rewrite_messages(question, history, template=self.prompts.rewrite)
        rewritten = "".join(self.client.stream(messages)).strip()
        rewritten = rewritten.splitlines()[0].strip().strip('"') if rewritten else ""
        if not rewritten or len(rewritten) > 4 * len(question) + 200:
            return resolve_followup(question, history)
        return rewritten


class ChatModelClient:
    """A :class:`ChatClient` over any LangChain chat model; its failures become BackendErrors.

    ``describe`` turns an exception into the BackendError to raise (by default one naming the model).
    """

    def __init__(
        self, model: BaseChatModel, describe: Callable[[Exception], BackendError] | None = None
    ) -> None:
        self.llm = model
        self.describe = describe or (lambda exc: model_error(exc, model))

    def stream(self, messages: Messages) -> Iterator[str]:
        try:
            for chunk in self.llm.stream(messages):
                text = message_text(chunk.content)
                if text:
                    yield text
        except Exception as exc:  # every endpoint failure becomes one clear message
            raise self.describe(exc) from None


def model_name(model: BaseChatModel) -> str:
    """What a chat model is called in ``Answer.backend``: its class, and the model it serves if known."""
    served = getattr(model, "model_name", None) or getattr(model, "model", None)
    return f"{model.get_name()}({served})" if isinstance(served, str) and served else model.get_name()


def model_error(exc: Exception, model: BaseChatModel) -> BackendError:
    """A BackendError naming the chat model; an OpenAI client's errors as :func:`backend_error` words them."""
    if isinstance(exc, BackendError):
        return exc
    if type(exc).__module__.split(".")[0] in {"openai", "httpx"}:  # an OpenAI-compatible client's
        base_url = getattr(model, "openai_api_base", None) or "https://api.openai.com/v1"
        return backend_error(exc, str(base_url), str(getattr(model, "model_name", "")))
    return BackendError(f"the chat model {model_name(model)} failed: {type(exc).__name__}: {str(exc)[:200]}")


class OpenAIChat(ChatModelClient):
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
        llm = ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key or "not-needed",  # type: ignore[arg-type]
            timeout=timeout_s,
            max_retries=1,
            temperature=temperature,
            max_tokens=max_tokens,  # type: ignore[call-arg]
            streaming=True,
        )
        super().__init__(llm, lambda exc: backend_error(exc, base_url, model))


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
