# Quick start: `make book` builds the website, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Everything ruff looks at: the package, tests, benchmarks, notebooks and book extensions.
LINTED := lecturekit tests benchmarks notebooks _ext

.PHONY: book test lint unit notebooks build-strict browser lab clean venv

venv: $(STAMP)

# Reinstall whenever a requirements file or the package metadata changes.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "Open: file://$(CURDIR)/_build/html/index.html"

test: lint unit notebooks build-strict browser
	@echo "All checks passed."

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser" -n 2 --dist loadscope -q

# Lax mode: notebooks are committed without outputs, so the checks are assertion cells.
notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env \
		-n 2 --dist loadscope -q notebooks

build-strict: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

browser: $(STAMP)
	$(BIN)/python -m pytest tests -m browser -q

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
