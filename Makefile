# The two commands a new user needs: `make serve` and `make test`. Everything else is installed here.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

UI_BUILD   := src/visionyard/webui/index.html
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json \
              ui/openapi.json
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve start test test-fast lint install ui api-types browser demo clean

$(STAMP): pyproject.toml constraints.txt
	ldconfig -p | grep -q 'libGL.so.1 ' || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libgl1 >/dev/null)  # OpenCV (Ultralytics) needs it
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,openvino,mlflow,s3,ray,ultralytics]'
	touch $(STAMP)

install: $(STAMP) $(UI_BUILD)

## The web UI (ui/, React + Vite), built into the package: `visionyard serve` serves it at /.
ui: $(UI_BUILD)

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error

# `npm run build` first writes ui/generated/api.d.ts from the checked-in ui/openapi.json, then type-checks.
$(UI_BUILD): ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build

## The UI's API types: the app's OpenAPI document (no server, no plugins) into ui/openapi.json, then
## ui/generated/api.d.ts from it. Run after changing a route or a response model; both are checked in.
api-types: $(STAMP) ui/node_modules/.package-lock.json
	$(BIN)/python -m visionyard.api.openapi_document ui/openapi.json
	cd ui && npm run api-types

## Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null)

## Demo data, then the service on http://127.0.0.1:8000 (API docs at /docs).
serve: $(STAMP) $(UI_BUILD)
	$(BIN)/visionyard serve --demo

## Demo data, then a demo training run in the foreground.
start: $(STAMP)
	$(BIN)/visionyard demo
	$(BIN)/visionyard train resnet18 digits --preset quick

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

## The whole suite in two processes of one thread each (two torch processes of two threads each on
## two cores spin against each other); a module's tests stay in one process (they share its fixtures).
test: lint $(UI_BUILD) browser
	OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=30

## The inner loop: lint and every test that is neither slow nor a browser test (about a minute).
test-fast: lint
	OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not slow and not browser"

demo: $(STAMP)
	$(BIN)/visionyard demo

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache ui/node_modules src/visionyard/webui
