# servicecenter: `make run` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEMO_PASSWORD ?= demo12345
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup migrate seed lint format bench loadtest messages clean browsers assets

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"

run: seed
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) -m servicecenter.devserver --host $(HOST) --port $(PORT)

# Three passes: the isolated tests spread over TEST_WORKERS processes (each with its own test
# database); the browser journeys, also spread (each worker has its own live server and Chromium);
# then the tests that start and stop Redis, workers and servers of their own, one at a time.
# The first pass builds the test databases afresh; the later ones reuse them (same code, same
# migrations: building them again was a third of the time).
TEST_WORKERS ?= 2
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --create-db -m "not browser and not faults and not broker" $(PYTEST_ARGS)
	$(PY) -m pytest -n $(TEST_WORKERS) --reuse-db -m "browser and not faults and not broker" $(PYTEST_ARGS)
	$(PY) -m pytest -n 1 --reuse-db -m "faults or broker" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract strings into locale/zh_Hans (then translate the new entries) and compile the catalogues.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans -d django --no-obsolete --ignore='tests/*' --ignore='benchmarks/*' --ignore='staticfiles/*'
	$(PY) manage.py makemessages -l zh_Hans -d djangojs --no-obsolete --ignore='tests/*' --ignore='staticfiles/*' --ignore='static/vendor/*'
	$(PY) manage.py compilemessages --ignore=.venv

bench: setup
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# Gunicorn, a Celery worker and beat on loopback under a mixed Locust load (loadtest/run.py says how).
loadtest: setup
	$(PY) -m loadtest.run $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache

# Reinstall the committed front-end files from the npm registry (package.json pins the versions).
assets:
	npm ci --no-audit --no-fund
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE static/vendor/echarts/
	cp node_modules/axe-core/axe.min.js tests/browser/vendor/
	cp node_modules/axe-core/LICENSE tests/browser/vendor/axe-LICENSE
