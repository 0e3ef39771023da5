"""Error and status messages in an analyst's words: file names rather than server paths, "could not
reach example.org: connection refused" rather than "ConnectError: [Errno 111] ...", no command-line
hints and no "chunks"."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from rag.settings import Settings
from web import security

ERRNO = re.compile(r"\b\w*(?:Error|Exception): \[Errno -?\d+\] ([^)\n;]*)")
NESTED = r"(?:[^()]|\([^()]*\))*"  # text with parentheses at most one level deep
UNREACHABLE = re.compile(rf"(?P<url>https?://\S+?): unreachable \((?P<why>{NESTED})\)")
LLM_DOWN = re.compile(r"the LLM endpoint (?P<url>\S+)(?: \(model [^)]*\))? is unreachable\b[^.]*")
STORE_DOWN = re.compile(
    r"the Chroma server at (?P<url>\S+) is unreachable or did not answer within (?P<s>[\d.]+) s"
    rf"(?: \((?P<why>{NESTED})\))?[^.]*"
)
TIMED_OUT = re.compile(r"(?P<url>https?://\S+?): timed out after (?P<s>[\d.]+) ?s \(RAG_FETCH_TIMEOUT_S\)")
PRIVATE_HINT = re.compile(
    r"; to allow an intranet source, list its network in RAG_FETCH_ALLOW_PRIVATE \(e\.g\. [^)]*\)"
)
NOT_URL = "not an http(s) URL: "
NOT_LISTED = re.compile(r": list them with `rag articles`")
CHUNKS = re.compile(r"(?<![\w./-])chunk(s?)(?![\w./-])")
REASONS = {
    "name or service not known": "the name does not resolve",
    "temporary failure in name resolution": "the name does not resolve",
    "no address associated with hostname": "the name does not resolve",
}


def host(url: str) -> str:
    """The host (and port) of ``url``; the text itself when it has none."""
    return urlsplit(url).netloc or url


def reason(why: str) -> str:
    """``ConnectError: [Errno 111] Connection refused`` -> ``connection refused``."""
    if "cannot resolve" in why or "getaddrinfo" in why:
        return "the name does not resolve"
    found = ERRNO.search(why)
    text = (found.group(1) if found else why).strip()
    text = re.sub(r"^\w*(?:Error|Exception):\s*", "", text).strip() or "no answer"
    if re.fullmatch(r"[A-Z]\w+", text):  # a bare exception name: ReadTimeout, RemoteProtocolError
        return "no answer in time" if "Timeout" in text else "the connection failed"
    text = text[0].lower() + text[1:]
    return REASONS.get(text.lower(), text)


def plain(text: str) -> str:
    """``text`` with connection failures, developer hints and "chunks" put in plain words."""
    text = LLM_DOWN.sub(
        lambda m: (
            f"Could not reach the answer model at {host(m['url'])}: it is unreachable; "
            "ask whoever runs this workspace to start it"
        ),
        text,
    )
    text = STORE_DOWN.sub(
        lambda m: (
            f"Could not reach the article store at {host(m['url'])}: "
            f"{reason(m['why']) if m['why'] else 'no answer within ' + m['s'] + ' s'}; ask whoever runs "
            "this workspace to check it"
        ),
        text,
    )
    text = UNREACHABLE.sub(lambda m: f"Could not reach {host(m['url'])}: {reason(m['why'])}", text)
    text = TIMED_OUT.sub(lambda m: f"Could not reach {host(m['url'])}: no answer within {m['s']} s", text)
    text = PRIVATE_HINT.sub("; whoever runs this workspace can allow intranet sources", text)
    text = ERRNO.sub(lambda m: reason(m.group(0)), text)
    text = NOT_LISTED.sub(": it is not in the library (deleted meanwhile?)", text)
    return CHUNKS.sub(r"passage\1", text)


def public(text: str, settings: Settings) -> str:
    """A message fit for the workspace: server paths reduced to file names, then :func:`plain`."""
    return plain(security.public_message(text, settings))


def item_error(name: str, error: str) -> str:
    """One ingest input's error in plain words, naming the input once: ``Could not reach <host>:
    connection refused (<url>)`` for an unreachable URL, else ``<name>: <error>``."""
    if error.startswith(f"{name}: "):
        error = error[len(name) + 2 :]
    if error == f"{NOT_URL}{name!r}":
        return f"“{name}” is not a web address: give page or feed URLs starting with http:// or https://"
    said = plain(f"{name}: {error}")
    return f"{said} ({name})" if said.startswith("Could not reach") else said
