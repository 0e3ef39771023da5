"""`rag ingest --shard i/n`: which articles a shard owns, and refusing a shard that does not exist.
(tests/test_replicas.py fills one Chroma server from two shards.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest.produce import Shard, manifest_origin
from rag.cli import main
from rag.errors import InputError


def test_every_article_belongs_to_exactly_one_shard_and_the_shards_are_even() -> None:
    ids = [hashlib.sha1(str(i).encode()).hexdigest()[:20] for i in range(3000)]
    shards = [Shard(i, 3) for i in range(3)]
    owners = [[s.index for s in shards if s.owns(a)] for a in ids]
    assert all(len(o) == 1 for o in owners)
    sizes = [sum(o == [s.index] for o in owners) for s in shards]
    assert min(sizes) > 900, sizes
    assert all(Shard(0, 1).owns(a) for a in ids)


@pytest.mark.parametrize("text", ["0/2", "1/2", " 3 / 4 ", "0/1"])
def test_a_shard_is_i_of_n(text: str) -> None:
    shard = Shard.parse(text)
    assert f"{shard.index}/{shard.count}" == text.replace(" ", "")


@pytest.mark.parametrize("text", ["2/2", "5/3", "1/0", "-1/2", "1", "a/b", "1/2/3", ""])
def test_a_shard_that_does_not_exist_is_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"0 <= i < n") as caught:
        Shard.parse(text)
    assert repr(text) in str(caught.value)


def test_the_cli_refuses_a_bad_shard_before_opening_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert main(["--store", str(store), "ingest", "--shard", "2/2", str(tmp_path)]) == 2
    assert "'2/2'" in capsys.readouterr().err and not store.exists()


def test_a_shards_manifest_entry_names_its_input() -> None:
    key = Shard(1, 4).key("/in/corpus.json")
    assert key == "/in/corpus.json#shard-1-of-4" and manifest_origin(key) == "/in/corpus.json"
    assert manifest_origin("https://example.org/feed#top") == "https://example.org/feed#top"
