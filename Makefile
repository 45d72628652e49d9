# Each target creates the virtual environment it needs, so `make demo` and
# `make test` work on a fresh machine by themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint unit docs docs-serve e2e fuzz bench smoke clean test-lowest

# The editable install compiles the usage reader in place: rebuild when its source changes.
$(STAMP): pyproject.toml hatch_build.py hybridctl/usage/_scanner.c
	@echo "==> creating $(VENV) and installing hybridctl with its test and lint tools"
	@echo "    (a minute or two on a fresh machine: pip downloads them and compiles the usage reader)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(BIN)/hybridctl --version
	touch $(STAMP)

## demo: walk the default configs through hybridctl
demo: $(STAMP)
	@PATH="$(abspath $(BIN)):$$PATH" sh scripts/demo.sh

## test: lint, type-check, build the docs strictly, run the whole test suite, and a short fuzz run
test: lint docs unit
	$(BIN)/python scripts/fuzz_scanner.py --seconds 20

lint: $(STAMP)
	$(BIN)/ruff check hybridctl tests benchmarks scripts hatch_build.py
	$(BIN)/ruff format --check hybridctl tests benchmarks scripts hatch_build.py
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

unit: $(STAMP)
	$(BIN)/python -m pytest -q

## docs: the documentation site into site/; a broken link or anchor, or a page left out, fails it
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

## docs-serve: preview the site at http://127.0.0.1:8000, rebuilt on every change
docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

## e2e: a real LiteLLM proxy with hybridctl's plug-in and a real Prometheus, end to end
## (installs the proxy in .venv-e2e and the Debian package prometheus when missing)
e2e: $(STAMP)
	sh scripts/e2e.sh

## fuzz: the compiled usage reader under AddressSanitizer and UndefinedBehaviorSanitizer, 10 minutes
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz_scanner.py --seconds 600

## test-lowest: the suite on the lowest release of each dependency the pins allow
test-lowest:
	rm -rf .venv-lowest
	$(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade pip
	.venv-lowest/bin/python -m pip install --quiet -c constraints-lowest.txt -e '.[test]'
	.venv-lowest/bin/python -m pip list --format=freeze | grep -iE '^(typer|rich|pyyaml|jsonschema|msgspec|httpx|mmh3)=='
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider

## bench: measured comparisons against reference tools (prints ratios)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/hostile.py
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/push.py
	$(BIN)/python benchmarks/decisions.py
	$(BIN)/python benchmarks/approvals.py
	$(BIN)/python benchmarks/routing.py
	@if [ -x .venv-e2e/bin/litellm ]; then $(BIN)/python benchmarks/gateway.py; \
	else echo "benchmarks/gateway.py needs the LiteLLM proxy: make e2e prepares it"; fi

## smoke: build the wheel, install it in a fresh venv, run it from another directory
smoke: $(STAMP)
	rm -rf dist .venv-smoke
	$(BIN)/python -m hatchling build -t wheel -d dist
	$(PYTHON) -m venv .venv-smoke
	.venv-smoke/bin/python -m pip install --quiet dist/*.whl
	cd /tmp && $(abspath .venv-smoke/bin/hybridctl) --version
	cd /tmp && $(abspath .venv-smoke/bin/python) -c 'from hybridctl.usage.scan import available_reader as r; print("usage reader:", r())'
	cd /tmp && $(abspath .venv-smoke/bin/hybridctl) validate --defaults

clean:
	rm -rf $(VENV) .venv-smoke .venv-lowest .venv-e2e dist build site .pytest_cache .mypy_cache .ruff_cache hybridctl/usage/*.so
