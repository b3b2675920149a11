# Two commands on a fresh machine with Python 3.11+ and make: `make demo` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The fast layers (unit, language, calendar, domain, verbs, middle): seconds, no sandbox.
FAST_TESTS := tests/unit tests/language tests/calendar tests/domain tests/verbs tests/middle

# Run a command and print how long it took, keeping its exit status.
timed = start=$$(date +%s); $(1); status=$$?; \
	echo "$(2): $$(( $$(date +%s) - start )) s"; exit $$status

.PHONY: demo test test-fast lint clean

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
	$(BIN)/mashangban demo

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	@$(call timed,$(BIN)/python -m pytest,make test)

test-fast: $(VENV)/.test-installed
	@$(call timed,$(BIN)/python -m pytest $(FAST_TESTS),make test-fast)

clean:
	rm -rf $(VENV) var .pytest_cache
