# One task runner for the usual jobs. `make help` lists them.
PY ?= .venv/bin/python
EVAL ?= ../shared/eval

.PHONY: help venv demo test lint typecheck format golden bench bench-summarizer bench-collect bench-render bench-scale bench-cli check
.PHONY: help venv demo test lint typecheck format golden bench bench-summarizer bench-collect bench-render bench-cli bench-stories check

help:
	@echo "make venv        - create .venv and install briefing with test extras"
	@echo "make demo        - generate a briefing from the bundled samples into briefing-sample/"
	@echo "make test        - run the test suite"
	@echo "make lint        - ruff check and format check"
	@echo "make typecheck   - mypy on the package"
	@echo "make check       - lint + typecheck + test"
	@echo "make golden      - regenerate the end-to-end golden files (review the diff!)"
	@echo "make bench       - all benchmarks (EVAL=path to the eval sets)"

venv:
	python3 -m venv .venv && .venv/bin/pip install -q -e '.[test,bench]'

demo:
	.venv/bin/briefing run

test:
	$(PY) -m pytest -q

lint:
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

typecheck:
	$(PY) -m mypy

format:
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

check: lint typecheck test

golden:
	BRIEFING_UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_end_to_end.py

bench: bench-cli bench-summarizer bench-collect bench-render bench-scale
bench: bench-cli bench-summarizer bench-collect bench-render bench-stories

bench-cli:
	$(PY) benchmarks/cli_speed.py

bench-summarizer:
	$(PY) benchmarks/summarizer.py $(EVAL)/dev-en.jsonl $(EVAL)/dev-fr.jsonl

bench-collect:
	$(PY) benchmarks/collect.py

bench-render:
	$(PY) benchmarks/render.py

bench-scale:
	$(PY) benchmarks/scale.py
bench-stories:
	$(PY) benchmarks/stories.py $(EVAL)/multidoc-dev.jsonl $(EVAL)/dev-en.jsonl $(EVAL)/dev-fr.jsonl
