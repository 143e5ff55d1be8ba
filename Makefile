# The few verbs a newcomer needs. Without DATABASE_URL / REDIS_URL, embedded PostgreSQL and
# Redis (from pip wheels) are started under var/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck bench load clean-var

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m config.devserver

# Two processes (these machines have two cores); each gets its own test database. Whole files go
# to one worker each, in the order collected (pyproject's testpaths: the long files first), not
# xdist's default of the files with most tests first, which left the longest single tests
# (schemathesis, the browser walks) to the end, with one worker idle while the other ran them.
test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/python benchmarks/api_sync.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/reminder_sweep.py

load: $(STAMP)
	$(BIN)/python benchmarks/load.py

clean-var:
	-$(BIN)/python -c "from config import embedded; embedded.stop_postgres(); embedded.stop_redis()"
	rm -rf var
