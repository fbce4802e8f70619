# One command sets up and runs the hub's main job; one sets up and runs the tests.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup chromium demo lint test dev bench lock messages clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml client/pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip install --quiet --no-deps -e ./client   # the consumer client (docs/client.md)
	touch $@

demo: setup          ## generate a small city, materialise every asset, print a summary
	$(BIN)/hub demo

lint: setup          ## ruff, and the import layers (both pinned; rules in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

test: setup chromium ## the whole test suite (what CI runs)
	$(BIN)/python -m pytest

# The web app's browser test drives Debian's headless Chromium (never a downloaded browser), with
# a CJK font: without one Chromium draws every Chinese character as a box.
chromium:            ## install Debian's chromium, chromium-driver and fonts-noto-cjk if missing
	@if [ ! -x /usr/bin/chromium ] || [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-cjk; \
	fi

dev: setup           ## the Dagster UI on the demo's hub home
	$(BIN)/hub dev

bench: setup         ## the ingest benchmark at 1 M persons (see BENCHMARKS.md for all)
	$(BIN)/python bench/ingest.py --persons 1000000

lock:                ## re-pin requirements.lock from pyproject.toml in a fresh environment
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e ".[test,spark]" -e "./client[pandas]"  # the client's too
	{ echo "# The whole dependency tree, pinned (pip freeze of a fresh 'pip install -e .[test]')."; \
	  echo "# Regenerate after changing pyproject.toml with \`make lock\`."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lock-venv

messages: setup      ## extract the shown strings, update every language's catalog, compile them
	$(BIN)/python -m catalog.messages

clean:
	rm -rf .hub
