"""With UI login on, each analyst keeps their own conversations: in a real browser each sees only
theirs, the folders on disk are named by a hash (never the login name), and a raw queue call that
names another analyst's conversation id neither opens nor deletes it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import build_app
from rag.assistant import Assistant
from rag.settings import load_settings
from tests.conftest import DATA_DIR, IQDEX
from tests.web.browsing import DESKTOP, ask, new_page, open_workspace
from tests.web.conftest import ThreadServer, copy_store

pytestmark = pytest.mark.browser
USERS = {"alice": "alice-pw-7f3", "bob": "bob-pw-9c1"}


@pytest.fixture(scope="module")
def login_app(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    store = copy_store(seeded_store, tmp_path_factory.mktemp("login") / "store")
    assistant = Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR, ui_users=USERS))
    with ThreadServer(build_app(assistant)) as server:
        yield server.base, store


def signed_in(browser: Any, base: str, user: str) -> Any:
    page = new_page(browser, DESKTOP)
    response = page.context.request.post(f"{base}/login", form={"username": user, "password": USERS[user]})
    assert response.ok, response.text()
    open_workspace(page, base)
    return page


def listed(page: Any) -> list[str]:
    page.wait_for_timeout(1000)  # the list arrives with the page's load event
    return [t.strip() for t in page.locator("#conversations label").all_inner_texts()]


def queue_call(client: httpx.Client, base: str, trigger: tuple[str, str], data: list[Any]) -> list[Any]:
    """Run the page's event on ``trigger`` (elem_id, event) as a raw Gradio queue call, with ``data``
    of the caller's choosing (what a forged request can do); its outputs."""
    config = client.get(f"{base}/config").json()
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    fn = next(
        d for d in config["dependencies"] if any((ids.get(t[0]), t[1]) == trigger for t in d["targets"])
    )
    name = "/".join(trigger)
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn["id"], "session_hash": session, "event_data": None}
    client.post(f"{base}/gradio_api/queue/join", json=body).raise_for_status()
    with client.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}) as events:
        for line in events.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                assert message.get("success"), message
                output: list[Any] = message["output"]["data"]
                return output
    raise AssertionError(f"{name}: no result")


def test_each_analyst_sees_opens_and_deletes_only_their_own(
    browser: Any, login_app: tuple[str, Path]
) -> None:
    base, store = login_app
    alice = signed_in(browser, base, "alice")
    ask(alice, IQDEX)
    alice.wait_for_function("() => document.querySelectorAll('#conversations label').length === 1")
    mine = alice.locator("#conversations input").first.get_attribute("value")

    bob = signed_in(browser, base, "bob")
    assert listed(bob) == [], "bob sees none of alice's conversations"
    ask(bob, "When did it take place?")
    bob.wait_for_function("() => document.querySelectorAll('#conversations label').length === 1")
    assert listed(bob)[0].startswith("When did it take place?")
    alice.reload()
    alice.locator("#question textarea").wait_for(state="visible")
    assert [label.split(" · ")[0] for label in listed(alice)] == [IQDEX]

    folders = sorted(p.name for p in (store / "conversations").iterdir())
    assert len(folders) == 2 and all(name.startswith("user-") for name in folders)
    assert not any(user in name for name in folders for user in USERS)
    assert (store / "conversations" / folders[0]).is_dir() and "anonymous" not in folders

    # bob forges alice's conversation id into the events that open and delete a conversation
    with httpx.Client(timeout=60) as client:
        client.post(f"{base}/login", data={"username": "bob", "password": USERS["bob"]}).raise_for_status()
        opened = queue_call(client, base, ("conversations", "input"), [mine])
        assert IQDEX not in json.dumps(opened) and "no longer saved" in json.dumps(opened)
        deleted = queue_call(client, base, ("confirm-conversation-btn", "click"), [mine, ""])
        assert "Nothing to delete" in json.dumps(deleted)
    alice.reload()
    alice.locator("#question textarea").wait_for(state="visible")
    assert len(listed(alice)) == 1, "alice's conversation is still there"
    alice.locator("#conversations label").first.click()
    alice.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"user\"]').length === 1")
    for page in (alice, bob):
        page.context.close()
