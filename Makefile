# Quick start: `make book` builds the website, `make test` runs every check, `make test-fast`
# (under a minute) the formulas' and the fast unit tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every transitive package, pinned (README: "Refreshing the pins and the lock").
LOCK   := constraints.txt
# Everything ruff looks at: the package, tests, benchmarks, notebooks and book extensions.
LINTED := lecturekit tests benchmarks notebooks _ext tools
# myst-nb's jupyter-cache (execute_notebooks: cache in _config.yml).
NB_CACHE := _build/.jupyter_cache
# No environment variable: the book builds the same from `make book` as from a plain
# `jupyter-book build .` (lecturekit.context.interactive tells unattended runs apart itself).
# The PDF edition, named after the book (latex.latex_documents.targetname in _config.yml).
PDF := _build/latex/$(shell sed -n 's/^ *targetname: *\(.*\)\.tex *$$/\1/p' _config.yml).pdf
# Tests and chapters whose numbers come from iterative optimisation, rerun under other
# OpenBLAS kernels (other rounding) by `make test-kernels`.
KERNELS ?= SandyBridge Nehalem Haswell
OPTIMISED_TESTS := tests/test_train.py tests/test_pinn.py tests/test_inverse.py
OPTIMISED_NOTEBOOKS := notebooks/05_training.ipynb notebooks/07_pinns.ipynb \
	notebooks/08_inverse_problems_view.ipynb

.PHONY: book pdf test test-fast lint unit notebooks build-strict strict-html browser test-kernels torch \
	lock lab lab-test student lab-student release book-student clean venv install-cells \
	bench bench-quick

venv: $(STAMP)

# Reinstall whenever a requirements file, the lock or the package metadata changes.
$(STAMP): requirements.txt $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip -c $(LOCK)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c $(LOCK)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Optional PyTorch, the CPU build, under the same lock (which names torch==2.13.0+cpu only).
torch: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-torch.txt -c $(LOCK)

# Re-resolve the lock from the direct pins, in a scratch venv outside the repository (without
# the requirements' own `-c` line, which would hold the old lock).
lock:
	scratch=$$(mktemp -d) && \
	$(PYTHON) -m venv $$scratch/venv && \
	$$scratch/venv/bin/python -m pip install --quiet --upgrade pip && \
	grep -hv -e '^-e' -e '^-c' requirements.txt requirements-torch.txt > $$scratch/direct.txt && \
	$$scratch/venv/bin/python -m pip install --quiet -r $$scratch/direct.txt && \
	{ sed -n '/^#/p' $(LOCK); $$scratch/venv/bin/python -m pip freeze --all | grep -v '^-e'; } \
		> $$scratch/lock.txt && \
	mv $$scratch/lock.txt $(LOCK) && rm -rf $$scratch
	@echo "$(LOCK): $$(grep -c '==' $(LOCK)) packages"

# A full build, never on stale pages: the cache, the HTML and the doctrees of any earlier
# build are removed, so every page is read again and every notebook runs against today's
# lecturekit. (A plain `jupyter-book build .` is safe too: _ext/fresh_build.py re-reads every
# page and empties the cache when lecturekit changed.)
book: $(STAMP)
	rm -rf $(NB_CACHE) _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --keep-going
	@echo "Open: file://$(CURDIR)/_build/html/index.html"

# Each notebook executes once: nbval runs it as a test and records it into the cache that
# the strict build then reads (strict-html), instead of executing it a second time.
test: $(STAMP)
	@for stage in lint unit notebooks strict-html browser; do \
		start=$$(date +%s); $(MAKE) --no-print-directory $$stage || exit 1; \
		echo "== make $$stage: $$(( $$(date +%s) - start )) s"; \
	done
	@echo "All checks passed."

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# Tests are dealt to the two workers one by one (a module's tests may run on both), except
# those of an xdist_group, which share an expensive module fixture and stay on one worker.
unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser" -n 2 --dist loadgroup -q

# Under a minute, while editing: the formulas' tests (tests/test_formulas_*.py), the layers'
# rules (tests/test_layers.py) and every other unit test not marked slow. `make test` runs all.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser and not slow" -n 2 --dist loadscope -q

# Lax mode: notebooks are committed without outputs, so the checks are assertion cells.
# The cache is emptied first: it then holds only this run's executions (notebooks/conftest.py).
notebooks: $(STAMP)
	rm -rf $(NB_CACHE)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env \
		-n 2 --dist loadscope -q notebooks --record-into $(NB_CACHE)
	$(BIN)/python _ext/fresh_build.py stamp $(NB_CACHE)

# The strict build on its own executes every notebook itself.
build-strict: $(STAMP)
	rm -rf $(NB_CACHE)
	$(MAKE) strict-html

# Warnings are errors. Never on stale pages: the HTML and doctrees of any earlier build are
# removed, so every page is read again; notebooks come from the cache only if their code is
# what was executed (the cache key), else they are executed now.
strict-html: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . -W -n --keep-going

# The whole book as one PDF, offline (XeLaTeX from Debian's TeX packages, README). Notebooks
# come from the cache when their code and lecturekit are unchanged, else they run now. The
# HTML is then built again so that the site links the PDF (_ext/book_settings.py copies it).
pdf: $(STAMP)
	rm -rf _build/latex
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	$(BIN)/python -m pytest tests/test_pdf.py -q
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "PDF: $(PDF)"

# After setting repository.url or repository.lecturekit_ref in _config.yml: rewrite the first
# cell of every chapter, which installs lecturekit on Colab (tools/install_cell.py).
install-cells: $(STAMP)
	$(BIN)/python tools/install_cell.py

# One process per file: each starts its own Playwright (two sync Playwrights cannot share one).
# test_browser.py visits each page of the book once and checks everything there, explorers
# and accessibility (axe-core, light and dark) included.
# The two files run side by side (each process starts its own Playwright; both spend most of
# their time waiting on Chromium and JupyterLab); the JupyterLab run's report follows the book's.
browser: $(STAMP)
	@log=$$(mktemp); \
	$(BIN)/python -m pytest tests/test_jupyterlab.py -m browser -q > $$log 2>&1 & lab=$$!; \
	$(BIN)/python -m pytest tests/test_browser.py -m browser -q; book=$$?; \
	wait $$lab; labrc=$$?; echo "== tests/test_jupyterlab.py"; cat $$log; rm -f $$log; \
	test $$book -eq 0 -a $$labrc -eq 0

# The chapters in a real JupyterLab (jupyterlab-myst): MyST rendered, solutions closed, the
# explorers respond. Its kernel runs as a student's does.
lab-test: $(STAMP)
	$(BIN)/python -m pytest tests/test_jupyterlab.py -q

# Student notebooks, without solutions or outputs (tools/student.py). A folder whose
# notebooks were changed since (a student's answers) is never overwritten: the tool refuses.
STUDENT := _build/student
student: $(STAMP)
	$(BIN)/python tools/student.py notebooks $(STUDENT)/notebooks

# What a student sees: the student notebooks in JupyterLab. Answers are saved in that folder,
# which is then left as it is (not refreshed) until it is removed (`make clean` removes it).
lab-student: $(STAMP)
	$(BIN)/python tools/student.py notebooks $(STUDENT)/notebooks --keep-changed
	$(BIN)/jupyter lab $(STUDENT)/notebooks

# The student release: the tree a lecturer pushes to the public student repository
# (student_release in _config.yml), and its zip. README: "JupyterLab, student notebooks ...".
release: $(STAMP)
	$(BIN)/python tools/student.py release $(STUDENT)/release

# The student edition of the book: a staged copy whose notebooks and pages are the student
# versions and whose buttons open the student release, built (its notebooks executed) into
# _build/student/html, with the release's zip beside the pages for the site to link.
book-student: release
	$(BIN)/python tools/student.py book $(STUDENT)/book
	$(BIN)/jupyter-book build $(STUDENT)/book --keep-going
	rm -rf $(STUDENT)/html
	mv $(STUDENT)/book/_build/html $(STUDENT)/html
	cp $(STUDENT)/release.zip $(STUDENT)/html/student-release.zip
	@echo "Open: file://$(CURDIR)/$(STUDENT)/html/index.html"

# After `make test`: the optimisation tests and chapters again under each OpenBLAS kernel in
# KERNELS, the variable set for each command alone. .ci/blas_kernel.py first shows which
# kernel loaded and fails unless it is the one requested. Tests and notebooks run as two
# commands (tests/ and notebooks/ each have a conftest module; in one run they would clash).
# Every kernel runs; any failure fails the target at the end.
test-kernels: $(STAMP)
	@failed=""; for kernel in $(KERNELS); do \
		echo "== OpenBLAS kernel $$kernel"; \
		OPENBLAS_CORETYPE=$$kernel $(BIN)/python .ci/blas_kernel.py $$kernel || exit 1; \
		OPENBLAS_CORETYPE=$$kernel $(BIN)/python -m pytest -q -n 2 --dist loadscope \
			$(OPTIMISED_TESTS) || failed="$$failed $$kernel(tests)"; \
		OPENBLAS_CORETYPE=$$kernel $(BIN)/python -m pytest -q -n 2 \
			--dist loadscope --nbval-lax --nbval-current-env \
			$(OPTIMISED_NOTEBOOKS) || failed="$$failed $$kernel(notebooks)"; \
	done; \
	if [ -n "$$failed" ]; then echo "Failed under OpenBLAS kernel(s):$$failed"; exit 1; fi
	@echo "Passed under OpenBLAS kernels: $(KERNELS)"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

# Every benchmark; tables (markdown + JSON, with the machine) go to benchmarks/results/.
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --quick
