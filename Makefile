# Descent: one command builds the book, one runs every test. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# `make nbval NB=book/05_momentum.ipynb` checks one notebook
NB ?= book
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0
# The same floating-point code paths on every x86-64 machine (tools/run_notebooks.py, reproducible_env):
# MKL's reproducible BLAS branch and ATen's AVX2 kernels, so the stored outputs hold on Intel and AMD.
export MKL_CBWR := COMPATIBLE
ifeq ($(shell uname -m),x86_64)
export ATEN_CPU_CAPABILITY := avx2
export ONEDNN_MAX_CPU_ISA := AVX2
endif

.PHONY: help env book test lint unit nbval build-check notebooks lab student student-site translations release-check fork release bench grade clean

help:
	@echo "make book       build the website into _build/html and its Chinese edition into _build/html/zh (creates .venv and installs on first use)"
	@echo "make test       lint, unit tests, strict nbval over every notebook, a book build"
	@echo "make notebooks  re-execute every notebook in place (the only way outputs change)"
	@echo "make lab        open the notebooks in JupyterLab (make lab EDITION=student: the student edition)"
	@echo "make student    write the student edition to _build/student (the Chinese one to _build/student/zh)"
	@echo "make translations  after an English change: update the catalogs in locales/zh_CN and the Chinese notebooks"
	@echo "make student-site  build the website without solutions into _build/student-site/_build/html"
	@echo "make fork REPO=https://github.com/you/descent   point install lines, _config.yml, CITATION.cff at a fork"
	@echo "make release    check that every copy names this repository and release, then tag v<version>"
	@echo "make grade SUBMISSIONS=<folder> [TIMEOUT=<s>]   grade a class: grades.csv, summary.csv, report.md (book/instructors.md)"
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

# Strict nbval in a Colab-like kernel: a virtual environment with only course_lib and its declared
# dependencies (tools/fresh_env.py), so one run proves the outputs reproduce and that no chapter needs
# anything the package does not install.
nbval: env
	$(PY) tools/fresh_env.py
	$(PY) -m pytest -q -n 2 --dist loadscope --nbval --nbval-kernel-name descent-colab \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(NB)

# The book is built first: the browser tests in `unit` read _build/html.
test: lint book unit nbval

notebooks: env
	$(PY) tools/run_notebooks.py

# JupyterLab refuses to run as root without --allow-root (containers, CI machines): add it only then.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
EDITION ?= full

lab: env
ifeq ($(EDITION),student)
	$(PY) tools/student.py
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) _build/student
else
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) book
endif

student: env
	$(PY) tools/student.py
	$(PY) -m tools.i18n student

# The Chinese edition's catalogs (one per document) and Chinese notebooks, after the English changed.
translations: env
	$(PY) -m tools.i18n update

student-site: env
	$(PY) tools/student.py --site

release-check: env
	$(PY) tools/release.py check

fork: env
	@test -n "$(REPO)" || { echo "usage: make fork REPO=https://github.com/you/descent"; exit 2; }
	$(PY) tools/release.py sync --repo "$(REPO)"

release: env
	$(PY) tools/release.py tag

bench: env
	$(PY) bench/run.py

# make grade SUBMISSIONS=<folder> [TIMEOUT=<seconds per notebook>] [MEMORY=<MiB per kernel>] [JOBS=2]
#   [CHECKS=<instructor rules .py>] [CHAPTERS="4 5"] [PREFIX="docker run ..."] [WORKER_PYTHON=python]
TIMEOUT ?= 600
MEMORY ?= 4096
JOBS ?= 2
grade: env
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder> [TIMEOUT=<seconds per notebook>] (see book/instructors.md)"; exit 2; }
	$(PY) -m tools.grade "$(SUBMISSIONS)" --timeout $(TIMEOUT) --memory $(MEMORY) --jobs $(JOBS) \
		$(if $(CHECKS),--checks "$(CHECKS)") $(if $(CHAPTERS),--chapters $(CHAPTERS)) \
		$(if $(PREFIX),--prefix '$(PREFIX)') $(if $(WORKER_PYTHON),--python '$(WORKER_PYTHON)')

clean:
	rm -rf _build
