# Trợ lý Dịch vụ công — the project's only command list.
#   make run    install what is missing, train when inputs changed, start Rasa + app
#   make test   install what is missing, lint, train, run every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON311 ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/assistant.tar.gz
# pip prints a warning per package for index folders that do not exist; hide that noise only.
PIP_QUIET := 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
RASA_ENV := PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
	SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore

# Python 3.10 for Rasa: a working python3.10 on PATH, else the newest pyenv 3.10.
find_python310 = $(shell \
	if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' >/dev/null 2>&1; then \
		command -v python3.10; \
	else \
		ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -n 1; \
	fi)

# The app environment's requirements: pyproject.toml's dependencies and dev extras.
define DEPENDENCIES
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
endef
export DEPENDENCIES

# The procedure lookup of the NLU data is generated from the knowledge content.
LOOKUP := bot/data/nlu/procedures.yml
LOOKUP_INPUTS := $(wildcard knowledge/content/procedures/*.yml) knowledge/lookup.py knowledge/seed.py \
	knowledge/models.py knowledge/text.py knowledge/content/abbreviations.tsv

# Everything the trained model depends on: retrain only when one of these changed.
TRAIN_INPUTS := config.yml $(LOOKUP) knowledge/text.py knowledge/content/abbreviations.tsv \
	$(shell find bot/domain bot/data nlu -type f \( -name '*.yml' -o -name '*.py' \) -not -path $(LOOKUP) \
		-not -name launcher.py -not -name tracker_store.py)

# The knowledge index depends on the content, the code that builds it and the dev and
# calibration sets it is calibrated on (never the held-out test set).
INDEX := var/index/calibration.json
INDEX_INPUTS := $(shell find knowledge -type f \( -name '*.py' -o -name '*.yml' -o -name '*.tsv' \)) \
	tests/data/retrieval_dev.jsonl tests/data/retrieval_calibration.jsonl

.PHONY: help install run train index test lint bench lock clean

help:
	@echo "make run     start the assistant (installs and trains first when needed)"
	@echo "make test    lint and run every test (installs and trains first when needed)"
	@echo "make train   train the Rasa model if its inputs changed"
	@echo "make index   build the knowledge index (and tune its model) if the content changed"
	@echo "make install create .venv (Python 3.11) and .venv-rasa (Python 3.10)"
	@echo "make lint    ruff and the import-layering contracts"
	@echo "make bench   start-up, chat latency, event loop under load, search, task success, dashboard, load (BENCHMARKS.md)"
	@echo "make lock    re-resolve both environments and rewrite requirements/*-lock.txt"
	@echo "make clean   remove environments, models and var/"

install: $(VENV)/.installed $(RASA_VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/app-lock.txt
	@echo "==> Installing the app environment ($(VENV), Python 3.11)"
	@test -x $(PY) || $(PYTHON311) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade "pip>=24" $(PIP_QUIET)
	@# torch first, from the CPU wheel; a bare "torch" would pull a multi-GB CUDA build.
	@$(PY) -m pip install -q torch==2.13.0 $(PIP_QUIET)
	@$(PY) -m pip install -q -c requirements/app-lock.txt -r <($(PY) -c "$$DEPENDENCIES") $(PIP_QUIET)
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa-lock.txt
	@py310="$(find_python310)"; \
	if [ -z "$$py310" ]; then \
		echo "Python 3.10 was not found (Rasa 3.6 runs only on 3.10)." >&2; \
		echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then retry." >&2; \
		exit 1; \
	fi; \
	echo "==> Installing the Rasa environment ($(RASA_VENV), $$py310)"; \
	test -x $(RASA_VENV)/bin/python || "$$py310" -m venv $(RASA_VENV)
	@$(RASA_VENV)/bin/pip install -q --upgrade "pip<25" $(PIP_QUIET)
	@$(RASA_VENV)/bin/pip install -q -c requirements/rasa-lock.txt rasa==3.6.21 "pytest<9" $(PIP_QUIET)
	@touch $@

train: $(MODEL)

$(LOOKUP): $(LOOKUP_INPUTS) | $(VENV)/.installed
	@$(PY) -m knowledge lookup $@

$(MODEL): $(TRAIN_INPUTS) | $(RASA_VENV)/.installed
	@echo "==> Training the Rasa model (a few minutes on 2 cores)"
	@mkdir -p models var/log
	@start=$$(date +%s); \
	$(RASA_ENV) $(RASA) train --config config.yml --domain bot/domain --data bot/data \
		--out models --fixed-model-name assistant > var/log/train.log 2>&1 \
		|| { tail -n 40 var/log/train.log; echo "Training failed; full log in var/log/train.log" >&2; exit 1; }; \
	touch $@; \
	echo "    trained in $$(( $$(date +%s) - start )) s"

index: $(INDEX)

$(INDEX): $(INDEX_INPUTS) | $(VENV)/.installed
	@echo "==> Building the knowledge index (the first time, fine-tuning the model takes a few minutes)"
	@mkdir -p var/log
	@start=$$(date +%s); \
	$(PY) -m knowledge index > var/log/index.json 2> var/log/index.log \
		|| { tail -n 30 var/log/index.log; echo "Indexing failed; full log in var/log/index.log" >&2; exit 1; }; \
	touch $@; \
	echo "    indexed in $$(( $$(date +%s) - start )) s (report: var/log/index.json)"

# exec: the runner is make's own child, so the SIGTERM make forwards reaches it (the runner absorbs
# the second one) and make returns only once Rasa and the app have stopped.
run: install train index
	@exec $(PY) -m app run

lint: $(VENV)/.installed
	@echo "==> Lint"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/lint-imports

# The widget's browser tests drive Debian's Chromium (no browser download at run time).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@echo "==> Installing Debian's chromium for the widget's browser tests"
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends chromium; fi \
		|| { echo "Could not install chromium: run 'apt-get install -y chromium' as root" >&2; exit 1; }

test: install lint train index $(CHROMIUM)
	@echo "==> Tests of the Rasa-side components (.venv-rasa, Python 3.10)"
	@$(RASA_ENV) $(RASA_VENV)/bin/python -m pytest tests/nlu -p no:cacheprovider -W ignore::DeprecationWarning
	@echo "==> Tests of the app, actions, knowledge and the running stack (.venv, Python 3.11)"
	@$(PY) -m pytest --ignore=tests/nlu

bench: install train index
	@$(PY) -m benchmarks.chat_latency
	@$(PY) -m benchmarks.event_loop
	@$(PY) -m benchmarks.search
	@$(PY) -m benchmarks.search_speed
	@$(PY) -m benchmarks.task_success
	@$(PY) -m benchmarks.typed_replies
	@$(PY) -m benchmarks.grouping
	@$(PY) -m benchmarks.edit_latency
	@$(PY) -m benchmarks.dashboard
	@$(PY) -m benchmarks.load

lock:
	@echo "==> Re-resolving the app environment into requirements/app-lock.txt"
	@rm -rf var/lock-venv && $(PYTHON311) -m venv var/lock-venv
	@var/lock-venv/bin/pip install -q torch==2.13.0 $(PIP_QUIET)
	@var/lock-venv/bin/pip install -q -r <($(PYTHON311) -c "$$DEPENDENCIES") $(PIP_QUIET)
	@var/lock-venv/bin/pip freeze | sed 's/+cpu$$//' > requirements/app-lock.txt
	@echo "==> Re-resolving the Rasa environment into requirements/rasa-lock.txt"
	@rm -rf var/lock-venv-rasa && "$(find_python310)" -m venv var/lock-venv-rasa
	@var/lock-venv-rasa/bin/pip install -q --upgrade "pip<25" $(PIP_QUIET)
	@var/lock-venv-rasa/bin/pip install -q rasa==3.6.21 "pytest<9" $(PIP_QUIET)
	@var/lock-venv-rasa/bin/pip freeze > requirements/rasa-lock.txt
	@rm -rf var/lock-venv var/lock-venv-rasa

clean:
	rm -rf $(VENV) $(RASA_VENV) models var .pytest_cache .ruff_cache
