# One command to set up and run, one to set up and test. The venv is rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: run test check bench lint format extract catalogs

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -e '.[dev]'
	@touch $(STAMP)

catalogs: $(STAMP)
	@$(BIN)/pybabel -q compile -d locales -D messages

run: catalogs
	@$(BIN)/python -m bot

test: catalogs
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/python -m bot check
	@$(BIN)/python -m pytest

check: catalogs
	@$(BIN)/python -m bot check

bench: catalogs
	@$(BIN)/python -m bench
	@$(BIN)/python -m bench.digest

lint: $(STAMP)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

# Re-extract interface strings from the code and merge them into every catalog.
extract: $(STAMP)
	@$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output \
		--no-default-keywords -k _ -k plural:1,2 -k N_ -k locale_str -o locales/messages.pot bot
	@$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
