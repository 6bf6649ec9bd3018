# The two commands a fresh machine needs:  `make run`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run extract test lint bench clean

setup: $(STAMP)

# torch==2.13.0 (CPU build) first, or pip pulls a multi-GB CUDA build for sentence-transformers.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The main job: the review app on the sample data (extracted and indexed on first start).
run: setup
	$(VENV)/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false

extract: setup
	$(VENV)/bin/factcheck extract sample_data/articles/

test: setup
	$(PY) -m ruff check factcheck tests bench scripts app.py
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check factcheck tests bench scripts app.py

clean:
	rm -rf $(VENV) factcheck.db* indexes/claims indexes/passages indexes/archive
