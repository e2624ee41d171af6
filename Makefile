# Two commands for a newcomer: `make run` and `make test`. Everything installs from the lock
# file into .venv, so every machine runs the versions CI tested.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest fmt lock bench bench-full bench-compare bench-web clean \
	cluster-test restore-drill fuzz audit-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e clients/python
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/canet serve --migrate --demo

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy app bench

pytest: $(STAMP)
	$(BIN)/pytest

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet "pip-tools>=7.4,<8"
	$(BIN)/pip-compile --quiet --extra dev --extra s3 --generate-hashes --strip-extras --allow-unsafe \
		-o requirements.lock pyproject.toml

# Measured speed of the real server (bench/): quick (< 5 minutes, short windows) and full
# (18 s windows, 1,000,000 posts for search, 5,000 websockets, then the largest number of
# members served at once: `python -m bench users N` runs one size alone). Set
# CANET_BENCH_DATABASE_URL to use a PostgreSQL server; without it an embedded one is started.
bench: $(STAMP)
	$(BIN)/python -m bench

bench-full: $(STAMP)
	$(BIN)/python -m bench --full

# CPU per request in process, this tree against REF (default 46392c9), same machine, same run.
REF ?= 46392c9
bench-compare: $(STAMP)
	$(BIN)/python -m bench.compare --ref $(REF)

# The web client's first load in Chromium: compressed bytes, and time until sign-in is usable.
bench-web: $(STAMP)
	$(BIN)/python -m bench.webclient

# Three canet nodes behind HAProxy on a PostgreSQL of their own, with nodes killed and rolled
# and the database restarted mid-run (tests/cluster). make test runs a short form.
cluster-test: $(STAMP)
	CANET_CLUSTER_FULL=1 $(BIN)/pytest -q -p no:cacheprovider tests/cluster

# Back up, restore into a fresh cluster with the keys supplied apart, verify (tests/operations).
# make test runs a short form.
restore-drill: $(STAMP)
	CANET_RESTORE_FULL=1 $(BIN)/pytest -q -p no:cacheprovider tests/operations/test_restore_drill.py

# Hostile input at every operation of the OpenAPI document, as every role; make test runs a
# short form with few examples per operation.
fuzz: $(STAMP)
	CANET_FUZZ_FULL=1 $(BIN)/pytest -q -p no:cacheprovider tests/fuzz

# Known vulnerabilities in the locked dependencies. Needs the vulnerability database online,
# so it is not part of make test (.github/workflows/audit-deps.yml runs it daily). Accepting
# a finding takes a reason and an expiry in .ci/accepted-vulnerabilities.toml.
audit-deps: $(STAMP)
	$(BIN)/python .ci/audit_deps.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
