"""The HTTP API under ``/api``: ask, ingest, list and delete articles, health.

Endpoints are plain ``def`` functions, so FastAPI runs them in its threadpool and a slow model call
never blocks the event loop. User errors (:class:`rag.errors.RagError`) become ``{"error", "detail"}``
with the error's ``http_status`` in one handler; request validation errors become 422 in the same shape.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field, field_validator

from rag.assistant import Assistant
from rag.errors import RagError
from web import render, service

KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of RAG_API_KEYS.")


class FiltersIn(BaseModel):
    """Restrict retrieval; empty means no restriction. Dates are inclusive ``YYYY-MM-DD``."""

    sources: list[str] = Field(default_factory=list, description="Outlets, as listed by /api/articles.")
    date_from: str | None = Field(default=None, examples=["2023-10-01"])
    date_to: str | None = Field(default=None, examples=["2025-12-31"])
    categories: list[str] = Field(default_factory=list)


class MessageIn(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskIn(BaseModel):
    """A question, optional filters and the conversation so far (for follow-ups)."""

    question: str = Field(min_length=1, max_length=2000, examples=["Which systems were discussed at IQDEX?"])
    filters: FiltersIn = FiltersIn()
    history: list[MessageIn] = Field(default_factory=list, max_length=50)
    include_hits: bool = Field(False, description="Also return the retrieved passages and their scores.")

    @field_validator("question")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is blank: ask something about the ingested articles")
        return value.strip()


class ArticleOut(BaseModel):
    id: str
    title: str
    source: str
    published_at: str
    url: str
    category: str
    chunks: int


class ArticlesOut(BaseModel):
    total: int = Field(description="Articles matching the search (before limit/offset).")
    corpus_articles: int
    corpus_chunks: int
    articles: list[ArticleOut]


def require_key(assistant: Assistant) -> Any:
    """A dependency that checks ``X-API-Key`` against ``settings.api_keys`` (no keys: open)."""
    keys = [k for k in assistant.settings.api_keys if k]

    def check(key: Annotated[str | None, Depends(KEY_HEADER)]) -> None:
        if keys and not (key and any(secrets.compare_digest(key, k) for k in keys)):
            raise RagAuthError("missing or wrong API key: send a valid X-API-Key header")

    return check


class RagAuthError(RagError):
    """No valid API key on an /api request."""

    http_status = 401


def install_error_handlers(app: FastAPI) -> None:
    """One handler for user errors (status from the error class) and one for invalid requests (422)."""

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        headers = {"WWW-Authenticate": "APIKey"} if exc.http_status == 401 else None
        body = {"error": type(exc).__name__, "detail": str(exc)}
        return JSONResponse(body, status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse({"error": "ValidationError", "detail": detail, "errors": errors}, status_code=422)


def build_router(assistant: Assistant) -> APIRouter:
    """The ``/api`` routes, bound to one shared assistant. ``/api/health`` needs no key."""
    router = APIRouter(prefix="/api")
    keyed = APIRouter(dependencies=[Depends(require_key(assistant))])

    @router.get("/health", summary="Liveness and corpus size")
    def health() -> dict[str, Any]:
        warmer = assistant.warmer
        return {
            "status": "ok",
            "articles": assistant.article_store.count(),
            "chunks": assistant.chunk_count(),
            "answer_backend": assistant.settings.answer_backend,
            "sentence_warmup": asdict(warmer.status()) if warmer is not None else None,
        }

    @keyed.post("/ask", summary="Answer a question with cited sentences")
    def ask(body: AskIn) -> dict[str, Any]:
        f = body.filters
        filters = service.make_filters(f.sources, f.date_from, f.date_to, f.categories)
        history = [m.model_dump() for m in body.history]
        answer = service.ask(assistant, body.question, filters, history)
        return answer.to_dict(include_hits=body.include_hits)

    @keyed.post("/ingest", summary="Ingest uploaded files and/or page and feed URLs")
    def ingest(
        files: Annotated[
            list[UploadFile] | None, File(description="Article files (any supported format).")
        ] = None,
        urls: Annotated[list[str] | None, Form(description="Page or feed URLs; repeat the field.")] = None,
    ) -> dict[str, Any]:
        uploads, limit = service.uploads_dir(assistant), service.max_upload_bytes(assistant)
        paths = [service.save_upload(uploads, f.filename or "upload", f.file, limit) for f in files or []]
        summary = service.ingest(assistant, paths, service.parse_urls(urls or []), progress=False)
        return summary.to_dict()

    @keyed.get("/articles", summary="List ingested articles", response_model=ArticlesOut)
    def articles(
        q: Annotated[str, Query(max_length=200, description="Search title, outlet, id, category.")] = "",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> ArticlesOut:
        counts = service.chunk_counts(assistant)
        found = service.articles(assistant)
        rows = render.article_rows(found, counts, q)
        by_id = {a.id: a for a in found}
        out = [
            ArticleOut(**{**_meta(by_id[row[0]]), "chunks": row[4]}) for row in rows[offset : offset + limit]
        ]
        return ArticlesOut(
            total=len(rows), corpus_articles=len(found), corpus_chunks=assistant.chunk_count(), articles=out
        )

    @keyed.get("/articles/{article_id}", summary="One article with its text")
    def article(article_id: str) -> dict[str, Any]:
        return asdict(assistant.article(article_id))

    @keyed.delete("/articles/{article_id}", summary="Delete an article and its chunks")
    def delete(article_id: str) -> dict[str, str]:
        assistant.delete_article(article_id)
        return {"deleted": article_id}

    router.include_router(keyed)
    return router


def _meta(article: Any) -> dict[str, Any]:
    return {k: getattr(article, k) for k in ("id", "title", "source", "published_at", "url", "category")}
