"""The analyst's workspace: a Gradio UI mounted on a FastAPI app that also serves ``/api``.

``build_app(assistant)`` returns the ASGI app; ``serve(settings)`` runs it with uvicorn.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from rag.assistant import Assistant
from rag.errors import ConfigError, RagError
from rag.settings import Settings
from rag.types import Answer, Filters

EXAMPLES = [
    "Which systems were discussed at IQDEX?",
    "Who is facing a criminal trial on fraud charges according to TechCrunch?",
]


class FiltersIn(BaseModel):
    sources: list[str] = Field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    categories: list[str] = Field(default_factory=list)


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    filters: FiltersIn = Field(default_factory=FiltersIn)


def render_sources(answer: Answer) -> str:
    """HTML for the sources panel: one card per citation with the quoted sentence highlighted."""
    if answer.abstained:
        return "<p class='abstained'>No ingested article answers this.</p>"
    cards = []
    for c in answer.citations:
        link = f"<a href='{html.escape(c.url)}' target='_blank'>{html.escape(c.url)}</a>" if c.url else ""
        cards.append(
            f"<div class='citation' id='cite-{c.n}'><b>[{c.n}] {html.escape(c.title)}</b><br>"
            f"{html.escape(c.source)} · {html.escape(c.published_at[:10])} {link}<br>"
            f"<mark>{html.escape(c.quote)}</mark></div>"
        )
    return "\n".join(cards)


def build_ui(assistant: Assistant) -> gr.Blocks:
    with gr.Blocks(title="osint-rag") as ui:
        gr.Markdown("# osint-rag\nAsk about the ingested articles; every claim cites its sentence.")
        chat = gr.Chatbot(label="Answer", height=420)
        question = gr.Textbox(label="Question", placeholder="Which systems were discussed at IQDEX?")
        sources = gr.HTML(label="Sources")
        gr.Examples(EXAMPLES, inputs=question)

        def respond(message: str, history: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], str]:
            try:
                answer = assistant.ask(message)
            except RagError as exc:
                raise gr.Error(str(exc)) from exc
            history = [
                *history,
                {"role": "user", "content": message},
                {"role": "assistant", "content": answer.text},
            ]
            return "", history, render_sources(answer)

        question.submit(respond, [question, chat], [question, chat, sources])
    blocks: gr.Blocks = ui
    return blocks


def build_app(assistant: Assistant) -> FastAPI:
    api = FastAPI(title="osint-rag", description="Grounded, cited answers from news articles.")

    @api.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=exc.http_status)

    @api.get("/api/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "articles": assistant.article_store.count(),
            "chunks": assistant.chunk_count(),
        }

    @api.post("/api/ask")
    def ask(body: AskIn) -> dict[str, Any]:
        answer = assistant.ask(body.question, Filters(**body.filters.model_dump()))
        return answer.to_dict()

    app: FastAPI = gr.mount_gradio_app(api, build_ui(assistant), path="/")
    return app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    host = host or settings.host
    if host not in {"127.0.0.1", "localhost", "::1"} and not settings.allow_public:
        raise ConfigError(f"refusing to listen on {host}: set RAG_ALLOW_PUBLIC=true to expose the UI")
    assistant = Assistant.from_settings(settings)
    uvicorn.run(build_app(assistant), host=host, port=port or settings.port, log_level="info")
