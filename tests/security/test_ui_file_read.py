"""Item 1 of the attack list: the Library's ingest event must read only files its upload route wrote.

Mounted (not launched), Gradio does not check a FileData ``path`` itself; these calls go through the
raw Gradio HTTP API exactly as an attacker without the browser would send them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.security.conftest import ServeApp


def call_ingest(base: str, files: list[dict[str, Any]] | None, urls: str = "") -> list[dict[str, Any]]:
    """POST /gradio_api/call/ingest, then read its event stream; the messages, in order."""
    started = httpx.post(f"{base}/gradio_api/call/ingest", json={"data": [files, urls, "", ""]}, timeout=30)
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    messages: list[dict[str, Any]] = []
    with httpx.stream("GET", f"{base}/gradio_api/call/ingest/{event_id}", timeout=120) as stream:
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = line.split(":", 1)[1].strip()
                messages.append({"event": event, "data": json.loads(data) if data != "null" else None})
                if event in ("complete", "error"):
                    break
    return messages


def file_data(path: str) -> dict[str, Any]:
    return {"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


def test_a_server_file_named_in_a_raw_call_is_refused(serve_app: ServeApp, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Launch codes\n\nThe launch code of the northern silo is 7-4-1-9, officials said.\n")
    with serve_app() as (base, assistant):
        before = len(assistant.articles())
        for path in ("/etc/passwd", str(secret)):
            messages = call_ingest(base, [file_data(path)])
            assert messages[-1]["event"] == "error", messages
            detail = json.dumps(messages[-1]["data"])
            assert "not a file uploaded to this workspace" in detail
            assert str(tmp_path) not in detail, "the error must not echo server paths"
        assert len(assistant.articles()) == before
        assert not list((Path(assistant.settings.chroma_path) / "uploads").rglob("*.md"))


def test_a_file_uploaded_through_the_upload_route_is_ingested(serve_app: ServeApp) -> None:
    body = (
        b"---\ntitle: Cranes at Port Verlaine\nsource: Test Gazette\npublished_at: 2024-02-11\n---\n\n"
        b"The port authority of Port Verlaine switched its twelve harbour cranes to solar power in January.\n"
    )
    with serve_app() as (base, assistant):
        uploaded = httpx.post(
            f"{base}/gradio_api/upload", files={"files": ("verlaine.md", body, "text/markdown")}, timeout=30
        )
        assert uploaded.status_code == 200, uploaded.text
        [path] = uploaded.json()
        messages = call_ingest(base, [file_data(path)])
        assert messages[-1]["event"] == "complete", messages
        summary = messages[-1]["data"][0]
        assert "Added 1" in summary, summary
        assert any(a.title == "Cranes at Port Verlaine" for a in assistant.articles())
        assert not Path(path).exists(), "Gradio's temporary copy is removed once saved"
        uploads = Path(assistant.settings.chroma_path) / "uploads"
        assert not list(uploads.rglob("*.md")), "the saved upload is removed once ingested"
