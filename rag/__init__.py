"""osint-rag: grounded, cited answers from the news articles you collect.

>>> from rag import Assistant
>>> assistant = Assistant.from_settings()
>>> answer = assistant.ask("Which systems were discussed at IQDEX?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag.calibration import Calibration, load_calibration
from rag.errors import BackendError, ConfigError, InputError, NotFoundError, RagError
from rag.settings import Settings, load_settings
from rag.types import Answer, Article, Citation, Filters, Hit, IngestSummary

if TYPE_CHECKING:
    from rag.assistant import Assistant

__all__ = [
    "Answer",
    "Article",
    "Assistant",
    "BackendError",
    "Calibration",
    "Citation",
    "ConfigError",
    "Filters",
    "Hit",
    "IngestSummary",
    "InputError",
    "NotFoundError",
    "RagError",
    "Settings",
    "load_calibration",
    "load_settings",
]


def __getattr__(name: str) -> Any:
    # Assistant pulls in torch and chromadb: import it only when asked for.
    if name == "Assistant":
        from rag.assistant import Assistant

        return Assistant
    raise AttributeError(name)
