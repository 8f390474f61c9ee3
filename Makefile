# Two entry points for a fresh machine: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.autopar-installed
DEMO := benchmarks/examples/matmul.c

.PHONY: setup system-packages demo test clean

setup: system-packages $(STAMP)

# clang (race checking, Polly, resource headers) and libomp-dev (OpenMP runtime with Archer), via apt when root.
system-packages:
	@missing=""; \
	command -v clang >/dev/null 2>&1 || missing="$$missing clang"; \
	dpkg -s libomp-dev >/dev/null 2>&1 || missing="$$missing libomp-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing system packages:$$missing (install them; race checks and Polly need them)" >&2; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/autopar analyze $(DEMO)
	$(VENV)/bin/autopar analyze $(DEMO) --llm

test: setup
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) .autopar-cache build *.egg-info
