# Everything installs into .venv from uv.lock (exact versions and hashes); `make run` and
# `make test` work on a fresh machine with the very versions CI used.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# uv installs the lock; the lock pins uv too, so the bootstrap takes the version it names.
UV_VERSION := $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
CODE := bot handlers storage admin content
CHECKED := $(CODE) tests $(wildcard bench)
LOCALES := content/locale

.PHONY: install run test lint fmt typecheck i18n i18n-check lock lock-upgrade lock-check bench clean

$(BIN)/.installed: pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) sync -q --frozen --extra test --python $(BIN)/python
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/binhyen serve

# Two test processes (pytest-xdist), a test file each at a time: each has its own PostgreSQL
# database and Redis key prefix (tests/conftest.py). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2
test: install
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format $(CHECKED)
	$(BIN)/ruff check --fix $(CHECKED)

typecheck: install
	$(BIN)/mypy $(CODE)

# Extract the ids the source uses, merge them into both catalogs, compile, then check that
# every id is translated in both languages.
i18n: install
	$(BIN)/pybabel -q extract -F babel.cfg -k Msg -k say -k translate -k choice:2 -o $(LOCALES)/binhyen.pot --no-location --omit-header .
	$(BIN)/pybabel -q update -D binhyen -i $(LOCALES)/binhyen.pot -d $(LOCALES) --no-fuzzy-matching --omit-header --ignore-obsolete
	$(BIN)/pybabel -q compile -D binhyen -d $(LOCALES) --statistics
	$(BIN)/binhyen content check

i18n-check: install
	$(BIN)/binhyen content check

# After changing the dependencies in pyproject.toml: resolve them into uv.lock, keeping every
# other pin. `make lock-upgrade` moves every pin to the newest release the ranges allow.
lock: install
	$(UV) lock

lock-upgrade: install
	$(UV) lock --upgrade

# CI: the lock matches pyproject.toml.
lock-check: install
	$(UV) lock --check

bench: install
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_rss.py
	$(BIN)/python bench/bench_tips.py
	$(BIN)/python bench/bench_telegram.py
	$(BIN)/python bench/bench_scamcheck.py
	$(BIN)/python bench/bench_panel.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info binhyen.db*
