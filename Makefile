# Descent: one command builds the book, one runs every test. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0

.PHONY: help env book test lint unit nbval build-check notebooks lab student bench clean

help:
	@echo "make book       build the website into _build/html (creates .venv and installs on first use)"
	@echo "make test       lint, unit tests, strict nbval over every notebook, a book build"
	@echo "make notebooks  re-execute every notebook in place (the only way outputs change)"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make student    write the student edition to _build/student"
	@echo "make bench      measure build, run and widget speed (bench/run.py)"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

env: $(STAMP)

book: env
	$(PY) tools/build_book.py

lint: env
	$(VENV)/bin/ruff check course_lib tests tools bench book
	$(VENV)/bin/ruff format --check book

unit: env
	$(PY) -m pytest -q -n 2 --dist loadscope tests

nbval: env
	$(PY) -m pytest -q -n 2 --dist loadscope --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg book

# The book is built first: the browser tests in `unit` read _build/html.
test: lint book unit nbval

notebooks: env
	$(PY) tools/run_notebooks.py

lab: env
	$(VENV)/bin/jupyter lab book

student: env
	$(PY) tools/student.py

bench: env
	$(PY) bench/run.py

clean:
	rm -rf _build
