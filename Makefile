# Two commands from a bare clone: `make demo` and `make test`. Each sets up .venv when needed.
# `make install`: a .venv with the runtime dependencies only, to run the bot as a service.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime
CODE := bot handlers storage run.py
LINTED := $(CODE) tests bench
# Exact versions with their hashes, made from pyproject.toml's bounds by `make lock`
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock

.PHONY: demo test lint typecheck pytest install lock clean

# Everything: the runtime and the development tools (tests, linters, benchmarks)
$(STAMP): $(DEV_LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --requirement $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $(STAMP)

# The runtime only: what the service runs (deploy/README.md)
$(RUNTIME_STAMP): $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --requirement $(LOCK)
	touch $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)

# Refresh both lock files: the newest versions pyproject.toml allows (pip-tools, in a venv of its own)
LOCK_VENV := $(or $(TMPDIR),/tmp)/rencontre-lock-venv
LOCK_FLAGS := --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || \
		($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet pip-tools)
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) \
		--output-file $(LOCK) pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) \
		--extra dev --output-file $(DEV_LOCK) pyproject.toml

demo: $(STAMP)
	$(BIN)/python run.py demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: $(STAMP)
	$(BIN)/mypy

# Three workers (pytest-xdist): most tests wait on a bot, a subprocess or a socket rather than
# compute, so three share two cores well. `make pytest WORKERS=0` runs the suite in one process.
WORKERS ?= 3
pytest: $(STAMP)
	$(BIN)/python -m pytest -q $(if $(filter 0,$(WORKERS)),,-n $(WORKERS))

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
	$(BIN)/python -m bench.stop
	$(BIN)/python -m bench.backup
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.web

# Mutation testing (QUALITY.md): mutmut over the modules that carry the guarantees, one worker
# (MUTANT_JOBS=2: twice as fast, but a loaded machine made a test fail once), then the score per
# module. Not part of `make test`. `make mutants MODULE=storage.outbox` runs one module.
MUTANT_JOBS ?= 1
.PHONY: mutants
# No $(STAMP) prerequisite: it would reinstall a .venv shared between worktrees (QUALITY.md, Time)
mutants:
	test -x $(BIN)/mutmut || $(MAKE) $(STAMP)
	$(BIN)/mutmut run --max-children $(MUTANT_JOBS) $(if $(MODULE),"$(MODULE).*") > mutants.log 2>&1 || \
		(tail -c 2000 mutants.log; exit 1)
	$(BIN)/python -m bench.mutants $(if $(MODULE),--module $(MODULE))
