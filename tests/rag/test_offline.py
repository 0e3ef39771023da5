import hashlib
import os
from pathlib import Path

from rag.offline import configure


def test_tiktoken_cache_is_seeded_from_the_package(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    cache = configure(tmp_path)
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    seeded = cache / hashlib.sha1(url.encode()).hexdigest()
    assert seeded.stat().st_size > 1_000_000
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(cache)
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_outbound_network_is_blocked_in_tests() -> None:
    import socket

    import pytest
    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("203.0.113.1", 80), timeout=1)
