"""Item 2 of the attack list: a URL input must not make the server fetch its own or an intranet host.

Every address is checked before connecting (and at every redirect hop); the loopback servers here
record each request, so "refused" also means "never requested".
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from ingest import addresses
from ingest.download import fetch
from ingest.loaders import RawInput, load
from rag.assistant import Assistant
from rag.errors import ConfigError, InputError
from rag.settings import load_settings
from tests.conftest import DATA_DIR
from tests.ingest import fixtures
from tests.security.conftest import ServeApp
from tests.security.pages import page_server

SETTING = "RAG_FETCH_ALLOW_PRIVATE"


def test_a_url_to_loopback_is_refused_and_never_requested(assistant: Assistant) -> None:
    with page_server() as server:
        summary = assistant.ingest([f"{server.base}/news/harbour"])
        assert server.requests == []
    assert summary.added == 0 and assistant.articles() == []
    [failure] = summary.failed
    assert "127.0.0.1" in failure.reason and "loopback" in failure.reason and SETTING in failure.reason


@pytest.mark.parametrize(
    ("host", "named"),
    [
        ("[::ffff:127.0.0.1]", "loopback 127.0.0.1"),  # IPv4-mapped IPv6
        ("[::1]", "loopback"),
        ("[2002:7f00:1::]", "loopback 127.0.0.1"),  # 6to4 carrying 127.0.0.1
        ("[64:ff9b::7f00:1]", "loopback 127.0.0.1"),  # NAT64 carrying 127.0.0.1
        ("0.0.0.0", "unspecified"),  # reaches this host on Linux
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("10.1.2.3", "private"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ],
)
def test_non_public_address_literals_are_refused(host: str, named: str) -> None:
    with page_server() as server:
        port = server.base.rsplit(":", 1)[1]
        with pytest.raises(InputError) as refused:
            fetch(f"http://{host}:{port}/news/harbour", 1_000_000, 5)
        assert server.requests == []
    message = str(refused.value)
    assert host.strip("[]") in message and named in message and SETTING in message


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.0.0.1", "127.1", "017700000001"])
def test_loopback_spelled_otherwise_is_refused(host: str) -> None:
    # the system resolver turns these into 127.0.0.1 (or ::1); the check runs on what it returns
    with page_server() as server:
        port = server.base.rsplit(":", 1)[1]
        with pytest.raises(InputError, match=rf"{host} at [\d.:]+, a loopback address"):
            fetch(f"http://{host}:{port}/news/harbour", 1_000_000, 5)
        assert server.requests == []


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests have no DNS (pytest-socket allows loopback only), so the resolver is replaced: it plays an
    # attacker's DNS record pointing a public-looking name at loopback (or at loopback among others).
    records = {"harbour-news.example": ["127.0.0.1"], "mixed.example": ["93.184.216.34", "127.0.0.1"]}
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return records[host]

    monkeypatch.setattr(addresses, "resolve_host", resolve)
    with page_server() as server:
        port = server.base.rsplit(":", 1)[1]
        for name in records:
            with pytest.raises(InputError, match=rf"{name} at 127\.0\.0\.1, a loopback address"):
                fetch(f"http://{name}:{port}/news/harbour", 1_000_000, 5)
        assert server.requests == []

        # allowed, the connection goes to the address that was checked (the name is never resolved
        # again by anyone else), while the Host header still names the host
        lookups.clear()
        page = fetch(f"http://harbour-news.example:{port}/news/harbour", 1_000_000, 5, ["127.0.0.0/8"])
        assert b"Harbour cranes restarted" in page.data and lookups == ["harbour-news.example"]
        assert server.requests == [("/news/harbour", f"harbour-news.example:{port}")]


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("http://127.0.0.2:{port}/secret", "127.0.0.2, a loopback address"),
        ("http://[::1]:{port}/secret", "::1, a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("http://[::ffff:127.0.0.2]:{port}/secret", "loopback 127.0.0.2"),  # 127.0.0.1 alone is allowed
    ],
)
def test_a_redirect_to_a_refused_address_is_not_followed(target: str, named: str) -> None:
    with page_server() as server:
        port = server.base.rsplit(":", 1)[1]
        hop = target.format(port=port)
        first = f"{server.base}/redirect?to={quote(hop, safe='')}"
        with pytest.raises(InputError) as refused:
            fetch(first, 1_000_000, 5, ["127.0.0.1/32"])  # the first hop's address only
        assert [path for path, _ in server.requests] == [first.removeprefix(server.base)]
    message = str(refused.value)
    assert f"redirected to {hop}" in message and named in message and SETTING in message


def test_a_redirect_to_another_scheme_is_refused() -> None:
    with page_server() as server, pytest.raises(InputError, match="only http:// and https://"):
        fetch(f"{server.base}/redirect?to=file:///etc/passwd", 1_000_000, 5, ["127.0.0.0/8"])


def test_allowed_networks_let_an_intranet_page_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SETTING, '["127.0.0.0/8"]')
    settings = load_settings(chroma_path=tmp_path / "store", cache_dir=tmp_path / "cache", data_dir=DATA_DIR)
    assistant = Assistant.from_settings(settings)
    with page_server() as server:
        summary = assistant.ingest([f"{server.base}/redirect?to=/news/harbour"])
    assert summary.added == 1 and not summary.failed, summary
    [article] = assistant.articles()
    assert article.title == "Harbour cranes restarted"


def test_an_allowed_network_must_be_a_network() -> None:
    with pytest.raises(ConfigError, match=r"'10\.0\.0\.1/8' is not a network"):
        addresses.AddressPolicy.allowing(["10.0.0.1/8"])


@pytest.mark.slow
def test_the_served_app_will_not_fetch_its_own_api(serve_app: ServeApp) -> None:
    with serve_app() as (base, assistant):
        before = [a.id for a in assistant.articles()]
        own = f"{base}/api/health"
        reply = httpx.post(f"{base}/api/ingest", data={"urls": [own]}, timeout=30)
        outcome = _finished(base, reply)
        assert [a.id for a in assistant.articles()] == before
    text = str(outcome)
    assert outcome.get("added", 0) == 0 and "refused to connect to 127.0.0.1" in text and SETTING in text, (
        outcome
    )


def _finished(base: str, reply: httpx.Response) -> dict[str, Any]:
    """The ingest's outcome, whether the API answered with it or with a job to poll."""
    assert reply.status_code in (200, 202, 422), reply.text
    body: dict[str, Any] = reply.json()
    if reply.status_code != 202:
        return body
    deadline = time.monotonic() + 60
    while body.get("state") in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        body = httpx.get(f"{base}{reply.headers['location']}").json()
    return body


def test_a_page_that_starts_with_a_url_does_not_make_the_date_parser_fetch_it() -> None:
    # htmldate downloads a string that starts with "http" and has no space: a page (file or URL)
    # made of a loopback URL and tab-separated words would have been fetched twice
    with page_server() as server:
        words = "\t".join(f"word{i}" for i in range(40))
        page = f"{server.base}/secret\n<html><body><article><p>{words}</p></article></body></html>"
        list(load(RawInput("/in/page.html", page.encode())))
        assert server.requests == []


def test_tls_to_the_checked_address_still_verifies_the_host_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the connection dials the vetted address, yet TLS must still send the name (SNI) and check the
    # certificate against it; the resolver stands in for DNS as above
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    name = "harbour-news.example"
    make_cert = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    make_cert += ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}"]
    make_cert += ["-addext", f"subjectAltName=DNS:{name}"]
    subprocess.run(make_cert, check=True, capture_output=True)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    monkeypatch.setattr(addresses, "resolve_host", lambda host, port: ["127.0.0.1"])
    monkeypatch.setattr(httpx, "create_ssl_context", lambda: ssl.create_default_context(cafile=str(cert)))
    with page_server(tls=server_tls) as server:
        port = server.base.rsplit(":", 1)[1]
        page = fetch(f"https://{name}:{port}/news/harbour", 1_000_000, 5, ["127.0.0.0/8"])
        assert b"Harbour cranes restarted" in page.data
        with pytest.raises(InputError, match=r"certificate is not valid for 'other\.example'"):
            fetch(f"https://other.example:{port}/news/harbour", 1_000_000, 5, ["127.0.0.0/8"])
        assert server.requests == [("/news/harbour", f"{name}:{port}")]


def test_a_feed_body_is_never_opened_as_a_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # feedparser opens bytes it is given as a file name when such a file exists: a 5-byte "feed"
    # would have been read from the server's disk
    (tmp_path / "<rss>").write_text(
        fixtures.rss([{"title": "Local", "text": "Read from the server's disk."}])
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="not a readable RSS/Atom feed"):
        list(load(RawInput("http://feeds.example/latest", b"<rss>", url="http://feeds.example/latest")))
