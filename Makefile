# Interview calibration workbook: set-up, tests and the apps.
#
# Quick start:   make lab    (creates .venv, installs everything, opens JupyterLab)
#                make test   (creates .venv if needed, runs the whole suite)
# `make help` lists every target.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The stamp is newer than pyproject.toml once the pinned dependencies are
# installed; editing pyproject.toml makes the next target reinstall them.
STAMP := $(VENV)/.installed
NOTEBOOK_DIR := notebooks
INTERVIEW_NOTEBOOK := $(NOTEBOOK_DIR)/interview_app.ipynb
VOILA_PORT ?= 8866
# `make interview` listens on every interface so colleagues can reach it; it is
# never served without a token (a fresh one each start unless INTERVIEW_TOKEN is set in the
# environment: `export INTERVIEW_TOKEN=...`, not `make interview INTERVIEW_TOKEN=...`, which would
# put it on make's own command line).
VOILA_HOST ?= 0.0.0.0
INTERVIEW_TOKEN ?=
# Jupyter refuses to start as root unless told it may (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k store -x"`.
PYTEST_ARGS ?=
# pytest-xdist workers: `auto` is one per CPU. --dist loadfile keeps each file (and so each
# notebook, whose cells share one kernel) on one worker. `make test TEST_WORKERS=0` runs serially.
TEST_WORKERS ?= auto
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

# One pytest run: the unit and browser tests in tests/, and nbval on every
# notebook (--nbval only applies to .ipynb files, so it does not change how
# tests/ is collected). $(wildcard) keeps the run working before the first
# notebook is committed (git does not keep empty folders).
PYTEST_COMMAND := $(BIN)/pytest tests $(wildcard $(NOTEBOOK_DIR)) \
	--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--output=test-artifacts/playwright -ra $(XDIST) $(PYTEST_ARGS)

# The tests whose numbers come from BLAS-backed linear algebra, and nbval on every notebook: run
# again under another OpenBLAS kernel (`make test-numeric`, and .ci/run) to prove that what the
# tables, figures and notebooks show does not depend on the CPU they were computed on.
NUMERIC_TESTS := tests/test_severity.py tests/test_calibration.py tests/test_discrimination.py \
	tests/test_discrimination_severity.py tests/test_items.py tests/test_reliability.py tests/test_design.py \
	tests/test_charts.py tests/test_codes.py \
	tests/test_demo.py tests/test_report.py tests/test_brief.py tests/test_debrief.py tests/test_irt.py
NUMERIC_BLAS := OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

.PHONY: help venv lab test test-numeric notebooks interview report bench validate check clean distclean

help:
	@echo "make lab        create .venv if needed and open JupyterLab on notebooks/"
	@echo "make test       create .venv if needed and run the whole suite (pytest, nbval, browser tests)"
	@echo "make test-numeric  the numeric tests and nbval again under another BLAS kernel (OpenBLAS Prescott, 1 thread)"
	@echo "make venv       create .venv and install the package with its test extras"
	@echo "make notebooks  execute every notebook in place (refreshes the outputs nbval compares)"
	@echo "make interview  serve the interviewer app ($(INTERVIEW_NOTEBOOK)) on port $(VOILA_PORT), with a token"
	@echo "make report     write the calibration report for data/ into reports/"
	@echo "make check      validate data/ and list every problem with file and line"
	@echo "make bench      run the benchmark suite (benchmarks/run.py)"
	@echo "make validate   run the validation study (validation/, ~5 min in $(VALIDATE_JOBS) processes; VALIDATE_ARGS=--quick for a small grid)"
	@echo "make clean      remove generated reports, test artifacts and build files"
	@echo "make distclean  clean, and remove .venv"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	touch $@

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) $(NOTEBOOK_DIR)/

test: $(STAMP)
	$(PYTEST_COMMAND)

test-numeric: $(STAMP)
	$(NUMERIC_BLAS) $(BIN)/pytest $(NUMERIC_TESTS) $(wildcard $(NOTEBOOK_DIR)) \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		-m "not browser" -ra -q $(XDIST) $(PYTEST_ARGS)

# No per-cell timestamps and no saved widget state in the committed notebooks:
# re-running them then changes only what the outputs really show.
notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.store_widget_state=False $(NOTEBOOK_DIR)/*.ipynb

# The token never reaches a command line (any local user reads /proc/<pid>/cmdline): the recipe reads
# INTERVIEW_TOKEN from its environment ($$INTERVIEW_TOKEN, expanded by the shell, not by make, so it
# is not in the text of the shell's own command line either) or makes a fresh one inside the shell,
# and hands it to Voila in JUPYTER_TOKEN, which Jupyter's identity provider reads when
# Voila.auto_token is on (/proc/<pid>/environ is readable by its owner only). The address printed
# for sharing is the host Voila listens on (a name for 0.0.0.0 / ::, else VOILA_HOST itself).
interview: $(STAMP)
	@token="$${INTERVIEW_TOKEN:-}"; \
	if [ -z "$$token" ]; then token=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))'); fi; \
	host="$(VOILA_HOST)"; \
	case "$$host" in 0.0.0.0|::|"") host=$$(hostname -f 2>/dev/null || hostname);; *:*) host="[$$host]";; esac; \
	echo "Interviewer app: http://$$host:$(VOILA_PORT)/?token=$$token"; \
	echo "Share that address, token included, with the interviewers; without the token the app refuses."; \
	JUPYTER_TOKEN="$$token" exec $(BIN)/voila $(INTERVIEW_NOTEBOOK) --port=$(VOILA_PORT) --no-browser \
		--Voila.ip=$(VOILA_HOST) --Voila.auto_token=True

report: $(STAMP)
	$(BIN)/python -m analysis report

check: $(STAMP)
	$(BIN)/python -m analysis check

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The simulation study of issue 9: designs x response models x sizes, cached per cell in
# validation/cache/, writes validation/results.csv, RESULTS.md and recovery.png.
VALIDATE_ARGS ?=
# worlds of the validation grid computed at once (worker processes; the cache files never collide)
VALIDATE_JOBS ?= 2
validate: $(STAMP)
	OPENBLAS_NUM_THREADS=1 nice -n 10 $(BIN)/python -m validation.study --jobs $(VALIDATE_JOBS) $(VALIDATE_ARGS)

clean:
	rm -rf reports/ test-artifacts/ test-results/ build/ dist/ *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) \
		-type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
