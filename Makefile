# Two commands for a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= sqlite:///./ldindex.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.serve-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.serve-installed

serve: $(VENV)/.serve-installed
	$(BIN)/ldindex --quiet ingest --db $(DB) examples/
	$(BIN)/ldindex serve --db $(DB) --host $(HOST) --port $(PORT)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collects no tests: that is a failure here, said out loud.
test: lint
	@$(BIN)/python -m pytest -n auto --dist loadgroup; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

$(VENV)/.bench-installed: pyproject.toml $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# BENCH_DB=sqlite (or postgresql) measures one backend; both by default.
bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py $(if $(BENCH_DB),--db $(BENCH_DB))

clean:
	rm -rf $(VENV) ldindex.db ldindex.db-* ldindex-files ldindex-published bench/results
