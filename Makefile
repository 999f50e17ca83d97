# The two commands a newcomer needs (README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := $(firstword $(wildcard ../shared/seeds/000_44588754ff247d3f.txt) tests/data/note_5484_24.txt)
NOTE_DATE := 2024-02-06

.PHONY: demo test lint bench clean

$(BIN)/calendar-svc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Install, create the embedded SQLite database, import the sample note, and
# print what is upcoming, awaiting a date and overdue as of the note's date.
demo: $(BIN)/calendar-svc
	$(BIN)/calendar-svc init-db
	$(BIN)/calendar-svc ingest $(SAMPLE) --now $(NOTE_DATE)
	$(BIN)/calendar-svc agenda --now $(NOTE_DATE)

lint: $(BIN)/calendar-svc
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Everything CI runs: lint, the layering contract, the types, the whole suite, and the wheel.
# Test files are spread over one process per core; each has its own databases.
test: lint
	$(BIN)/pytest -n auto --dist loadfile --durations=25
	PYTHON=$(BIN)/python scripts/check-wheel

# The benchmarks' peers (Radicale) come from the bench extra.
bench: $(BIN)/calendar-svc
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance dist build .pytest_cache .ruff_cache .mypy_cache .hypothesis
