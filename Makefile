# Two commands from a bare clone: `make demo` and `make test`. Each sets up .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CODE := bot handlers storage run.py
LINTED := $(CODE) tests bench

.PHONY: demo test lint typecheck pytest install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python run.py demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info

# Benchmarks: each prints its figures next to an echo bot measured in the same run (bench/README.md)
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench.questions
	$(BIN)/python -m bench.questions --items 3000
	$(BIN)/python -m bench.signups
	$(BIN)/python -m bench.broadcast
	$(BIN)/python -m bench.week
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.memory
