# finops-pipeline: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
VENV := .venv
BIN := $(VENV)/bin
# dagster-dbt runs `dbt` from PATH: the project environment goes first.
export PATH := $(CURDIR)/$(BIN):$(PATH)
PYTEST_WORKERS ?= 2

.PHONY: help install demo test eval dev bench lint fmt validate clean focus-validator

help:
	@echo "make demo      install, generate the demo estate, run the main job into warehouse/finops.duckdb"
	@echo "make test      install and run the whole test suite"
	@echo "make eval      the engine on real labeled telemetry beside baselines, and the demo bars over 5 seeds"
	@echo "make dev       Dagster UI on the same warehouse (http://127.0.0.1:3000)"
	@echo "make bench     load/staging benchmark on a 10M-row CUR month"
	@echo "make lint      ruff"
	@echo "make focus-validator  FinOps Foundation focus-validator in its own Python 3.12 venv (.venv-focus)"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

demo: install
	$(BIN)/finops demo

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

# Not part of `make test`: real-telemetry scoring and five seeded demo estates take 8-15 minutes.
EVAL_SEEDS ?= 5
eval: install
	@start=$$(date +%s); \
	$(BIN)/python -m ml.timeseries.evaluate --check && \
	$(BIN)/python -m orchestration.demo_eval --seeds $(EVAL_SEEDS); rc=$$?; \
	echo "make eval took $$(( $$(date +%s) - start ))s"; exit $$rc

dev: install
	$(BIN)/finops dev

bench: install
	$(BIN)/python -m tests.bench.run

validate: install
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/dagster definitions validate -w workspace_demo.yaml

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# focus-validator needs Python >= 3.12, pyarrow<20 and numpy<2: it gets its own venv, made once.
FOCUS_VENV := .venv-focus
# python3.12 on PATH, else a pyenv 3.12 install (the pyenv shim alone may not resolve it).
FOCUS_PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	$$p -c '' >/dev/null 2>&1 && { echo $$p; break; }; done)

focus-validator: $(FOCUS_VENV)/.installed

$(FOCUS_VENV)/.installed:
	@test -n "$(FOCUS_PYTHON)" || { echo "python3.12 not found: focus-validator needs Python >= 3.12" >&2; exit 1; }
	$(FOCUS_PYTHON) -m venv $(FOCUS_VENV) && $(FOCUS_VENV)/bin/pip install -q focus-validator "pyarrow<20" "numpy<2"
	@touch $@

clean:
	rm -rf warehouse .dagster_home demo_estate bench_data dbt_project/target dbt_project/logs
