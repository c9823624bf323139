# daik: the two commands are `make demo` and `make test`. Each builds its own venv on a fresh
# machine: torch==2.13.0 first (so pip never resolves another torch), then daik itself
# without build isolation.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.daik-installed
SRCS   := setup.py $(wildcard csrc/*.cpp csrc/*.pyx csrc/common/*.h csrc/cpu/*.cpp csrc/cuda/*.cu)
PYTEST_ARGS ?=

.PHONY: install test test-full demo bench clean

install: $(STAMP)

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(STAMP): $(VENV)/bin/python $(SRCS)
	$(PY) -m pip install -q --upgrade pip "setuptools>=77.0.3" wheel
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q cython numpy ninja
	$(PY) -m pip install -q --no-build-isolation -e ".[dev]"
	touch $(STAMP)

# The README's test command. Slow end-to-end tests run here in their reduced (quick) form.
test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS) tests

# The same tests with the slow ones at full size.
test-full: $(STAMP)
	DAIK_FULL_TESTS=1 $(PY) -m pytest -q $(PYTEST_ARGS) tests

demo: $(STAMP)
	$(PY) tools/demo.py

bench: $(STAMP)
	$(PY) tools/bench_ops.py

clean:
	rm -rf build *.egg-info daik/*.so daik/ops/*.so csrc/polyiou.cpp
