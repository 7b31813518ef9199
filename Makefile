# kt-run: `make demo` installs everything and runs the seed example; `make test` runs the tests.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: install demo test test-fast lint format bench clean chromium

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: install
	$(BIN)/kt-run search configs/digits.yaml
	$(BIN)/kt-run best

# Three test processes (pytest-xdist) even on two cores: many slow tests wait on a kt-run, Dask
# or worker process they started, so a third keeps the cores busy (2 cores, same tree: 7:04 with
# -n 3 against 7:52 with -n 4). The fast part only computes: two (1:16 against 1:22 with -n 3).
test: install
	$(BIN)/python -m pytest -q -n 3

test-fast: install
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) results .pytest_cache

# The report's browser test needs Debian's chromium; skipped when it is already there.
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: already installed"; else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi

# Hyperband vs KerasTuner's Hyperband: best val_accuracy against epochs trained, on digits.
.PHONY: bench-multifidelity
bench-multifidelity: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/multifidelity.py --seeds 0 1 2 --max-epochs 9 --factor 3

# Search quality of strategy bayesian against KerasTuner and Optuna (about 30 minutes; options:
# BENCH_ARGS="--quick" or "--seeds 10 --trials 30 60 --functions branin mixed --jobs 2").
.PHONY: bench-strategies
bench-strategies: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/strategy_quality.py $(BENCH_ARGS)
