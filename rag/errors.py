"""The few exception types users see. Messages name the bad value and the fix.

The CLI, the UI and the HTTP API translate these in one place each; anything else is a bug.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error meant for a user."""

    http_status = 400


class ConfigError(RagError):
    """A setting is missing or wrong (path not found, unknown backend, bad model name)."""

    http_status = 400


class InputError(RagError):
    """An input file, URL or request could not be used (unsupported format, unreadable, empty)."""

    http_status = 422


class NotFoundError(RagError):
    """A named article or resource does not exist."""

    http_status = 404


class BackendError(RagError):
    """An external service (LLM endpoint, Chroma server) failed: unreachable, timeout, bad key."""

    http_status = 502


class StoreUnavailableError(BackendError):
    """The Chroma server did not answer (refused, timed out, stopped): the store is down for now."""

    http_status = 503


class StoreDamagedError(RagError):
    """A store file is corrupt, truncated or out of step with the others: `rag repair` fixes it."""

    http_status = 500


class QueueFullError(RagError):
    """Too much work is waiting (the ingest job queue is full): try again later."""

    http_status = 429
