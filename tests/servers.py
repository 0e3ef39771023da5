"""Helpers for tests that start a real server on 127.0.0.1: a free port, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers 200; RuntimeError if ``proc`` exits, TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f}s")


@contextmanager
def serving(
    command: Sequence[str], port: int, cwd: Path, env: Mapping[str, str], log_path: Path, timeout: float = 180
) -> Iterator[str]:
    """Run ``command`` (a server on 127.0.0.1:``port``, output to ``log_path``) until /api/health answers
    200; yield its base URL; stop it after (its log's end is in the error when it fails to come up)."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_up(f"{base}/api/health", timeout, proc)
            except (RuntimeError, TimeoutError) as exc:
                raise RuntimeError(f"rag serve failed: {exc}\n{log_path.read_text()[-3000:]}") from exc
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
