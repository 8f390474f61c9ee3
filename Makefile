# Two entry points for a fresh machine: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.autopar-installed
DEMO := benchmarks/examples/matmul.c

.PHONY: setup system-packages demo test specialist clean

setup: system-packages $(STAMP)
	@# bytecode for autopar's own modules: where PYTHONDONTWRITEBYTECODE is set, Python would compile
	@# them again on every run (about 0.1 s of each autopar and autopar-cc call); only changed files
	@$(PY) -m compileall -q autopar > /dev/null 2>&1 || true

# Debian packages, installed through apt when root and missing:
#   clang, libomp-dev  race checks (TSan + Archer), Polly, builtin headers for libclang, and
#                      libomptarget's host device, on which the offload tests check map clauses
#   clang-tools        clang-apply-replacements, to check exported fixes
#   graphviz           `autopar explain` draws the dependence graph as PNG
#   cmake, ninja-build the compiler-wrapper tests build a CMake project
#   csmith, libcsmith-dev  random C programs (and their csmith.h) for the differential fuzzer,
#                      benchmarks/fuzz.py, whose short run is part of the tests
#   gcc-N-offload-nvptx  gcc's compiler for NVIDIA GPUs (N: the installed gcc's major version): the
#                      offload plans' gcc builds hold GPU code, so the tests check that it compiles
GCC_MAJOR := $(shell gcc -dumpversion 2>/dev/null | cut -d. -f1)
SYSTEM_PACKAGES := clang libomp-dev clang-tools graphviz cmake ninja-build csmith libcsmith-dev \
  $(if $(GCC_MAJOR),gcc-$(GCC_MAJOR)-offload-nvptx)

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

# llama-cpp-python ships only as source, and its default build is tuned to the CPU that builds it
# (-march=native, AMX weight repacking on Xeons that have it). pip's wheel cache is keyed by version,
# not by CPU, so a wheel built on one machine can crash on the next. autopar builds its own wheel
# with a fixed, portable instruction set (x86-64-v3: AVX2/FMA/F16C; no AVX-512, no AMX) into a
# folder named after the version and those flags, and installs that, whatever pip has cached.
# A CPU without AVX2/FMA/F16C/BMI2 (older than 2013) gets the x86-64 baseline instead, in a folder
# of its own, so that neither machine can install the other's wheel.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_HAS_V3 := $(shell for f in avx2 fma f16c bmi2; do grep -qw $$f /proc/cpuinfo 2>/dev/null || exit 0; done; echo yes)
LLAMA_V3 := $(if $(filter yes,$(LLAMA_HAS_V3)),ON,OFF)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=$(LLAMA_V3) -DGGML_AVX2=$(LLAMA_V3) -DGGML_FMA=$(LLAMA_V3) \
  -DGGML_F16C=$(LLAMA_V3) -DGGML_BMI2=$(LLAMA_V3) -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF \
  -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF
LLAMA_WHEELS := $(HOME)/.cache/autopar/wheels/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(shell echo '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || { \
	  echo "building llama-cpp-python $(LLAMA_CPP_VERSION) for a portable CPU baseline (about 6 minutes on 2 cores)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
	    -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION); }
	$(PY) -m pip install -q --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/autopar analyze $(DEMO)
	$(VENV)/bin/autopar analyze $(DEMO) --llm

test: setup
	$(VENV)/bin/pytest -q

# The specialist model (training/): label generated nests with `autopar tune` (about 40 minutes on
# 2 quiet cores; a program already labelled is kept), train a LoRA adapter over the default model
# (about 20 minutes an epoch), and compare it with the base model, the cost model and random order
# on the held-out nests. Installs the `train` extra (torch's CPU wheel, transformers, peft, gguf).
SPECIALIST_CORPUS := .autopar-cache/specialist-corpus
specialist: setup
	$(PY) -m pip install -q -e '.[dev,train]'
	$(PY) training/label.py --seed 1 --count 300 -o $(SPECIALIST_CORPUS)
	$(PY) training/dataset.py
	$(PY) training/train.py
	$(PY) training/evaluate.py

clean:
	rm -rf $(VENV) .autopar-cache build *.egg-info
