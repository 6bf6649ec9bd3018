# The two commands a fresh machine needs:  `make run`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: setup run dev extract test check lint lock bench clean

setup: $(STAMP)

# Exact versions with hashes from the lock (torch's CPU build among them, so pip never pulls a
# multi-GB CUDA build), then the package itself without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

# The main job: the review app on the sample data (extracted and indexed on first start).
run: setup
	$(VENV)/bin/streamlit run app.py

# Like run, but reloads pages when their source changes (the file watcher is off for `run`).
dev: setup
	$(VENV)/bin/streamlit run app.py --server.fileWatcherType auto --server.runOnSave true

extract: setup
	$(VENV)/bin/factcheck extract sample_data/articles/

# The whole suite: what CI runs.
test: lint
	$(PY) -m pytest -q

# The fast loop: lint, the import layers, and every test that needs neither the real model nor a browser.
check: lint
	$(PY) -m pytest -q -m "not slow" -p no:randomly

lint: setup
	$(PY) -m ruff check factcheck tests bench scripts app.py
	$(VENV)/bin/lint-imports --no-cache

# Refresh the lock from pyproject.toml (latest releases within its bounds), for Python 3.11 on Linux x86_64.
lock: setup
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra postgres --extra ray \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	  --override requirements/torch-cpu.txt --find-links /opt/wheels \
	  --generate-hashes --no-header --annotation-style split -o $(LOCK)

clean:
	rm -rf $(VENV) factcheck.db* indexes/claims indexes/passages indexes/archive
