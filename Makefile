# Two commands on a fresh machine with Python 3.11+ and make: `make demo` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# `make demo PORT=8001 SANDBOX_PORT=8091` moves the product's web app and the sandbox's
# chat page; `make demo PLATFORM=dingtalk` runs the office on DingTalk's sandbox instead of
# WeCom's; `make demo V=1` shows every process's log lines.
PORT ?= 8000
SANDBOX_PORT ?= 8090
PLATFORM ?= wecom
V ?=

# The fast layers (unit, language, calendar, domain, verbs, middle): seconds, no sandbox.
FAST_TESTS := tests/unit tests/language tests/calendar tests/domain tests/verbs tests/middle

# Run a command and print how long it took, keeping its exit status.
timed = start=$$(date +%s); $(1); status=$$?; \
	echo "$(2): $$(( $$(date +%s) - start )) s"; exit $$status

.PHONY: demo test test-fast lint clean screenshots wheelhouse wheelhouse-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@

demo: $(VENV)/.app-installed
	@$(BIN)/mashangban demo --port $(PORT) --sandbox-port $(SANDBOX_PORT) --platform $(PLATFORM) \
		--via-make $(if $(filter-out 0,$(V)),--verbose)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	@$(call timed,$(BIN)/python -m pytest,make test)

test-fast: $(VENV)/.test-installed
	@$(call timed,$(BIN)/python -m pytest $(FAST_TESTS),make test-fast)

# The chat page's screenshots that the README shows, taken by the browser test (it needs
# Chromium and a Chinese font, e.g. Debian's chromium and fonts-noto-cjk).
screenshots: $(VENV)/.test-installed
	MASHANGBAN_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_browser.py

# Every wheel the app needs (its own, its dependencies, the PostgreSQL driver and pip) in
# ./wheelhouse, pinned in wheelhouse/requirements.txt, for a host with no network
# (docs/deployment.md, "Offline install"). The wheels suit this machine's Python version,
# CPU architecture and C library: build on one like the target host.
wheelhouse: | $(BIN)/python
	rm -rf wheelhouse
	$(BIN)/pip wheel -q --wheel-dir wheelhouse ".[postgres]" pip
	$(BIN)/python deploy/wheelhouse.py write wheelhouse

# Proves the wheelhouse on its own: a fresh venv, pip install --no-index, then run it.
wheelhouse-check: wheelhouse
	$(BIN)/python deploy/wheelhouse.py check wheelhouse

clean:
	rm -rf $(VENV) var .pytest_cache wheelhouse
