"""The spaCy model: which package is used, the weights check, one load per process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.question import nlp


def copy_weights(tmp_path: Path) -> Path:
    source = nlp.model_dir(nlp.model_package())
    for relative in nlp.WEIGHT_SHA256:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, tmp_path / relative)
    return tmp_path


def test_installed_weights_match_the_recorded_digests() -> None:
    nlp.verify_weights(nlp.model_dir(nlp.model_package()))


def test_changed_weights_are_refused_naming_the_file(tmp_path: Path) -> None:
    folder = copy_weights(tmp_path)
    weights = folder / "parser" / "model"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"parser/model has sha256 [0-9a-f]{64}, expected"):
        nlp.verify_weights(folder)
    weights.unlink()
    with pytest.raises(ConfigError, match=r"parser/model cannot be read"):
        nlp.verify_weights(folder)


def test_explosions_package_is_preferred_and_its_version_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "en_core_web_sm"
    (package / "en_core_web_sm-3.7.1").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert nlp.model_package() == "en_core_web_sm"
    with pytest.raises(ConfigError, match=r"not version 3\.8\.0 \(found \['en_core_web_sm-3\.7\.1'\]\)"):
        nlp.model_dir("en_core_web_sm")


@pytest.mark.slow
def test_one_load_per_process_from_many_threads() -> None:
    script = """
import threading, spacy
from rag.question import nlp
loads = []
real = spacy.load
spacy.load = lambda *a, **k: loads.append(1) or real(*a, **k)
got = []
threads = [threading.Thread(target=lambda: got.append(id(nlp.load_pipeline()))) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
assert len(loads) == 1 and len(set(got)) == 1 and len(got) == 8, (loads, got)
pipes = nlp.load_pipeline().pipe_names
assert "senter" not in pipes and {"parser", "ner", "lemmatizer"} <= set(pipes), pipes
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
