# Two entry points for a fresh machine: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.autopar-installed
DEMO := benchmarks/examples/matmul.c

.PHONY: setup system-packages demo test clean

setup: system-packages $(STAMP)

# Debian packages, installed through apt when root and missing:
#   clang, libomp-dev  race checks (TSan + Archer), Polly, builtin headers for libclang
#   clang-tools        clang-apply-replacements, to check exported fixes
#   graphviz           `autopar explain` draws the dependence graph as PNG
#   cmake, ninja-build the compiler-wrapper tests build a CMake project
SYSTEM_PACKAGES := clang libomp-dev clang-tools graphviz cmake ninja-build

system-packages:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing system packages:$$missing (install them with apt; see the README)" >&2; \
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
