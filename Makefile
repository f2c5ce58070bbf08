# The two commands a new user needs: `make serve` and `make test`. Everything else is installed here.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve start test lint install demo clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,openvino,mlflow,s3]'
	touch $(STAMP)

install: $(STAMP)

## Demo data, then the service on http://127.0.0.1:8000 (API docs at /docs).
serve: $(STAMP)
	$(BIN)/visionyard serve --demo

## Demo data, then a demo training run in the foreground.
start: $(STAMP)
	$(BIN)/visionyard demo
	$(BIN)/visionyard train resnet18 digits --preset quick

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

test: lint
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/visionyard demo

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
