"""Fetching a URL input: public addresses only, an overall deadline, a size cap, redirects checked.

The fetch runs on httpcore with a network backend (:class:`GuardedBackend`) that resolves each host
itself, refuses it unless every address passes :class:`~ingest.addresses.AddressPolicy`, and dials
the vetted address, so a DNS answer that changes between check and connect (rebinding) cannot
redirect the connection; TLS still verifies the certificate for the host name (SNI), and the Host
header names it. Redirects are followed here, at most :data:`MAX_REDIRECTS`, http(s) only, each hop
checked again. Every socket wait is cut to the time left before the deadline, so a server that
drips bytes cannot keep a fetch past ``timeout_s``. Proxy variables (``HTTP_PROXY``...) are not used:
the proxy, not this check, would pick the address. The body is decompressed here (gzip or deflate)
against the same size cap as the raw bytes.
"""

from __future__ import annotations

import ssl
import time
import zlib
from collections.abc import Iterable

import httpcore
import httpx

from ingest.addresses import AddressPolicy, AddressRefused, IPAddress
from ingest.loaders.base import RawInput
from rag.errors import InputError

USER_AGENT = "osint-rag/0.1 (+ingest)"
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_SCHEMES = ("http", "https")


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None, expired: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise expired("the fetch deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        wait = self._left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, wait), self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the policy allows, to the very address it checked, by the deadline."""

    def __init__(self, policy: AddressPolicy, deadline: float) -> None:
        self.policy = policy
        self.deadline = deadline
        self._tcp = httpcore.SyncBackend()

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("the fetch deadline passed")
        return left

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self.policy.vetted(host, port, self._left())
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from exc
        return self._first_that_answers(addresses, port, timeout, local_address, socket_options)

    def _first_that_answers(
        self,
        addresses: list[IPAddress],
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in addresses:
            wait = self._left() if timeout is None else min(timeout, self._left())
            try:
                stream = self._tcp.connect_tcp(str(address), port, wait, local_address, socket_options)
            except httpcore.ConnectError as exc:  # the next address may answer (an IPv6 one may not)
                failure = exc
                continue
            return _DeadlineStream(stream, self.deadline)
        raise failure or httpcore.ConnectError("no address to connect to")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")


def fetch(
    url: str, max_bytes: int, timeout_s: float, allow_private: Iterable[str] | AddressPolicy = ()
) -> RawInput:
    """GET ``url`` within ``timeout_s`` in all (redirects included), refusing bodies over ``max_bytes``
    and hosts at non-public addresses outside ``allow_private`` (CIDR networks); raises InputError."""
    policy = (
        allow_private if isinstance(allow_private, AddressPolicy) else AddressPolicy.allowing(allow_private)
    )
    deadline = time.monotonic() + timeout_s
    backend = GuardedBackend(policy, deadline)
    ssl_context = httpx.create_ssl_context()
    try:
        with httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=backend, retries=0) as pool:
            return _follow(pool, url, max_bytes, timeout_s)
    except AddressRefused as exc:
        raise AddressRefused(f"{url}: {exc}") from None
    except httpcore.TimeoutException as exc:
        raise InputError(f"{url}: timed out after {timeout_s:g}s (RAG_FETCH_TIMEOUT_S)") from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        raise InputError(f"{url}: unreachable ({type(exc).__name__}: {exc})") from exc


def _follow(pool: httpcore.ConnectionPool, url: str, max_bytes: int, timeout_s: float) -> RawInput:
    current = _parse(url, url)
    for hop in range(MAX_REDIRECTS + 1):
        timeouts = {"connect": timeout_s, "read": timeout_s, "write": timeout_s, "pool": timeout_s}
        headers = [
            (b"Host", current.netloc),
            (b"User-Agent", USER_AGENT.encode()),
            (b"Accept", b"*/*"),
            (b"Accept-Encoding", b"gzip, deflate"),
        ]
        target = httpcore.URL(
            scheme=current.raw_scheme, host=current.raw_host, port=current.port, target=current.raw_path
        )
        try:
            with pool.stream("GET", target, headers=headers, extensions={"timeout": timeouts}) as response:
                status = response.status
                fields = httpx.Headers(response.headers)
                location = fields.get("location")
                if status in _REDIRECTS and location:
                    current = _parse(url, str(current.join(location)), redirected=True)
                    continue  # to the next hop, checked and dialled like the first
                if status >= 300:
                    reason = response.extensions.get("reason_phrase", b"")
                    phrase = reason.decode("ascii", "replace") if isinstance(reason, bytes) else ""
                    raise InputError(f"{url}: HTTP {status} {phrase}".rstrip())
                body = _read_body(response, fields, url, max_bytes)
                return RawInput(url, body, url=str(current), content_type=fields.get("content-type", ""))
        except AddressRefused as exc:
            if hop:
                raise AddressRefused(f"redirected to {current}: {exc}") from None
            raise
    raise InputError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _parse(original: str, url: str, redirected: bool = False) -> httpx.URL:
    """``url`` parsed; InputError unless it is an http(s) URL with a host."""
    where = f"redirected to {url}" if redirected else "not a fetchable URL"
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InputError(f"{original}: {where} ({exc})") from exc
    if parsed.scheme not in _SCHEMES or not parsed.host:
        raise InputError(f"{original}: {where}: only http:// and https:// URLs with a host are fetched")
    return parsed


def _read_body(response: httpcore.Response, fields: httpx.Headers, url: str, max_bytes: int) -> bytes:
    """The body, decompressed, refusing it as soon as it (or its compressed form) passes ``max_bytes``."""
    cap = f"the {max_bytes / 1e6:.1f} MB cap (RAG_MAX_FILE_MB)"
    declared = fields.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InputError(f"{url}: {int(declared) / 1e6:.1f} MB is over {cap}")
    decoder = _decoder(fields.get("content-encoding", ""), url)
    body = bytearray()
    received = 0
    try:
        for piece in response.iter_stream():
            received += len(piece)
            if decoder is not None:
                piece = decoder.decompress(piece, max_bytes - len(body) + 1)
            body += piece
            if len(body) > max_bytes or received > max_bytes:
                raise InputError(f"{url}: body is over {cap}")
        if decoder is not None:
            body += decoder.flush()
    except zlib.error as exc:
        raise InputError(f"{url}: the compressed body is corrupt ({exc})") from exc
    if len(body) > max_bytes:
        raise InputError(f"{url}: body is over {cap}")
    return bytes(body)


def _decoder(content_encoding: str, url: str) -> zlib._Decompress | None:
    """A bounded decompressor for the body's Content-Encoding (gzip or deflate, once); None for none."""
    codings = [c for c in (part.strip().lower() for part in content_encoding.split(",")) if c]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # a zlib or gzip header, detected
    raise InputError(f"{url}: unsupported Content-Encoding {content_encoding!r} (gzip and deflate are read)")
