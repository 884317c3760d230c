# Everything installs into .venv; `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CODE := bot handlers storage admin content
CHECKED := $(CODE) tests $(wildcard bench)
LOCALES := content/locale

.PHONY: install run test lint fmt typecheck i18n i18n-check bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/binhyen serve

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/ruff check $(CHECKED)

fmt: install
	$(BIN)/ruff format $(CHECKED)
	$(BIN)/ruff check --fix $(CHECKED)

typecheck: install
	$(BIN)/mypy $(CODE)

# Extract the ids the source uses, merge them into both catalogs, compile, then check that
# every id is translated in both languages.
i18n: install
	$(BIN)/pybabel extract -q -F babel.cfg -k Msg -k say -k translate -k choice:2 -o $(LOCALES)/binhyen.pot --no-location --omit-header .
	$(BIN)/pybabel update -q -D binhyen -i $(LOCALES)/binhyen.pot -d $(LOCALES) --no-fuzzy-matching --omit-header --ignore-obsolete
	$(BIN)/pybabel compile -q -D binhyen -d $(LOCALES) --statistics
	$(BIN)/binhyen content check

i18n-check: install
	$(BIN)/binhyen content check

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
