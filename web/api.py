"""The HTTP API under ``/api``: ask, ingest, list and delete articles, health.

Endpoints are plain ``def`` functions, so FastAPI runs them in its threadpool and a slow model call
never blocks the event loop. User errors (:class:`rag.errors.RagError`) become ``{"error", "detail"}``
with the error's ``http_status`` in one handler; request validation errors become 422 in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field, StringConstraints, field_validator
from starlette.exceptions import HTTPException

from rag.assistant import Assistant
from rag.errors import RagError
from rag.startup import WarmUp
from web import render, security, service

MAX_WAIT_S = 120.0  # longest a client may hold POST /api/ingest open for the result
KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of RAG_API_KEYS.")
FilterValue = Annotated[str, StringConstraints(max_length=service.MAX_FILTER_CHARS)]


class FiltersIn(BaseModel):
    """Restrict retrieval; empty means no restriction. Dates are inclusive ``YYYY-MM-DD``."""

    sources: list[FilterValue] = Field(
        default_factory=list,
        max_length=service.MAX_FILTER_VALUES,
        description="Outlets, as listed by /api/articles.",
    )
    date_from: str | None = Field(default=None, max_length=40, examples=["2023-10-01"])
    date_to: str | None = Field(default=None, max_length=40, examples=["2025-12-31"])
    categories: list[FilterValue] = Field(default_factory=list, max_length=service.MAX_FILTER_VALUES)


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
    """A dependency that checks ``X-API-Key`` against ``settings.api_keys`` (no keys: open).

    Blank keys never get here: :func:`web.security.check_serving` refuses them when the app is built.
    """
    keys = [k.encode() for k in assistant.settings.api_keys]

    def check(key: Annotated[str | None, Depends(KEY_HEADER)]) -> None:
        if keys and not security.key_matches(key, keys):
            raise RagAuthError("missing or wrong API key: send a valid X-API-Key header")

    return check


class RagAuthError(RagError):
    """No valid API key on an /api request."""

    http_status = 401


def install_error_handlers(app: FastAPI, redact: Callable[[str], str] = str) -> None:
    """Errors as ``{"error", "detail"}``: user errors (status from the error class), invalid requests
    (422) and HTTP errors such as an unparsable body (400). ``redact`` cleans messages of server paths.
    """

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        headers = {"WWW-Authenticate": "APIKey"} if exc.http_status == 401 else None
        body = {"error": type(exc).__name__, "detail": redact(str(exc))}
        return JSONResponse(body, status_code=exc.http_status, headers=headers)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail = _unparsable(exc) or redact(str(exc.detail))
        body = {"error": security.status_name(exc.status_code), "detail": detail}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse({"error": "ValidationError", "detail": detail, "errors": errors}, status_code=422)


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    """One validation error as ``{"field", "message"}``; a body that is not JSON names no field."""
    if error.get("type") == "json_invalid":
        where, why = error.get("loc", ("body", 0))[-1], error.get("ctx", {}).get("error", "")
        message = f"the request body is not valid JSON ({why} at character {where}): send UTF-8 JSON"
        return {"field": "body", "message": message}
    field = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    return {"field": field, "message": str(error.get("msg", ""))}


def _unparsable(exc: HTTPException) -> str:
    """What to fix when FastAPI could not parse the body (its own message names no cause)."""
    if exc.status_code != 400 or exc.__cause__ is None:
        return ""
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return "the request body is not valid UTF-8: send JSON encoded as UTF-8"
    if isinstance(exc.__cause__, RecursionError):
        return "the request body nests too deeply: send JSON objects and lists a few levels deep"
    return "the request body could not be read: send JSON (Content-Type: application/json)"


def build_router(assistant: Assistant, warm_up: WarmUp | None = None) -> APIRouter:
    """The ``/api`` routes, bound to one shared assistant. ``/api/health`` needs no key; it reports
    ``warm_up`` (``rag serve``'s: whether it is done, and the start-up ingest jobs) when given."""
    router = APIRouter(prefix="/api")
    keyed = APIRouter(dependencies=[Depends(require_key(assistant))])

    @router.get(
        "/health",
        summary="Liveness, corpus size and store health",
        response_description="200 with status ok; 503 with status store_unreachable when the store is down.",
    )
    async def health(response: Response) -> dict[str, Any]:
        # async and reading only the monitor's cached status: answers at once even when every worker
        # thread is busy asking or the Chroma server hangs (see store/health.py)
        store = assistant.store_status()
        if not store.reachable:
            response.status_code = 503
        state = store.to_dict()
        if "detail" in state:  # health needs no key: show file names, never server paths
            state["detail"] = security.public_message(state["detail"], assistant.settings)
        if state.get("problems"):
            state["problems"] = [security.public_message(p, assistant.settings) for p in state["problems"]]
        warmer = assistant.warmer
        started = warm_up.status() if warm_up is not None else {"done": True, "seconds": None, "jobs": []}
        return {
            "status": "ok" if store.reachable else "store_unreachable",
            "warm": started["done"],  # rag serve's warm-up: questions before it are answered, slower
            "articles": store.articles,
            "chunks": store.chunks,
            "answer_backend": assistant.settings.answer_backend,
            "warm_up_seconds": started["seconds"],
            "sentence_warmup": asdict(warmer.status()) if warmer is not None else None,
            "ingest": assistant.jobs.counts() | {"startup": started["jobs"]},
            "store": state,
        }

    @keyed.post("/ask", summary="Answer a question with cited sentences")
    def ask(body: AskIn) -> dict[str, Any]:
        f = body.filters
        filters = service.make_filters(f.sources, f.date_from, f.date_to, f.categories)
        history = [m.model_dump() for m in body.history]
        answer = service.ask(assistant, body.question, filters, history)
        return answer.to_dict(include_hits=body.include_hits)

    @keyed.post(
        "/ingest",
        status_code=202,
        summary="Queue uploaded files and/or page and feed URLs for ingest (a background job)",
        response_description="The job (poll GET /api/jobs/{id}); 200 when it finished within `wait`.",
    )
    def ingest(
        response: Response,
        files: Annotated[
            list[UploadFile] | None, File(description="Article files (any supported format).")
        ] = None,
        urls: Annotated[list[str] | None, Form(description="Page or feed URLs; repeat the field.")] = None,
        wait: Annotated[
            float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait for the job to finish.")
        ] = 0,
    ) -> dict[str, Any]:
        uploads = [(f.filename or "upload", f.file) for f in files or []]
        job = assistant.jobs.submit(service.job_inputs(assistant, uploads, urls or []))
        response.headers["Location"] = f"/api/jobs/{job.id}"
        if wait and assistant.jobs.wait(job, wait):
            response.status_code = 200
        return job.to_dict()

    @keyed.get("/jobs/{job_id}", summary="An ingest job's progress and per-input results")
    def job(job_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
        return assistant.jobs.get(job_id).to_dict()

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
