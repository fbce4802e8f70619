# One command sets up and runs the hub's main job; one sets up and runs the tests.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo test dev bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

demo: setup          ## generate a small city, materialise every asset, print a summary
	$(BIN)/hub demo

test: setup          ## the whole test suite (what CI runs)
	$(BIN)/python -m pytest

dev: setup           ## the Dagster UI on the demo's hub home
	$(BIN)/hub dev

bench: setup         ## the benchmarks (see BENCHMARKS.md)
	$(BIN)/python bench/run.py

clean:
	rm -rf .hub
