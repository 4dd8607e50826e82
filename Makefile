# Two commands on a fresh Debian machine: `make run` (install, open the designer) and
# `make test` (install, run the whole suite). Both are quick when already installed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYSTEM_STAMP := $(VENV)/.system-stamp

.PHONY: install run test lint format bench clean

install: $(SYSTEM_STAMP) $(STAMP)

$(SYSTEM_STAMP): packaging/system-deps.sh
	@bash packaging/system-deps.sh
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Gatewright needs Python 3.11 or newer"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@touch $@

$(STAMP): pyproject.toml $(SYSTEM_STAMP)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: install
	$(BIN)/gatewright gui $(FILE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info
