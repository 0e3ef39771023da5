"""Bounded inputs: request bodies (declared, streamed, multipart, on /api and Gradio's routes), filter
lists (API and UI), and uploads that do not pile up on disk."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import build_app
from rag.assistant import Assistant
from rag.errors import InputError
from rag.settings import load_settings
from tests.conftest import DATA_DIR, IQDEX
from tests.security.conftest import ServeApp
from web import security, service

pytestmark = pytest.mark.slow  # the served app over HTTP

JSON_LIMIT = security.MAX_JSON_BODY


def too_large(response: httpx.Response) -> str:
    assert response.status_code == 413, response.text[:300]
    body = response.json()
    assert body["error"] == "RequestEntityTooLarge"
    detail: str = body["detail"]
    return detail


def raw_request(base: str, head: str, body: bytes = b"") -> bytes:
    """Send ``head`` (and ``body``) on a plain socket; the raw reply up to the server's close."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + body)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
            if b"\r\n\r\n" in reply and b"}" in reply:
                break
    return reply


def test_bodies_over_the_limit_get_413_in_the_json_shape(serve_app: ServeApp) -> None:
    with serve_app() as (base, _):
        declared = raw_request(  # 10 GB announced, nothing sent: refused at once, not read
            base,
            "POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 10000000000\r\n\r\n",
        )
        assert declared.startswith(b"HTTP/1.1 413") and b'"RequestEntityTooLarge"' in declared, declared

        big = b'{"question": "' + b"x" * JSON_LIMIT + b'"}'
        assert "2.0 MB" in too_large(httpx.post(f"{base}/api/ask", content=big))

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            for _ in range(JSON_LIMIT // 65536 + 4):
                yield b"x" * 65536

        streamed = httpx.post(
            f"{base}/api/ask", content=chunks(), headers={"Content-Type": "application/json"}
        )
        too_large(streamed)
        for path in ("/gradio_api/queue/join", "/gradio_api/run/predict"):  # Gradio's routes too
            too_large(httpx.post(f"{base}{path}", content=big, headers={"Content-Type": "application/json"}))

        fine = httpx.post(f"{base}/api/ask", json={"question": IQDEX, "history": []}, timeout=120)
        assert fine.status_code == 200, fine.text


def test_multipart_limit_follows_the_file_size_setting(serve_app: ServeApp) -> None:
    with serve_app(max_file_mb=0.05) as (base, _):  # 20 files of 50 KB, plus 1 MB of form overhead
        limit = int(0.05 * 2**20) * security.MAX_FILES_PER_UPLOAD + security.MULTIPART_SLACK
        files = [("files", (f"a{i}.txt", b"y" * (limit // 4), "text/plain")) for i in range(5)]
        too_large(httpx.post(f"{base}/api/ingest", files=files))
        upload = [("files", ("a.txt", b"y" * (limit + 1), "text/plain"))]
        too_large(httpx.post(f"{base}/gradio_api/upload", files=upload))


def test_filter_lists_are_bounded_on_the_api_and_in_the_ui(serve_app: ServeApp) -> None:
    from gradio_client import Client

    many = [f"outlet {i}" for i in range(service.MAX_FILTER_VALUES + 1)]
    long = ["c" * (service.MAX_FILTER_CHARS + 1)]
    with serve_app() as (base, _):
        for filters in ({"sources": many}, {"categories": many}, {"categories": long}, {"sources": long}):
            response = httpx.post(f"{base}/api/ask", json={"question": IQDEX, "filters": filters})
            assert response.status_code == 422, response.text[:300]
            assert response.json()["error"] == "ValidationError", response.text[:300]
        client = Client(f"{base}/", verbose=False, download_files=False)
        for outlets, categories in ((many, []), ([], long)):
            with pytest.raises(Exception, match="at most") as raised:
                client.predict(IQDEX, outlets, "", "", categories, api_name="/ask")
            assert type(raised.value).__name__ == "AppError"
    with pytest.raises(InputError, match="at most 100"):
        service.make_filters(categories=many)
    assert service.make_filters(sources=many[:100], categories=["c" * 200]).categories == ["c" * 200]


def aged(path: Path, seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"data")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_sweep_uploads_removes_stale_files_and_empty_folders_only(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    stale = aged(folder / "h1" / "old.pdf", 2 * 3600)
    fresh = aged(folder / "h2" / "new.pdf", 10)
    outside = aged(tmp_path / "elsewhere" / "keep.txt", 5 * 3600)
    link = folder / "h3"
    link.symlink_to(outside.parent)  # an old link to another folder: removed, never followed
    os.utime(link, (time.time() - 2 * 3600,) * 2, follow_symlinks=False)
    assert service.sweep_uploads(folder, max_age_s=3600) == 2
    assert not stale.exists() and not stale.parent.exists()
    assert fresh.exists() and outside.exists() and not link.is_symlink() and folder.is_dir()
    assert service.sweep_uploads(tmp_path / "missing") == 0


def test_cleanup_upload_deletes_the_file_and_its_empty_folders_inside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "gradio"
    first = aged(folder / "abc" / "sub" / "one.txt", 0)
    second = aged(folder / "def" / "two.txt", 0)
    aged(folder / "def" / "three.txt", 0)
    outside = aged(tmp_path / "secret.txt", 0)
    service.cleanup_upload(first, folder)
    assert not first.exists() and not (folder / "abc").exists() and folder.is_dir()
    service.cleanup_upload(second, folder)
    assert not second.exists() and (folder / "def" / "three.txt").exists()
    service.cleanup_upload(outside, folder)
    service.cleanup_upload(folder / ".." / "secret.txt", folder)
    service.cleanup_upload(folder, folder)
    assert outside.exists() and folder.is_dir()


def test_build_app_owns_gradios_upload_folder_and_sweeps_stale_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", "restored-after-the-test")
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    cache, store = tmp_path / "cache", tmp_path / "store"
    stale_temp = aged(cache / "gradio" / "f00" / "dropped.pdf", 2 * 3600)
    fresh_temp = aged(cache / "gradio" / "f01" / "uploading.pdf", 5)
    stale_saved = aged(store / "uploads" / "0123abcd" / "failed.pdf", 2 * 3600)
    settings = load_settings(chroma_path=store, cache_dir=cache, data_dir=DATA_DIR)
    build_app(Assistant.from_settings(settings))
    assert os.environ["GRADIO_TEMP_DIR"] == str((cache / "gradio").absolute())
    assert not stale_temp.exists() and not stale_saved.exists() and fresh_temp.exists()
