# Two commands: `make run` (set up, migrate, load demo data, serve on 127.0.0.1:5000)
# and `make test` (every test, on SQLite and, when a server answers, PostgreSQL).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app reintegration
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
CATALOGS = $(wildcard reintegration/translations reintegration/*/translations)

.PHONY: setup run test test-sqlite test-postgres translations extract bench bench-full soak clean

setup: $(VENV)/.installed node_modules/.installed translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

translations: $(VENV)/.installed
	@for d in $(CATALOGS); do $(BIN)/pybabel -q compile -d $$d || exit 1; done

# Developers: refresh the catalogs from the source (then translate the new entries).
extract: $(VENV)/.installed
	$(BIN)/python -m reintegration.i18n_catalogs

run: setup
	$(FLASK) init-instance
	$(FLASK) db upgrade
	$(FLASK) partners load
	$(FLASK) demo
	REINTEGRATION_PUBLIC_URL=http://127.0.0.1:5000 $(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	$(MAKE) test-sqlite
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
		$(MAKE) test-postgres; \
	else \
		echo "PostgreSQL does not answer on 127.0.0.1:5432: PostgreSQL run skipped."; \
	fi

test-sqlite:
	$(BIN)/python -m pytest

test-postgres:
	REINTEGRATION_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/run.py --scale quick

bench-full: setup
	$(BIN)/python bench/run.py --scale full

soak: setup
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
